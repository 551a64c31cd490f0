"""ThreadWriter: streaming API first, post-then-update when it isn't available."""

from __future__ import annotations

from typing import Any
from unittest.mock import Mock

from slack_sdk import WebClient
from slack_sdk.web.chat_stream import ChatStream

from bot.streaming import ThreadWriter
from tests.bot.fixtures import slack_error
from tests.fakes.slack_server import FakeSlack, streamed_text


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


# --- against the strict Slack stand-in --------------------------------------------------------

HOSTILE = "Ask <!channel> or <@U123> at <https://evil.example|https://intranet.example.com>."


def _writer(slack: FakeSlack, **kwargs: Any) -> ThreadWriter:
    client = WebClient(token="xoxb-test", base_url=slack.base_url)
    parent = slack.add_message("C1", None, "U1", "question?")
    return ThreadWriter(client, "C1", parent, user="U1", team="T1", interval=0.0, **kwargs)


def test_streamed_text_is_escaped_and_links_wait_until_complete(slack: FakeSlack) -> None:
    writer = _writer(slack)
    for delta in ["See [the hand", "book](https://wiki.example/hb) ", HOSTILE]:
        writer.append(delta)
    writer.finish([])
    started = slack.calls_to("chat.startStream")[0]
    assert streamed_text(started.params) == "See "  # the half-written link was held back
    text = slack.message_text("C1", slack.calls_to("chat.stopStream")[0].params["ts"])
    assert "[the handbook](https://wiki.example/hb)" in text
    assert "&lt;!channel&gt;" in text
    assert "<!channel>" not in text
    assert "<https://evil" not in text


def test_fallback_updates_are_escaped_mrkdwn_in_sentence_sized_sections(slack: FakeSlack) -> None:
    writer = _writer(slack, use_stream_api=False)
    sentence = "The **T-800** lifts exactly 1,200 kg on a flat floor. "
    writer.append(HOSTILE + " ")
    writer.append(sentence * 120)  # ~6,600 characters: three sections
    writer.finish([{"type": "divider"}])
    assert writer.ts is not None
    message = slack.message("C1", writer.ts)
    assert "<!channel>" not in message["text"]
    assert "&lt;@U123&gt;" in message["text"]
    sections = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]
    assert len(sections) == 3
    assert all(s.endswith(("floor.", ".")) for s in sections)
    assert "*T-800*" in sections[1]
    assert message["blocks"][-1] == {"type": "divider"}
