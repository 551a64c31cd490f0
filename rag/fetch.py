"""Fetch a web page or file by URL, guarded: public addresses only, a size cap, redirects checked.

Used by ``ragbot ingest URL`` and the bot's ``/docs add``. Every hop (the URL and each redirect)
is resolved and refused when any address is private, loopback, link-local or otherwise not
global (SSRF: cloud metadata, admin UIs), unless ``RAGBOT_URL_ALLOW_PRIVATE`` lets intranet pages
through. The request then goes to an address that was checked, never to a second lookup of the
name (which a hostile DNS server could answer with an internal address: DNS rebinding); the name
still goes in the ``Host`` header and in TLS (SNI and the certificate check). The body is streamed
and cut off past the size limit.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import socket
from collections.abc import Iterator
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import httpx

from rag.errors import IngestError
from rag.formats import EXTENSION_FORMATS

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
URL_DOC_PREFIX = "url:"  # doc_id of documents fetched by URL (the same from the CLI and Slack)


class FetchError(IngestError):
    user_message = FETCH_FAILED


def is_url(text: str) -> bool:
    parts = urlsplit(text)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def url_doc_id(url: str) -> str:
    return URL_DOC_PREFIX + hashlib.sha256(url.encode()).hexdigest()[:24]


def file_name_for(url: str, content_type: str) -> str:
    """A name whose extension tells the converter the format."""
    parts = urlsplit(url)
    path = PurePosixPath(parts.path)
    if path.suffix.lower() in EXTENSION_FORMATS:
        return path.name
    ext = CONTENT_TYPE_EXTENSIONS.get(content_type.split(";")[0].strip().lower(), ".html")
    stem = path.name or parts.netloc
    return f"{stem}{ext}"


def check_public(url: str) -> list[str]:
    """The addresses of the URL's host, refused when any is not public (SSRF: cloud metadata,
    admin UIs)."""
    addresses = resolve(url)
    for address in addresses:
        if not ipaddress.ip_address(address).is_global:
            raise FetchError("private address", user_message=PRIVATE_REFUSED)
    return addresses


def resolve(url: str) -> list[str]:
    """The IP addresses of the URL's host (in the resolver's order, without repeats)."""
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError as err:
        raise FetchError(f"cannot resolve host: {type(err).__name__}") from err
    return list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))


def fetch(
    url: str, timeout: float, limit: int, *, allow_private: bool = False
) -> tuple[str, bytes]:
    """GET with redirects followed by hand (each hop checked), streamed up to ``limit`` bytes.

    Returns a file name for the converter (from the URL or the content type) and the body.
    """
    with httpx.Client(timeout=timeout, headers={"User-Agent": "ragbot/0.1"}) as client:
        for _ in range(MAX_REDIRECTS + 1):
            addresses = resolve(url) if allow_private else check_public(url)
            try:
                with _open(client, url, addresses) as response:
                    if response.is_redirect and "location" in response.headers:
                        url = str(httpx.URL(url).join(response.headers["location"]))
                        continue
                    if response.status_code != 200:
                        raise FetchError(f"HTTP {response.status_code}")
                    data = _read_capped(response, limit)
                    content_type = response.headers.get("content-type", "")
                    return file_name_for(url, content_type), data
            except httpx.HTTPError as err:
                raise FetchError(f"fetch failed: {type(err).__name__}") from err
    raise FetchError("too many redirects")


@contextlib.contextmanager
def _open(client: httpx.Client, url: str, addresses: list[str]) -> Iterator[httpx.Response]:
    """Stream a GET of ``url`` from the first of ``addresses`` that accepts a connection.

    The request is sent to the address itself, with the host name in ``Host`` and as the TLS
    server name, so the connection goes where the check looked and certificates are still
    verified for the name.
    """
    target = httpx.URL(url)
    headers = {"Host": target.netloc.decode("ascii")}
    extensions = {"sni_hostname": target.host}
    for i, address in enumerate(addresses):
        request = client.build_request(
            "GET", target.copy_with(host=address), headers=headers, extensions=extensions
        )
        try:
            response = client.send(request, stream=True)
        except httpx.ConnectError:
            if i == len(addresses) - 1:
                raise
            continue
        try:
            yield response
        finally:
            response.close()
        return
    raise FetchError("no address to connect to")


def _read_capped(response: httpx.Response, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise FetchError("too large", user_message=TOO_LARGE)
        chunks.append(chunk)
    return b"".join(chunks)
