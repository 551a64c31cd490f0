"""Document and model text reaches Slack escaped, in the right markup, cut between sentences."""

from __future__ import annotations

import re

from bot.text.mrkdwn import (
    safe_markdown,
    split_sections,
    streamable_length,
    to_mrkdwn,
    truncate,
)

HOSTILE = (
    "Ping <!channel> and <!here> and <@U123>, see <https://evil.example|https://intranet>. "
    "Also [https://intranet.example.com](https://evil.example) & more."
)
# What would make Slack ping ("<!channel>", "<@U…>") or show "intranet" as a link's label.
SLACK_CONTROL = re.compile(r"<[!@#]|<[^>]*\|[^>]*intranet|\[[^\]]*intranet[^\]]*\]\(")


def test_slack_control_sequences_are_escaped_in_both_markups() -> None:
    for converted in (to_mrkdwn(HOSTILE), safe_markdown(HOSTILE)):
        assert not SLACK_CONTROL.search(converted), converted
        assert "&lt;!channel&gt;" in converted
        assert "&lt;@U123&gt;" in converted
        assert "&amp; more" in converted


def test_disguised_markdown_links_show_their_real_address() -> None:
    assert "<https://evil.example>" in to_mrkdwn(HOSTILE)
    assert "intranet.example.com](" not in safe_markdown(HOSTILE)
    assert "https://evil.example" in safe_markdown(HOSTILE)


def test_honest_links_render_in_each_markup() -> None:
    text = "See [the handbook](https://wiki.example/hb?a=1&b=2) and [x](javascript:alert(1))."
    assert to_mrkdwn(text).startswith("See <https://wiki.example/hb?a=1&amp;b=2|the handbook>")
    assert "[the handbook](https://wiki.example/hb?a=1&amp;b=2)" in safe_markdown(text)
    assert "javascript" not in to_mrkdwn(text).split("and", 1)[1].split("(")[0]
    assert "<javascript" not in to_mrkdwn(text)


def test_markdown_styles_become_mrkdwn() -> None:
    text = "## Summary\n**Bold** and *italic* and ~~gone~~ [1].\n- first\n* second"
    assert to_mrkdwn(text) == "*Summary*\n*Bold* and _italic_ and ~gone~ [1].\n• first\n• second"
    assert safe_markdown(text) == text  # Markdown stays Markdown


def test_code_is_escaped_but_not_restyled() -> None:
    text = "Run `a **b** <c>` then\n```\nx = 1 < 2\n```"
    assert to_mrkdwn(text) == "Run `a **b** &lt;c&gt;` then\n```\nx = 1 &lt; 2\n```"


def test_incomplete_links_are_held_back_while_streaming() -> None:
    assert streamable_length("see [the hand") == 4
    assert streamable_length("see [the handbook](https://wi") == 4
    assert streamable_length("see [1") == 4
    assert streamable_length("see [1]") == 4  # a link may still follow
    assert streamable_length("see [1] and") == len("see [1] and")
    full = "A [link](https://a.example) b"
    assert safe_markdown(full[: streamable_length(full)]) == safe_markdown(full)


def test_sections_break_between_sentences() -> None:
    text = ("One sentence here. " * 100 + "\n\n") * 3
    pieces = split_sections(text, 500)
    assert all(len(p) <= 500 for p in pieces)
    assert all(p.endswith("here.") for p in pieces)
    assert truncate("First part here. Second part is long.", 25) == "First part here.…"
