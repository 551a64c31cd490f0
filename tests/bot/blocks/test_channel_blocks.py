"""Builders for the older-files offer/progress/summary and the good-source question (no mocks)."""

from __future__ import annotations

from bot.blocks.feedback import good_source_blocks, parse_good_source_value
from bot.blocks.older_files import offer_blocks, offer_text, progress_text, summary_blocks
from bot.constants import GOOD_SOURCE, READ_OLDER_FILES
from tests.bot.fixtures import citation
from tests.fakes.slack_rules import block_errors


def test_offer_counts_the_files_and_carries_the_channel() -> None:
    assert "1 file I can read was shared" in offer_text(1)
    assert "30 files I can read were shared" in offer_text(30)
    blocks = offer_blocks(30, "C1")
    button = blocks[1]["elements"][0]
    assert (button["action_id"], button["value"], button["text"]["text"]) == (
        READ_OLDER_FILES,
        "C1",
        "Read them",
    )
    assert block_errors(blocks) == []


def test_progress_and_summary() -> None:
    assert progress_text(12, 30) == ":hourglass_flowing_sand: 12 of 30 files read…"
    failures = [(f"<b{i}>.pdf", "damaged") for i in range(12)]
    blocks = summary_blocks(18, 30, failures)
    assert "Read 18 of 30 files" in blocks[0]["text"]["text"]
    listed = blocks[1]["text"]["text"]
    assert "I couldn't read 12:" in listed
    assert "&lt;b0&gt;.pdf" in listed
    assert "b10" not in listed
    assert "…and 2 more." in listed
    assert block_errors(blocks) == []
    assert "Read all 3 files" in summary_blocks(3, 3, [])[0]["text"]["text"]


def test_good_source_question_has_one_button_per_source_and_none() -> None:
    blocks = good_source_blocks("A1", [citation(1), citation(3)])
    elements = blocks[1]["elements"]
    assert [(e["action_id"], e["value"]) for e in elements] == [
        (f"{GOOD_SOURCE}_1", "A1:1"),
        (f"{GOOD_SOURCE}_3", "A1:3"),
        (f"{GOOD_SOURCE}_none", "A1:none"),
    ]
    assert block_errors(blocks) == []
    assert parse_good_source_value("A1:3") == ("A1", "3")
    assert parse_good_source_value("A1") is None
