"""Assistant pane handlers."""

from __future__ import annotations

from pathlib import Path
from unittest.mock import Mock, create_autospec

from slack_bolt import BoltContext, Say, SetStatus, SetSuggestedPrompts, SetTitle
from slack_bolt.context.get_thread_context import GetThreadContext
from slack_sdk.web.chat_stream import ChatStream

from bot.listeners.assistant.thread_started import GREETING, handle_thread_started
from bot.listeners.assistant.user_message import handle_user_message
from tests.bot.fixtures import mock_deps, stream
from tests.fakes.slack_requests import message_event


def test_thread_started_greets_and_suggests_prompts() -> None:
    say, prompts = Mock(Say), Mock(SetSuggestedPrompts)
    handle_thread_started(say, prompts)
    assert say.call_args.args == (GREETING,)
    assert len(prompts.call_args.kwargs["prompts"]) == 3


def test_user_message_sets_status_and_answers_in_dm_scope(tmp_path: Path) -> None:
    deps, set_status = mock_deps(tmp_path), create_autospec(SetStatus, instance=True)
    deps.kb.stream_answer.return_value = stream("hello [1]")
    deps.client.chat_stream.return_value = Mock(spec=ChatStream)
    deps.client.conversations_replies.return_value = {"messages": []}
    event = message_event("question?", channel="D5", channel_type="im", thread_ts="1.0")
    set_title, get_context = Mock(SetTitle), Mock(GetThreadContext, return_value=None)
    handle_user_message(
        event,
        deps.client,
        BoltContext({"bot_user_id": "UBOT"}),
        set_status,
        set_title,
        get_context,
        deps,
    )
    assert set_status.call_args.kwargs == {"status": "thinking…"}
    assert deps.kb.stream_answer.call_args.kwargs["scopes"] == ["D5"]
    assert set_title.call_args.args == ("question?",)
