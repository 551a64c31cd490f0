"""Block Kit builders are pure: plain data in, JSON-ready dicts out."""

from __future__ import annotations

import json

from bot.blocks.answer import (
    EXTRACTIVE_HEADER,
    NO_RESULTS_TEXT,
    answer_footer_blocks,
    ask_blocks,
    more_sources_blocks,
    shown_sources,
    source_line,
    worded,
)
from bot.blocks.common import sections
from bot.blocks.docs import docs_list_blocks, help_blocks
from bot.blocks.errors import GENERIC, error_text
from bot.blocks.ingest import failure_text, progress_text, receipt_text
from bot.constants import FEEDBACK_DOWN, FEEDBACK_UP, MORE_SOURCES, SHARE_ANSWER
from bot.text.mrkdwn import to_mrkdwn
from rag.models import Answer, Citation, DocumentInfo, IngestReceipt


def cite(n: int, source: str = "specs.pdf", pages: tuple[int, ...] = (3,)) -> Citation:
    return Citation(
        n,
        f"F{n}",
        f"F{n}#0",
        source,
        f"https://slack/files/F{n}",
        pages,
        "The T-800 lifts 1,200 kg.",
        0.9,
    )


def answer(kind: str = "generated", text: str = "It lifts 1,200 kg [1].") -> Answer:
    sources = [cite(1), cite(2, "guide.docx", ()), cite(3, "b<a>d&.md")]
    cited = [sources[0]] if "[1]" in text else []
    return Answer("How much?", text, kind, sources, cited)  # type: ignore[arg-type]


def test_source_line_names_file_page_snippet_and_permalink() -> None:
    line = source_line(cite(1))
    assert line.startswith("*[1]* <https://slack/files/F1|specs.pdf> · p. 3")
    assert "1,200 kg" in line


def test_source_line_escapes_markup_in_names() -> None:
    assert "b&lt;a&gt;d&amp;.md" in source_line(cite(3, "b<a>d&.md"))


def test_footer_lists_cited_sources_and_buttons() -> None:
    blocks = answer_footer_blocks(answer(), "A1")
    dumped = json.dumps(blocks)
    assert "specs.pdf" in dumped
    assert "guide.docx" not in dumped
    actions = blocks[-1]
    assert [e["action_id"] for e in actions["elements"]] == [
        FEEDBACK_UP,
        FEEDBACK_DOWN,
        MORE_SOURCES,
    ]
    assert all(e["value"] == "A1" for e in actions["elements"])


def test_no_results_has_no_sources_or_buttons() -> None:
    assert answer_footer_blocks(answer("no_results", "Nothing found."), "A1") == []
    assert shown_sources(answer("no_results", "Nothing found.")) == []


def test_extractive_answer_shows_all_sources() -> None:
    assert len(shown_sources(answer("extractive", ""))) == 3


def test_extractive_and_empty_answers_are_worded_here() -> None:
    passages = [cite(1), cite(3, "b<a>d&.md", ())]
    extractive = worded(Answer("How much?", "", "extractive", passages, passages))
    nothing = worded(Answer("Why?", "", "no_results"))

    lines = extractive.text.splitlines()  # Markdown, escaped once where it is rendered
    assert lines[0] == EXTRACTIVE_HEADER
    assert lines[1] == "[1] **specs.pdf, p. 3**: The T-800 lifts 1,200 kg."
    assert lines[2].startswith("[3] **b<a>d&.md**: ")
    shown = to_mrkdwn(extractive.text)
    assert "*b&lt;a&gt;d&amp;.md*" in shown
    assert "&amp;amp;" not in shown
    assert nothing.text == NO_RESULTS_TEXT
    assert worded(answer()).text == "It lifts 1,200 kg [1]."


def test_ask_blocks_offer_sharing() -> None:
    dumped = json.dumps(ask_blocks(answer(), "A9"))
    assert SHARE_ANSWER in dumped
    assert "How much?" in dumped


def test_more_sources_lists_every_source() -> None:
    dumped = json.dumps(more_sources_blocks([cite(1), cite(2, "guide.docx", ())]))
    assert "[1]" in dumped
    assert "[2]" in dumped
    assert "No other sources" in json.dumps(more_sources_blocks([]))


def test_ingest_messages() -> None:
    receipt = IngestReceipt("F1", "specs.pdf", "added", 3, 12, 1, 2.345, ("C1",))
    text = receipt_text(receipt)
    assert "specs.pdf" in text
    assert "3 pages" in text
    assert "12 chunks" in text
    assert "1 table," not in text
    assert "12 chunks, 1 table in 2.3s" in text
    assert "Updated" in receipt_text(IngestReceipt("F1", "a", "replaced", 1, 1, 0, 1, ()))
    markdown = receipt_text(IngestReceipt("F2", "notes.md", "added", 0, 1, 2, 0.5, ()))
    assert "1 chunk, 2 tables in 0.5s" in markdown
    assert "page" not in markdown
    assert "converting" in progress_text("specs.pdf", "converting")
    assert failure_text("x.exe", "I can't read .exe files.").endswith("I can't read .exe files.")


def doc(name: str, scopes: tuple[str, ...] = ("C1",)) -> DocumentInfo:
    return DocumentInfo(name, name, None, name, scopes, 2, 5, 0, "h", None)


def test_docs_list_and_empty_state_and_help() -> None:
    dumped = json.dumps(docs_list_blocks([doc("a.pdf"), doc("b.md", ("global",))]))
    assert "2 document(s)" in dumped
    assert "a.pdf" in dumped
    assert "everywhere" in dumped
    assert "Share a file" in json.dumps(docs_list_blocks([]))
    assert "/docs forget" in json.dumps(help_blocks())


def test_error_text_never_empty() -> None:
    assert error_text() == f":warning: {GENERIC}"
    assert error_text("Model busy.") == ":warning: Model busy."


def test_long_text_is_split_into_sections_between_sentences() -> None:
    sentence = "The T-800 lifts exactly 1,200 kg on a flat floor. "  # 51 characters
    blocks = sections(sentence * 140)
    texts = [b["text"]["text"] for b in blocks]
    assert len(texts) == 3
    assert all(len(t) <= 3000 for t in texts)
    assert all(t.endswith("floor.") for t in texts)
    assert " ".join(texts) == (sentence * 140).strip()


def test_an_overlong_word_is_still_cut_to_fit() -> None:
    blocks = sections("x" * 7000)
    assert [len(b["text"]["text"]) for b in blocks] == [3000, 3000, 1000]
