"""Button handlers: feedback, more sources, share."""

from __future__ import annotations

import json
from pathlib import Path
from unittest.mock import Mock
from urllib.parse import parse_qsl

from slack_bolt import Ack, Respond

from bot.constants import FEEDBACK_DOWN, FEEDBACK_UP, GOOD_SOURCE, MORE_SOURCES, SHARE_ANSWER
from bot.listeners.actions.feedback import handle_feedback
from bot.listeners.actions.more_sources import handle_more_sources
from bot.listeners.actions.share_answer import handle_share_answer
from bot.state import StoredAnswer
from tests.bot.fixtures import citation, mock_deps
from tests.fakes.slack_requests import block_action_body


def click(action_id: str, value: str = "A1", channel: str = "C1") -> dict[str, object]:
    form = dict(parse_qsl(block_action_body(action_id, value, channel_id=channel)))
    return json.loads(form["payload"])  # type: ignore[no-any-return]


def stored(channel: str = "C1") -> StoredAnswer:
    return StoredAnswer(
        "A1",
        channel,
        "U1",
        "q",
        "answer [1]",
        "generated",
        (citation(1), citation(2, "guide.docx")),
    )


def test_feedback_down_is_recorded_with_the_sources_shown_then_asks_which_was_right(
    tmp_path: Path,
) -> None:
    deps, ack = mock_deps(tmp_path), Mock(Ack)
    deps.state.answer.return_value = stored()
    deps.state.record_feedback.return_value = True
    handle_feedback(ack, click(FEEDBACK_DOWN), deps.client, deps)
    ack.assert_called_once()
    # the answer cites [1] only: that is the source shown, so that is what the vote is about
    deps.state.record_feedback.assert_called_once_with("A1", "U1", -1, [citation(1)])
    asked = deps.client.chat_postEphemeral.call_args.kwargs
    assert asked["user"] == "U1"
    buttons = [e for b in asked["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(e["action_id"], e["value"]) for e in buttons] == [
        (f"{GOOD_SOURCE}_1", "A1:1"),
        (f"{GOOD_SOURCE}_none", "A1:none"),
    ]


def test_feedback_up_is_thanked(tmp_path: Path) -> None:
    deps, ack = mock_deps(tmp_path), Mock(Ack)
    deps.state.answer.return_value = stored()
    deps.state.record_feedback.return_value = True
    handle_feedback(ack, click(FEEDBACK_UP), deps.client, deps)
    deps.state.record_feedback.assert_called_once_with("A1", "U1", 1, [citation(1)])
    assert deps.client.chat_postEphemeral.call_args.kwargs["text"] == "Thanks for the feedback!"


def test_feedback_on_an_unknown_answer_is_dropped(tmp_path: Path) -> None:
    deps, ack = mock_deps(tmp_path), Mock(Ack)
    deps.state.answer.return_value = None
    handle_feedback(ack, click(FEEDBACK_DOWN, "gone"), deps.client, deps)
    ack.assert_called_once()
    deps.state.record_feedback.assert_not_called()
    deps.client.chat_postEphemeral.assert_not_called()


def test_more_sources_only_in_the_answers_conversation(tmp_path: Path) -> None:
    deps, ack = mock_deps(tmp_path), Mock(Ack)
    deps.state.answer.return_value = stored("C1")
    handle_more_sources(ack, click(MORE_SOURCES, channel="C2"), deps.client, deps)
    deps.client.chat_postEphemeral.assert_not_called()
    handle_more_sources(ack, click(MORE_SOURCES, channel="C1"), deps.client, deps)
    assert "guide.docx" in str(deps.client.chat_postEphemeral.call_args.kwargs["blocks"])


def test_share_posts_answer_for_everyone(tmp_path: Path) -> None:
    deps, ack, respond = mock_deps(tmp_path), Mock(Ack), Mock(Respond)
    deps.state.answer.return_value = stored()
    handle_share_answer(ack, click(SHARE_ANSWER), deps.client, respond, deps)
    posted = deps.client.chat_postMessage.call_args.kwargs
    assert posted["channel"] == "C1"
    assert "answer [1]" in str(posted["blocks"])
    assert respond.call_args.kwargs == {"delete_original": True}


def test_malformed_click_is_acked_and_ignored(tmp_path: Path) -> None:
    deps, ack = mock_deps(tmp_path), Mock(Ack)
    handle_feedback(ack, {"actions": "nope"}, deps.client, deps)
    ack.assert_called_once()
    deps.state.record_feedback.assert_not_called()
