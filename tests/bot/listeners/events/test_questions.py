"""Mention and message handlers as plain functions with spec'd mocks."""

from __future__ import annotations

import logging
from pathlib import Path
from unittest.mock import Mock

import pytest
from slack_bolt import BoltContext
from slack_sdk.web.chat_stream import ChatStream

from bot.listeners.events.app_mention import handle_app_mention
from bot.listeners.events.message import handle_message
from rag.errors import ModelRateLimitedError
from rag.models import DocumentInfo
from tests.bot.fixtures import mock_deps, stream
from tests.fakes.slack_requests import app_mention_event, message_event

SECRET_QUESTION = "what is the secret launch date?"


@pytest.fixture
def context() -> BoltContext:
    return BoltContext({"bot_user_id": "UBOT"})


def test_mention_streams_answer_in_thread_with_own_scope(
    tmp_path: Path, context: BoltContext
) -> None:
    deps = mock_deps(tmp_path)
    deps.kb.stream_answer.return_value = stream("It lifts ", "1,200 kg [1].")
    streamer = Mock(spec=ChatStream)
    deps.client.chat_stream.return_value = streamer
    event = app_mention_event(f"<@UBOT> {SECRET_QUESTION}", channel="C7", ts="10.0")

    handle_app_mention(event, deps.client, context, deps)

    args = deps.kb.stream_answer.call_args
    assert args.args == (SECRET_QUESTION,)
    assert args.kwargs["scopes"] == ["C7"]
    assert deps.client.chat_stream.call_args.kwargs["thread_ts"] == "10.0"
    appended = "".join(c.kwargs["markdown_text"] for c in streamer.append.call_args_list)
    assert appended == "It lifts 1,200 kg [1]."
    assert "specs.pdf" in str(streamer.stop.call_args.kwargs["blocks"])
    deps.state.mark_thread.assert_called_once_with("C7", "10.0")


def test_duplicate_message_is_not_answered_twice(tmp_path: Path, context: BoltContext) -> None:
    deps = mock_deps(tmp_path)
    deps.state.claim.return_value = False
    handle_app_mention(app_mention_event("<@UBOT> hi?"), deps.client, context, deps)
    deps.kb.stream_answer.assert_not_called()


def test_model_failure_replaces_answer_with_clear_message(
    tmp_path: Path, context: BoltContext, caplog: pytest.LogCaptureFixture
) -> None:
    deps = mock_deps(tmp_path)
    deps.kb.stream_answer.side_effect = ModelRateLimitedError("429 from upstream")
    caplog.set_level(logging.INFO)

    handle_app_mention(
        app_mention_event(f"<@UBOT> {SECRET_QUESTION}", channel="C1", ts="1.0"),
        deps.client,
        context,
        deps,
    )

    posted = deps.client.chat_postMessage.call_args.kwargs
    assert posted["thread_ts"] == "1.0"
    assert posted["text"] == f":warning: {ModelRateLimitedError.user_message}"
    assert SECRET_QUESTION not in caplog.text, "message text is never logged"


def test_plain_channel_message_is_ignored(tmp_path: Path, context: BoltContext) -> None:
    deps = mock_deps(tmp_path)
    handle_message(message_event("just chatting", channel="C1"), deps.client, context, deps)
    deps.kb.stream_answer.assert_not_called()


def test_follow_up_in_answered_thread_is_answered(tmp_path: Path, context: BoltContext) -> None:
    deps = mock_deps(tmp_path)
    deps.state.is_answered_thread.return_value = True
    deps.kb.stream_answer.return_value = stream("ok [1]")
    deps.client.chat_stream.return_value = Mock(spec=ChatStream)
    deps.client.conversations_replies.return_value = {
        "messages": [
            {"ts": "1.0", "user": "U1", "text": "<@UBOT> first question"},
            {"ts": "1.5", "user": "UBOT", "bot_id": "B1", "text": "first answer [1]"},
            {"ts": "2.0", "user": "U1", "text": "and then?"},
        ]
    }
    handle_message(
        message_event("and then?", channel="C1", ts="2.0", thread_ts="1.0"),
        deps.client,
        context,
        deps,
    )
    history = deps.kb.stream_answer.call_args.kwargs["history"]
    assert [(t.role, t.text) for t in history] == [
        ("user", "first question"),
        ("assistant", "first answer [1]"),
    ]


def test_dm_is_answered_and_files_are_queued(tmp_path: Path, context: BoltContext) -> None:
    deps = mock_deps(tmp_path)
    deps.kb.stream_answer.return_value = stream("ok")
    deps.kb.document.return_value = DocumentInfo(  # read by the time the question is answered
        "F9", "a.pdf", None, "F9", ("D1",), 1, 1, 0, "h", None
    )
    deps.client.chat_stream.return_value = Mock(spec=ChatStream)
    event = message_event(
        "what about this?", channel="D1", channel_type="im", files=[{"id": "F9", "name": "a.pdf"}]
    )
    handle_message(event, deps.client, context, deps)
    deps.jobs.ingest_file.assert_called_once_with("F9", "D1", user="U1", thread_ts=event["ts"])
    assert deps.kb.stream_answer.call_args.kwargs["scopes"] == ["D1"]


def test_bot_messages_are_ignored(tmp_path: Path, context: BoltContext) -> None:
    deps = mock_deps(tmp_path)
    handle_message(
        {**message_event("hi", channel="D1", channel_type="im"), "bot_id": "B1"},
        deps.client,
        context,
        deps,
    )
    deps.kb.stream_answer.assert_not_called()
