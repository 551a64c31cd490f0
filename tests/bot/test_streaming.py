"""ThreadWriter: streaming API first, post-then-update when it isn't available."""

from __future__ import annotations

from unittest.mock import Mock

from slack_sdk import WebClient
from slack_sdk.web.chat_stream import ChatStream

from bot.streaming import ThreadWriter
from tests.bot.fixtures import slack_error


def test_streams_with_chat_stream() -> None:
    client = Mock(WebClient)
    streamer = Mock(spec=ChatStream)
    client.chat_stream.return_value = streamer
    writer = ThreadWriter(client, "C1", "1.0", user="U1", team="T1", interval=0.0)
    writer.append("Hello ")
    writer.append("world")
    writer.finish([{"type": "divider"}])
    assert client.chat_stream.call_args.kwargs["recipient_user_id"] == "U1"
    assert streamer.stop.call_args.kwargs["blocks"] == [{"type": "divider"}]
    client.chat_postMessage.assert_not_called()


def test_falls_back_to_post_then_update() -> None:
    client = Mock(WebClient)
    client.chat_stream.side_effect = slack_error("unknown_method")
    client.chat_postMessage.return_value = {"ts": "2.0"}
    writer = ThreadWriter(client, "C1", "1.0", interval=0.0)
    writer.append("Hello ")
    writer.append("world")
    writer.finish([])
    assert client.chat_postMessage.call_args.kwargs["text"] == "Hello "
    assert client.chat_update.call_args.kwargs == {
        "ts": "2.0",
        "channel": "C1",
        "text": "Hello world",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hello world"}}],
    }


def test_failure_before_any_text_posts_a_clear_message() -> None:
    client = Mock(WebClient)
    ThreadWriter(client, "C1", "1.0").fail("The model is busy.")
    assert client.chat_postMessage.call_args.kwargs["text"] == ":warning: The model is busy."
