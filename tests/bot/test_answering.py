"""Answering a question: the order of what Slack and the state store see."""

from __future__ import annotations

from pathlib import Path
from unittest.mock import Mock

from slack_sdk.web.chat_stream import ChatStream

from bot.answering import Question, answer_question
from tests.bot.fixtures import mock_deps, stream


def test_thread_is_the_bots_before_the_answer_shows(tmp_path: Path) -> None:
    """A follow-up sent as soon as the answer appears must be taken as one (seen in Socket
    Mode under load: the thread was marked only after the stream stopped)."""
    deps = mock_deps(tmp_path)
    deps.kb.stream_answer.return_value = stream("It lifts ", "1,200 kg [1].")
    streamer = Mock(spec=ChatStream)
    deps.client.chat_stream.return_value = streamer
    marked_when_shown: list[bool] = []
    streamer.append.side_effect = lambda **_: marked_when_shown.append(
        deps.state.mark_thread.called
    )
    streamer.stop.side_effect = lambda **_: marked_when_shown.append(deps.state.mark_thread.called)
    question = Question(
        channel="C1", thread_ts="10.0", message_ts="10.0", text="payload?", user="U1", team="T1"
    )

    assert answer_question(deps, deps.client, question) is not None

    assert marked_when_shown
    assert all(marked_when_shown)
    deps.state.mark_thread.assert_called_once_with("C1", "10.0")
