"""👍/👎 end to end: stored with the question, the sources shown and their chunk ids; after a
👎, which source was right; exported as a question set for the retrieval benchmark."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.retrieval_eval import FAILURES_SET, load_user_set
from bot.blocks.feedback import NOTED_TEXT
from bot.cli import main
from bot.constants import FEEDBACK_DOWN, FEEDBACK_UP, GOOD_SOURCE
from bot.state import NO_GOOD_SOURCE
from tests.bot.harness import SAMPLES, Bot, block_text

pytestmark = pytest.mark.slow


def _answer_id(message: dict[str, object]) -> str:
    for block in message.get("blocks") or []:  # type: ignore[attr-defined]
        if block.get("type") == "actions":
            return str(block["elements"][0]["value"])
    raise AssertionError("no feedback buttons")


def test_votes_keep_the_sources_shown_and_export_as_a_benchmark_set(
    running_bot: Bot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot, slack = running_bot, running_bot.slack
    slack.channels["C1"] = {"members": ["U1", "U2", "U3", "UBOT"]}
    bot.share_file(SAMPLES / "handbook.md", "C1")
    bot.wait_receipt("C1", "handbook.md")
    question = "How many vacation days do we get?"
    answer = bot.wait_answer("C1", bot.mention(question, "C1"))
    answer_id = _answer_id(answer)
    stored = bot.deps.state.answer(answer_id)
    assert stored is not None

    # U1: 👎, then "[1] was right"; U2: 👎, then "none of them"; U3: 👍
    assert bot.click(FEEDBACK_DOWN, answer_id, "C1", message_ts=answer["ts"]) == 200
    asked = bot.told_privately("U1", "Was one of the sources")
    assert f"{GOOD_SOURCE}_1" in json.dumps(asked["blocks"])
    assert bot.click(f"{GOOD_SOURCE}_1", f"{answer_id}:1", "C1") == 200
    assert slack.wait_response(bot.last_response_url)[-1]["text"] == NOTED_TEXT
    assert bot.click(FEEDBACK_DOWN, answer_id, "C1", user="U2", message_ts=answer["ts"]) == 200
    bot.told_privately("U2", "Was one of the sources")
    assert bot.click(f"{GOOD_SOURCE}_none", f"{answer_id}:none", "C1", user="U2") == 200
    slack.wait_response(bot.last_response_url)
    assert bot.click(FEEDBACK_UP, answer_id, "C1", user="U3", message_ts=answer["ts"]) == 200
    bot.told_privately("U3", "Thanks for the feedback")

    votes = {f.user: f for f in bot.deps.state.feedback()}
    first = stored.sources[0]
    assert votes["U1"].good_source == first.chunk_id
    assert votes["U2"].good_source == NO_GOOD_SOURCE
    assert votes["U3"].vote == 1
    assert votes["U3"].good_source is None
    shown = votes["U1"].shown
    assert shown
    assert shown[0].chunk_id == first.chunk_id
    assert shown[0].source == "handbook.md"
    assert votes["U1"].chunk_ids == tuple(c.chunk_id for c in shown)
    assert "handbook.md" in block_text(answer)

    monkeypatch.setenv("RAGBOT_DATA_DIR", str(bot.deps.settings.data_dir))
    exported = tmp_path / "feedback.jsonl"
    assert main(["feedback", "export", "--json", "-o", str(exported), "-q"]) == 0
    items = [json.loads(line) for line in exported.read_text().splitlines()]
    by_verdict = {(i["vote"], bool(i.get("retrieval_failure"))): i for i in items}
    assert len(items) == 3
    assert by_verdict[("down", False)]["docs"] == ["handbook.md"]
    assert by_verdict[("down", False)]["chunk_ids"] == [first.chunk_id]
    failure = by_verdict[("down", True)]
    assert failure["question"] == question
    assert failure["rejected"][0]["chunk_id"] == first.chunk_id
    assert by_verdict[("up", False)]["docs"] == ["handbook.md"]

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "handbook.md").write_bytes((SAMPLES / "handbook.md").read_bytes())
    eval_set = load_user_set(exported, docs)
    assert [len(q) for q in eval_set.question_sets.values()] == [2, 1]
    assert eval_set.question_sets[FAILURES_SET][0].rejected[0][0] == "handbook.md"
