"""``/docs add <url>`` documents: fetched by ``rag.fetch``, ingested, refreshed on a schedule."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.blocks.ingest import failure_text, receipt_text
from bot.deps import Deps
from bot.runtime import team_runtime
from bot.text.incoming import decode_entities
from rag.errors import IngestError
from rag.fetch import fetch, is_url
from rag.models import IngestReceipt, SourceInfo

logger = logging.getLogger(__name__)


def clean_url(text: str) -> str | None:
    """Slack wraps links as ``<https://x|label>`` and escapes ``&`` as ``&amp;``; only http(s)
    URLs are accepted."""
    url = decode_entities(text.strip().strip("<>").split("|", 1)[0].strip())
    return url if is_url(url) else None


def ingest_url(deps: Deps, doc_id: str, url: str, scopes: list[str]) -> IngestReceipt:
    name, data = fetch(
        url,
        deps.settings.url_fetch_timeout_s,
        deps.settings.max_file_bytes,
        allow_private=deps.settings.url_allow_private,
    )
    return deps.kb.ingest_bytes(
        data, SourceInfo(name, url=url), doc_id=doc_id, scopes=scopes, origin=url
    )


def fetch_url_job(doc_id: str, url: str, channel: str, user: str, team: str = "") -> None:
    deps = team_runtime(team)
    if deps is None:
        return
    existing = deps.kb.document(doc_id)
    scopes = sorted({channel, *(existing.scopes if existing else ())})
    try:
        text = receipt_text(ingest_url(deps, doc_id, url, scopes))
    except IngestError as err:
        text = failure_text(url, err.user_message)
        if existing is None:
            deps.jobs.cancel(f"refresh:{doc_id}")
            deps.state.remove_web_source(doc_id)
    except Exception:
        logger.exception("adding a URL document failed")
        text = failure_text(url, "something went wrong on my side. Please try again later.")
    try:
        deps.client.chat_postEphemeral(channel=channel, user=user, text=text)
    except SlackApiError:
        logger.warning("could not report /docs add result in %s", channel, exc_info=True)


def refresh_url_job(doc_id: str, url: str, team: str = "") -> None:
    deps = team_runtime(team)
    if deps is None:
        return
    existing = deps.kb.document(doc_id)
    if existing is None:  # forgotten since: stop refreshing
        deps.jobs.cancel(f"refresh:{doc_id}")
        deps.state.remove_web_source(doc_id)
        return
    try:
        receipt = ingest_url(deps, doc_id, url, list(existing.scopes))
        logger.info("refreshed %s: %s", doc_id, receipt.outcome)
    except IngestError as err:
        logger.warning("refresh of %s failed: %s", doc_id, type(err).__name__)
