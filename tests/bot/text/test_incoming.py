"""Text people send, back to what they wrote."""

from __future__ import annotations

from bot.jobs.urls import clean_url
from bot.text.incoming import decode_entities, readable


def test_entities_and_markup_are_decoded() -> None:
    names = {"U2": "ada"}.get
    raw = "<@UBOT> is 1 &lt; 2 &amp;&amp; <@U2> in <#C1|general> see <https://x.example/a|x>?"
    assert readable(raw, "UBOT", lambda u: names(u) or u) == (
        "is 1 < 2 && @ada in #general see https://x.example/a?"
    )
    assert decode_entities("&amp;lt;") == "&lt;"  # decoded once only


def test_docs_add_accepts_escaped_query_strings() -> None:
    assert clean_url("<https://example.com/p?a=1&amp;b=2|example.com/p>") == (
        "https://example.com/p?a=1&b=2"
    )
