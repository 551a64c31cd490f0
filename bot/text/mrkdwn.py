"""Text that reaches Slack: escaping, Markdown → mrkdwn, and splitting into sections.

Answers are Markdown (from the model, or passages quoted from documents). Slack reads two markups:
``markdown_text`` (streamed answers) takes Markdown, while ``text`` fallbacks and section/context
blocks take mrkdwn. Both give ``<`` ``>`` ``&`` a meaning (``<!channel>``, ``<@U123>``,
``<https://evil|https://intranet>``), so text from a document or a model is escaped before it is
sent, and a Markdown link whose label is itself an address is shown as its real target.
One converter, two outputs:

* `safe_markdown` — Markdown for ``markdown_text``: escaped, disguised links defused.
* `to_mrkdwn` — mrkdwn for fallbacks and blocks: escaped, ``**bold**`` → ``*bold*``,
  ``[label](url)`` → ``<url|label>``, headings → bold lines, ``- item`` → ``• item``.

`split_sections` cuts long mrkdwn at paragraph, then sentence, then word boundaries.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

SECTION_LIMIT = 3000  # characters of text in one section block
TEXT_LIMIT = 40000  # characters of a message's ``text``
MARKDOWN_TEXT_LIMIT = 12000  # characters of ``markdown_text`` in one call

_CODE = re.compile(r"```.*?(?:```|$)|`[^`\n]+`", re.DOTALL)
_LINK = re.compile(r"\[([^\]\n]+)\]\((\S+?)\)")
# An address as a label: a scheme, "www.", a host with a path, or a host with 2+ dots.
_URL_LIKE = re.compile(
    r"^\s*(?:[a-z][a-z0-9+.-]*://|mailto:|www\."
    r"|[\w-]+(?:\.[\w-]+)+/|[\w-]+(?:\.[\w-]+){2,}\s*$)",
    re.I,
)
_SAFE_SCHEMES = ("http", "https", "mailto")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|__(?=\S)(.+?)(?<=\S)__")
_ITALIC = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)
_BULLET = re.compile(r"^(\s*)[-*+]\s+", re.M)
_INCOMPLETE_LINK = re.compile(r"\[[^\]\n]*(?:\]|\]\([^)\s]*)?$")
_SENTENCE_END = re.compile(r"(?<=[.!?…:;])\s+")
_BOLD_MARK = "\x00"  # stands in for mrkdwn's "*" while single-star italics are converted


def escape(text: str) -> str:
    """Slack's three control characters, so document or model text can't inject markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str, label: str) -> str:
    """A mrkdwn link to ``url`` showing ``label`` (both untrusted); plain text if not http(s)."""
    return _mrkdwn_link(label, url)


def safe_markdown(markdown: str) -> str:
    """Markdown for ``markdown_text``: escaped, links kept unless disguised."""
    return _convert(markdown, _markdown_link, lambda prose: prose)


def to_mrkdwn(markdown: str) -> str:
    """mrkdwn for ``text`` fallbacks and section/context blocks."""
    return _convert(markdown, _mrkdwn_link, _mrkdwn_styles)


def streamable_length(markdown: str) -> int:
    """How much of a growing Markdown text converts the same whatever comes next.

    A link still being written (``[label`` / ``[label](http://ex``) is held back, so the part
    already streamed never changes meaning when the rest arrives.
    """
    match = _INCOMPLETE_LINK.search(markdown)
    return match.start() if match else len(markdown)


