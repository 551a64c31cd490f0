"""Who sees what: the scopes a conversation searches, and who may make the bot forget.

* A Slack Connect channel (``is_ext_shared``, read from ``conversations.info`` and cached) has
  people from other organisations in it: documents ingested outside Slack (global) are not
  searched there unless ``RAGBOT_GLOBAL_DOCS_IN_SHARED_CHANNELS=true``; documents shared in
  that channel itself are.
* ``/docs forget`` is for the person who shared the document and workspace admins/owners
  (``users.info``), unless ``RAGBOT_DOCS_FORGET_ANYONE=true``.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.payloads import parse_file
from rag.fetch import URL_DOC_PREFIX
from rag.models import NO_GLOBAL_SCOPE, DocumentInfo

logger = logging.getLogger(__name__)


def is_shared_externally(deps: Deps, client: WebClient, channel: str) -> bool:
    info = deps.directory.channel(client, channel)
    return bool(info and (info.get("is_ext_shared") or info.get("is_pending_ext_shared")))


def search_scopes(deps: Deps, client: WebClient, channel: str) -> list[str]:
    """What a question asked in ``channel`` may search."""
    if deps.settings.global_docs_in_shared_channels or channel.startswith("D"):
        return [channel]
    if is_shared_externally(deps, client, channel):
        return [channel, NO_GLOBAL_SCOPE]
    return [channel]


def shared_by(deps: Deps, client: WebClient, doc: DocumentInfo) -> str | None:
    """Who shared a document: the uploader of a Slack file, who ran ``/docs add`` for a link."""
    if doc.doc_id.startswith(URL_DOC_PREFIX):
        return deps.state.web_source_added_by(doc.doc_id)
    try:
        slack_file = parse_file(client.files_info(file=doc.doc_id).get("file"))
    except SlackApiError:
        logger.info("files.info failed for %s; uploader unknown", doc.doc_id)
        return None
    return slack_file.user if slack_file is not None else None


def may_forget(deps: Deps, client: WebClient, user: str, doc: DocumentInfo) -> bool:
    if deps.settings.docs_forget_anyone:
        return True
    if shared_by(deps, client, doc) == user:
        return True
    return deps.directory.person(client, user).is_admin
