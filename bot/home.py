"""What the App Home tab shows someone: documents of the conversations they are in (with who
shared each, when and where), files being read, files that failed; then ``views.publish``.

The viewer's conversations come from ``users.conversations`` (private ones only where the bot
is a member too), plus their DM with the bot. Who shared a file is looked up (``files.info``,
cached) only for the documents on the page shown.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.home import FILES_LISTED, PAGE_SIZE, HomeDocument, HomeFile, HomePage, home_view
from bot.deps import Deps
from rag.document_routing import display_name, most_recent
from rag.fetch import URL_DOC_PREFIX
from rag.models import GLOBAL_SCOPE, DocumentInfo

logger = logging.getLogger(__name__)

CONVERSATION_TYPES = "public_channel,private_channel,mpim,im"
MAX_CONVERSATION_PAGES = 10  # of 200: a person in more conversations sees the first 2,000
INGEST_JOB = "ingest:"


def publish_home(
    deps: Deps, client: WebClient, user: str, own_dm: str | None, page: int = 1
) -> bool:
    """Build and publish ``user``'s Home tab (page ``page``); False if Slack refused it."""
    view = home_view(home_page(deps, client, user, own_dm, page))
    try:
        client.views_publish(user_id=user, view=view)
    except SlackApiError as err:
        logger.warning("could not publish the Home tab: %s", err.response.get("error"))
        return False
    return True


def home_page(deps: Deps, client: WebClient, user: str, own_dm: str | None, page: int) -> HomePage:
    conversations = viewer_conversations(client, user) + ([own_dm] if own_dm else [])
    mine = set(conversations)
    docs = most_recent(deps.kb.documents(conversations))
    pages = max(1, -(-len(docs) // PAGE_SIZE))
    page = min(max(1, page), pages)
    shown = docs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    return HomePage(
        viewer=user,
        own_dm=own_dm,
        documents=[home_document(deps, client, doc, mine) for doc in shown],
        total=len(docs),
        page=page,
        reading=files_being_read(deps, client, mine),
        failed=files_that_failed(deps, client, mine),
    )


def viewer_conversations(client: WebClient, user: str) -> list[str]:
    """The conversations ``user`` is in that the bot may know of."""
    found: list[str] = []
    cursor: str | None = None
    try:
        for _ in range(MAX_CONVERSATION_PAGES):
            response = client.users_conversations(
                user=user, types=CONVERSATION_TYPES, exclude_archived=True, limit=200, cursor=cursor
            )
            found += [
                c["id"] for c in response.get("channels") or [] if isinstance(c.get("id"), str)
            ]
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
    except SlackApiError as err:
        logger.warning("users.conversations failed: %s", err.response.get("error"))
    return found


def home_document(deps: Deps, client: WebClient, doc: DocumentInfo, mine: set[str]) -> HomeDocument:
    return HomeDocument(
        name=display_name(doc),
        url=doc.url,
        pages=doc.pages,
        chunks=doc.chunks,
        shared_by=sharer(deps, client, doc),
        read_at=doc.updated_at,
        where=tuple(s for s in doc.scopes if s in mine),
        everywhere=GLOBAL_SCOPE in doc.scopes,
    )


def sharer(deps: Deps, client: WebClient, doc: DocumentInfo) -> str | None:
    """Who added it: ``/docs add``'s user, a Slack file's uploader; None for an admin's."""
    if doc.doc_id.startswith(URL_DOC_PREFIX):
        return deps.state.web_source_added_by(doc.doc_id)
    if doc.scopes == (GLOBAL_SCOPE,):
        return None  # ingested with the CLI
    return deps.file_facts.get(client, doc.doc_id).uploader


def files_being_read(deps: Deps, client: WebClient, mine: set[str]) -> list[HomeFile]:
    """Ingestion jobs still queued or running for the viewer's conversations."""
    found: list[tuple[str, str]] = []
    for job_id in deps.jobs.pending():
        if not job_id.startswith(INGEST_JOB):
            continue
        file_id, _, channel = job_id[len(INGEST_JOB) :].partition(":")
        if channel == "*":  # an edited file read again where it already is
            doc = deps.kb.document(file_id)
            channel = next((s for s in doc.scopes if s in mine), "") if doc else ""
        if channel in mine:
            found.append((file_id, channel))
    return _named(deps, client, [(f, c, None) for f, c in found])


def files_that_failed(deps: Deps, client: WebClient, mine: set[str]) -> list[HomeFile]:
    """Files shared in the viewer's conversations this week that could not be read (and were
    not read since)."""
    failures = []
    for failure in deps.state.recent_file_failures(mine):
        doc = deps.kb.document(failure.file_id)
        if doc is None or failure.channel not in doc.scopes:
            failures.append((failure.file_id, failure.channel, failure.reason))
    return _named(deps, client, failures)


def _named(
    deps: Deps, client: WebClient, files: Sequence[tuple[str, str, str | None]]
) -> list[HomeFile]:
    """Names from ``files.info`` for the files that will be listed (the rest are counted)."""
    named = []
    for n, (file_id, channel, reason) in enumerate(files):
        name = deps.file_facts.get(client, file_id).name if n < FILES_LISTED else None
        named.append(HomeFile(name or "a file", channel, reason))
    return named
