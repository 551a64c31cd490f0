"""The URL fetcher connects to the address it checked: a second DNS answer is never used."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from rag.fetch import FetchError, fetch
from tests.fakes.http import FakeHTTPServer, FakeRequestHandler

LIMIT = 1 << 20


class Wiki(FakeHTTPServer):
    """An internal page; ``/start`` redirects to ``/page``. Records each request's Host."""

    def __init__(self) -> None:
        super().__init__()
        self.hosts: list[str] = []

    def _handle(self, h: FakeRequestHandler) -> None:
        self.hosts.append(h.headers.get("Host", ""))
        if h.path == "/start":
            h.send(302, b"", "text/plain", {"Location": "/page"})
        else:
            h.send(200, b"<html><body><p>internal only</p></body></html>", "text/html")

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])


class Resolver:
    """DNS for one made-up name: each lookup gets the next answer (one or more addresses), the
    last one repeating; other names are looked up for real."""

    def __init__(self, name: str, answers: list[list[str]]) -> None:
        self.name, self.answers = name, answers
        self.lookups = 0
        self._real = socket.getaddrinfo

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if host != self.name:
            return self._real(host, port, *args, **kwargs)
        answer = self.answers[min(self.lookups, len(self.answers) - 1)]
        self.lookups += 1
        return [info for a in answer for info in self._real(a, port, *args, **kwargs)]


@pytest.fixture
def wiki() -> Iterator[Wiki]:
    with Wiki() as server:
        yield server


def test_a_rebinding_answer_never_reaches_an_internal_address(
    wiki: Wiki, monkeypatch: pytest.MonkeyPatch
) -> None:
    # public when checked, this machine on any later lookup (where the page is served)
    resolver = Resolver("rebind.test", [["8.8.8.8"], ["127.0.0.1"]])
    monkeypatch.setattr(socket, "getaddrinfo", resolver)

    with pytest.raises(FetchError):  # nothing answers on 8.8.8.8 at the wiki's port
        fetch(f"http://rebind.test:{wiki.port}/page", timeout=1.0, limit=LIMIT)

    assert wiki.hosts == []
    assert resolver.lookups == 1


def test_the_connection_goes_to_the_address_looked_up_with_the_name_kept(
    wiki: Wiki, monkeypatch: pytest.MonkeyPatch
) -> None:
    # intranet pages allowed; a second lookup would point at an address where nothing listens
    resolver = Resolver("wiki.test", [["127.0.0.1"], ["127.0.0.2"]])
    monkeypatch.setattr(socket, "getaddrinfo", resolver)

    name, body = fetch(f"http://wiki.test:{wiki.port}/page", 5.0, LIMIT, allow_private=True)

    assert b"internal only" in body
    assert name == "page.html"
    assert wiki.hosts == [f"wiki.test:{wiki.port}"]
    assert resolver.lookups == 1


def test_each_redirect_hop_is_looked_up_once_and_keeps_the_name(
    wiki: Wiki, monkeypatch: pytest.MonkeyPatch
) -> None:
    resolver = Resolver("wiki.test", [["127.0.0.1"]])
    monkeypatch.setattr(socket, "getaddrinfo", resolver)

    name, body = fetch(f"http://wiki.test:{wiki.port}/start", 5.0, LIMIT, allow_private=True)

    assert b"internal only" in body
    assert name == "page.html"  # named from the redirect's URL, not the address
    assert wiki.hosts == [f"wiki.test:{wiki.port}"] * 2
    assert resolver.lookups == 2


def test_the_next_address_is_tried_when_one_refuses(
    wiki: Wiki, monkeypatch: pytest.MonkeyPatch
) -> None:
    resolver = Resolver("wiki.test", [["127.0.0.2", "127.0.0.1"]])  # nothing on .2
    monkeypatch.setattr(socket, "getaddrinfo", resolver)

    _, body = fetch(f"http://wiki.test:{wiki.port}/page", 5.0, LIMIT, allow_private=True)

    assert b"internal only" in body
    assert resolver.lookups == 1