def split_sections(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Cut ``text`` into pieces of at most ``limit`` characters, never mid-sentence if avoidable.

    Paragraphs are kept whole when they fit; longer ones are cut after a sentence, then between
    words, and only a single overlong word is cut hard.
    """
    pieces: list[str] = []
    current = ""
    for unit in _units(text, limit):
        joined = f"{current}{unit}" if current else unit.lstrip()
        if len(joined) <= limit:
            current = joined
            continue
        if current.strip():
            pieces.append(current.rstrip())
        current = unit.lstrip()
    if current.strip():
        pieces.append(current.rstrip())
    return pieces or [""]


def truncate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters at a sentence (or word) boundary, with "…"."""
    if len(text) <= limit:
        return text
    piece = split_sections(text, limit - 1)[0].rstrip()
    ends = [m.start() for m in _SENTENCE_END.finditer(piece)]
    if ends and ends[-1] >= len(piece) // 2:
        piece = piece[: ends[-1]]
    return piece + "…"


# --- internals ----------------------------------------------------------------------------


def _convert(markdown: str, link: Callable[[str, str], str], styles: Callable[[str], str]) -> str:
    """Escape and convert prose; code spans are escaped only, links rendered by ``link``."""
    out: list[str] = []
    last = 0
    for match in _CODE.finditer(markdown):
        out.append(_prose(markdown[last : match.start()], link, styles))
        out.append(escape(match.group(0)))
        last = match.end()
    out.append(_prose(markdown[last:], link, styles))
    return "".join(out)


def _prose(text: str, link: Callable[[str, str], str], styles: Callable[[str], str]) -> str:
    out: list[str] = []
    last = 0
    for match in _LINK.finditer(text):
        out.append(styles(escape(text[last : match.start()])))
        out.append(link(match.group(1), match.group(2)))
        last = match.end()
    out.append(styles(escape(text[last:])))
    return "".join(out)


def _is_disguised(label: str) -> bool:
    """A label that is itself an address (``[https://intranet](https://evil)``): whatever it
    says, only the real target is shown, so an address in a link is always the true one."""
    return _URL_LIKE.match(label) is not None


def _safe_url(url: str) -> str | None:
    if urlsplit(url).scheme.lower() not in _SAFE_SCHEMES:
        return None
    return url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E").replace("&", "&amp;")


def _markdown_link(label: str, url: str) -> str:
    safe = _safe_url(url)
    if safe is None:
        return escape(label)
    if _is_disguised(label):
        return safe
    return f"[{escape(label)}]({safe})"


def _mrkdwn_link(label: str, url: str) -> str:
    safe = _safe_url(url)
    if safe is None:
        return _mrkdwn_styles(escape(label))
    if _is_disguised(label):
        return f"<{safe}>"
    return f"<{safe}|{escape(label)}>"


def _mrkdwn_styles(text: str) -> str:
    """Markdown emphasis, headings and bullets in their mrkdwn spelling (text already escaped)."""
    text = _HEADING.sub(lambda m: f"{_BOLD_MARK}{m.group(1)}{_BOLD_MARK}", text)
    text = _BOLD.sub(lambda m: f"{_BOLD_MARK}{m.group(1) or m.group(2)}{_BOLD_MARK}", text)
    text = _ITALIC.sub(r"_\1_", text)
    text = _STRIKE.sub(r"~\1~", text)
    text = _BULLET.sub(r"\1• ", text)
    return text.replace(_BOLD_MARK, "*")


def _units(text: str, limit: int) -> list[str]:
    """Paragraphs, or sentences/words of paragraphs too long for one piece, separators kept."""
    units: list[str] = []
    for paragraph in re.split(r"(?<=\n\n)", text):
        if len(paragraph) <= limit:
            units.append(paragraph)
            continue
        for sentence in _split_keep(paragraph, _SENTENCE_END):
            if len(sentence) <= limit:
                units.append(sentence)
                continue
            for word in _split_keep(sentence, re.compile(r"(?<=\s)(?=\S)")):
                units += [word[i : i + limit] for i in range(0, len(word), limit)]
    return units


def _split_keep(text: str, separator: re.Pattern[str]) -> list[str]:
    """Split after each separator match, keeping the separator with the piece before it."""
    pieces: list[str] = []
    last = 0
    for match in separator.finditer(text):
        pieces.append(text[last : match.end()])
        last = match.end()
    pieces.append(text[last:])
    return [p for p in pieces if p]
