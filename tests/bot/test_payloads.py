"""Typed payload parsing: good payloads parse, malformed ones give None (never raise)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.payloads import (
    parse_action,
    parse_command,
    parse_file,
    parse_file_event,
    parse_message,
    strip_mentions,
)
from tests.fakes.slack_requests import app_mention_event, message_event

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
payloads = st.dictionaries(
    st.sampled_from(
        [
            "channel",
            "ts",
            "text",
            "files",
            "file_id",
            "file",
            "command",
            "channel_id",
            "user_id",
            "actions",
            "user",
            "shares",
            "id",
            "size",
        ]
    ),
    json_values,
    max_size=8,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payloads)
def test_parsers_never_raise(data: dict[str, Any]) -> None:
    for parse in (parse_message, parse_file_event, parse_command, parse_action, parse_file):
        parse(data)  # type: ignore[operator]
    assert parse_message(None) is None


def test_mention_event() -> None:
    event = app_mention_event("<@UBOT> what is the T-800?", channel="C1", thread_ts="1.0")
    message = parse_message(event)
    assert message is not None
    assert message.question == "what is the T-800?"
    assert message.reply_thread == "1.0"
    assert not message.from_bot
    assert not message.is_dm


def test_dm_message_and_bot_message() -> None:
    dm = parse_message(message_event("hi", channel="D1", channel_type="im"))
    assert dm is not None
    assert dm.is_dm
    assert dm.reply_thread == dm.ts
    bot = parse_message({**message_event("x"), "bot_id": "B1"})
    assert bot is not None
    assert bot.from_bot


def test_strip_mentions() -> None:
    assert strip_mentions("<@U123|bob>  hello <@W9> there") == "hello there"


def test_file_event_and_command() -> None:
    event = parse_file_event({"file_id": "F1", "channel_id": "C1", "user_id": "U1"})
    assert event is not None
    assert (event.file_id, event.channel) == ("F1", "C1")
    assert parse_file_event({"file": {"id": "F2"}}) is not None
    command = parse_command(
        {"command": "/docs", "text": " forget  a b.pdf ", "channel_id": "C1", "user_id": "U1"}
    )
    assert command is not None
    assert command.verb == "forget"
    assert command.argument == "a b.pdf"
    assert parse_command({"command": "/docs"}) is None


def test_files_info_object() -> None:
    parsed = parse_file(
        {
            "id": "F1",
            "name": "a.pdf",
            "size": 10,
            "url_private_download": "http://x/a.pdf",
            "permalink": "http://p",
            "shares": {"private": {"G1": [{"ts": "5.0"}]}},
        }
    )
    assert parsed is not None
    assert parsed.share_ts("G1") == "5.0"
    assert parsed.share_ts("C1") is None
