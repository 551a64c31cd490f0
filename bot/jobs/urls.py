"""Documents added with ``/docs add <url>``: fetch, ingest, refresh on a schedule."""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import socket
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import httpx
from slack_sdk.errors import SlackApiError

from bot.blocks.ingest import failure_text, receipt_text
from bot.constants import URL_DOC_PREFIX
from bot.deps import Deps
from bot.runtime import get_runtime
from bot.text.incoming import decode_entities
from rag.errors import IngestError
from rag.formats import EXTENSION_FORMATS
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
PRIVATE_REFUSED = (
    "That link points to a private or internal address, which I'm not allowed to fetch."
)
TOO_LARGE = "That page is larger than I'm allowed to read."
MAX_REDIRECTS = 5


class FetchError(IngestError):
    user_message = FETCH_FAILED


def url_doc_id(url: str) -> str:
    return URL_DOC_PREFIX + hashlib.sha256(url.encode()).hexdigest()[:24]


def clean_url(text: str) -> str | None:
    """Slack wraps links as ``<https://x|label>`` and escapes ``&`` as ``&amp;``; only http(s)
    URLs are accepted."""
    url = decode_entities(text.strip().strip("<>").split("|", 1)[0].strip())
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


def check_public(url: str) -> None:
    """Refuse links to this machine or its private network (SSRF: cloud metadata, admin UIs)."""
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError as err:
        raise FetchError(f"cannot resolve host: {type(err).__name__}") from err
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise FetchError("private address", user_message=PRIVATE_REFUSED)


def fetch(
    url: str, timeout: float, limit: int, *, allow_private: bool = False
) -> tuple[str, bytes]:
    """GET with redirects followed by hand (each hop checked), streamed up to ``limit`` bytes."""
    with httpx.Client(timeout=timeout, headers={"User-Agent": "ragbot/0.1"}) as client:
        for _ in range(MAX_REDIRECTS + 1):
            if not allow_private:
                check_public(url)
            try:
                with client.stream("GET", url) as response:
                    if response.is_redirect and "location" in response.headers:
                        url = str(response.url.join(response.headers["location"]))
                        continue
                    if response.status_code != 200:
                        raise FetchError(f"HTTP {response.status_code}")
                    data = _read_capped(response, limit)
                    content_type = response.headers.get("content-type", "")
                    return file_name_for(url, content_type), data
            except httpx.HTTPError as err:
                raise FetchError(f"fetch failed: {type(err).__name__}") from err
    raise FetchError("too many redirects")


def _read_capped(response: httpx.Response, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise FetchError("too large", user_message=TOO_LARGE)
        chunks.append(chunk)
    return b"".join(chunks)


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
