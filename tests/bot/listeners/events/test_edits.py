"""Edited and deleted questions, through Bolt against the strict Slack stand-in."""

from __future__ import annotations

from pathlib import Path

import pytest
from slack_bolt import BoltContext

from bot.listeners.events.message_changed import handle_message_changed
from bot.listeners.events.message_deleted import handle_message_deleted
from bot.state import PostedAnswer
from tests.bot.fixtures import mock_deps
from tests.bot.harness import SAMPLES, Bot
from tests.fakes.slack_server import BOT_USER_ID
from tests.waiting import wait_until


@pytest.mark.slow
def test_an_edited_question_is_answered_again_in_place_and_a_deleted_one_loses_it(
    running_bot: Bot,
) -> None:
    bot, slack = running_bot, running_bot.slack
    bot.share_file(SAMPLES / "handbook.md", "C1")
    bot.wait_receipt("C1", "handbook.md")
    bot.openai.queue_chat_reply("You get 25 vacation days [1].", "On-call pays 300 EUR a week [1].")
    question_ts = bot.mention("How many vacation days do we get?", "C1")
    answer = bot.wait_answer("C1", question_ts)
    assert "25 vacation days" in answer["text"]

    wait_until(
        lambda: bot.deps.state.answer_to("C1", question_ts) is not None, 30
    )  # just after it shows
    first = bot.deps.state.answer_to("C1", question_ts)
    assert first is not None
    assert first.answer_ts == answer["ts"]

    edited = slack.edit_message("C1", question_ts, f"<@{BOT_USER_ID}> How is on-call compensated?")
    assert bot.send_event(edited) == 200

    def answered_again() -> bool:  # recorded once the rewritten answer is complete
        posted = bot.deps.state.answer_to("C1", question_ts)
        return posted is not None and posted.answer_id != first.answer_id

    wait_until(answered_again, 30)
    posted = bot.deps.state.answer_to("C1", question_ts)
    assert posted is not None
    assert posted.answer_ts == answer["ts"], "the same message"
    assert "300 EUR" in slack.message_text("C1", answer["ts"])
    replies = [m for m in slack.thread("C1", question_ts) if m.get("bot_id")]
    assert [m["ts"] for m in replies] == [answer["ts"]], "no new message"
    assert "handbook.md" in str(slack.message("C1", answer["ts"]).get("blocks")), "sources again"
    stored = bot.deps.state.answer(posted.answer_id)
    assert stored is not None
    assert stored.question == "How is on-call compensated?"

    assert bot.send_event(slack.delete_message("C1", question_ts)) == 200
    slack.wait_for("chat.delete")
    wait_until(lambda: not slack.has_message("C1", answer["ts"]), 30)
    wait_until(
        lambda: bot.deps.state.answer_to("C1", question_ts) is None, 30
    )  # forgotten right after


def test_edits_that_change_no_text_and_unanswered_messages_are_left_alone(
    tmp_path: Path,
) -> None:
    deps = mock_deps(tmp_path)
    context = BoltContext({"bot_user_id": BOT_USER_ID})
    same = {"type": "message", "user": "U1", "text": "what is X?", "ts": "1.1"}
    unfurl = {"subtype": "message_changed", "channel": "C1", "message": same}
    handle_message_changed({**unfurl, "previous_message": same}, deps.client, context, deps)
    deps.state.answer_to.assert_not_called()

    deps.state.answer_to.return_value = None
    edit = {**unfurl, "message": {**same, "text": "what is Y?"}, "previous_message": same}
    handle_message_changed(edit, deps.client, context, deps)
    deps.state.answer_to.assert_called_once_with("C1", "1.1")
    handle_message_deleted(
        {"subtype": "message_deleted", "channel": "C1", "deleted_ts": "1.1"}, deps.client, deps
    )
    deps.client.chat_update.assert_not_called()
    deps.client.chat_delete.assert_not_called()


def test_a_deleted_question_whose_answer_is_already_gone_is_forgotten(tmp_path: Path) -> None:
    deps = mock_deps(tmp_path)
    deps.state.answer_to.return_value = PostedAnswer("C1", "1.1", "1.1", "2.2", "A1")
    from tests.bot.fixtures import slack_error

    deps.client.chat_delete.side_effect = slack_error("message_not_found")
    handle_message_deleted(
        {"subtype": "message_deleted", "channel": "C1", "deleted_ts": "1.1"}, deps.client, deps
    )
    deps.client.chat_delete.assert_called_once_with(channel="C1", ts="2.2")
    deps.state.forget_answer.assert_called_once_with("C1", "1.1")
