"""The SSRF guard of ``/docs add`` and ``ragbot ingest URL``: only public addresses by default."""

from __future__ import annotations

import pytest

from rag.fetch import FetchError, check_public


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/admin",
        "http://localhost/",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://10.1.2.3/wiki",
        "http://192.168.0.10/",
        "http://[::1]/",
        "http://0.0.0.0/",
    ],
)
def test_internal_addresses_are_refused(url: str) -> None:
    with pytest.raises(FetchError) as caught:
        check_public(url)

    assert "private or internal" in caught.value.user_message


@pytest.mark.parametrize("url", ["https://8.8.8.8/page", "http://[2606:4700::1111]/"])
def test_public_addresses_pass(url: str) -> None:
    check_public(url)
