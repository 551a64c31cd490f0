"""Documents added with ``/docs add <url>``: fetch, ingest, refresh on a schedule."""

from __future__ import annotations

import hashlib
import logging
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import httpx
from slack_sdk.errors import SlackApiError

from bot.blocks.ingest import failure_text, receipt_text
from bot.constants import URL_DOC_PREFIX
from bot.deps import Deps
from bot.runtime import get_runtime
from rag.convert import EXTENSION_FORMATS
from rag.errors import IngestError
from rag.models import IngestReceipt, SourceInfo

logger = logging.getLogger(__name__)

CONTENT_TYPE_EXTENSIONS = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "application/pdf": ".pdf",
    "text/markdown": ".md",
    "text/plain": ".txt",
    "text/csv": ".csv",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
}
FETCH_FAILED = "I couldn't fetch that link (it may need a login or be unreachable)."


class FetchError(IngestError):
    user_message = FETCH_FAILED


def url_doc_id(url: str) -> str:
    return URL_DOC_PREFIX + hashlib.sha256(url.encode()).hexdigest()[:24]


def clean_url(text: str) -> str | None:
    """Slack wraps links as ``<https://x|label>``; only http(s) URLs are accepted."""
    url = text.strip().strip("<>").split("|", 1)[0].strip()
    parts = urlsplit(url)
    return url if parts.scheme in {"http", "https"} and parts.netloc else None


def file_name_for(url: str, content_type: str) -> str:
    """A name whose extension tells the converter the format."""
    parts = urlsplit(url)
    path = PurePosixPath(parts.path)
    if path.suffix.lower() in EXTENSION_FORMATS:
        return path.name
    ext = CONTENT_TYPE_EXTENSIONS.get(content_type.split(";")[0].strip().lower(), ".html")
    stem = path.name or parts.netloc
    return f"{stem}{ext}"


def fetch(url: str, timeout: float, limit: int) -> tuple[str, bytes]:
    try:
        response = httpx.get(url, follow_redirects=True, timeout=timeout,
                             headers={"User-Agent": "ragbot/0.1"})
    except httpx.HTTPError as err:
        raise FetchError(f"fetch failed: {type(err).__name__}") from err
    if response.status_code != 200:
        raise FetchError(f"HTTP {response.status_code}")
    if len(response.content) > limit:
        raise FetchError("too large", user_message="That page is larger than I'm allowed to read.")
    return file_name_for(url, response.headers.get("content-type", "")), response.content


def ingest_url(deps: Deps, doc_id: str, url: str, scopes: list[str]) -> IngestReceipt:
    name, data = fetch(url, deps.settings.url_fetch_timeout_s, deps.settings.max_file_bytes)
    return deps.kb.ingest_bytes(
        data, SourceInfo(name, url=url), doc_id=doc_id, scopes=scopes, origin=url
    )


def fetch_url_job(doc_id: str, url: str, channel: str, user: str) -> None:
    deps = get_runtime()
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


def refresh_url_job(doc_id: str, url: str) -> None:
    deps = get_runtime()
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
