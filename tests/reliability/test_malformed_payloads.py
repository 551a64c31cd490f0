"""Malformed Slack payloads never crash the app: the typed parsers give a typed view or None,
and signed-but-odd requests through the real Bolt dispatch over HTTP are acknowledged with no
exception logged; the bot still answers afterwards."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.constants import FEEDBACK_UP
from bot.payloads import (
    ButtonClick,
    FileEvent,
    MessageEvent,
    SlackFile,
    SlashCommand,
    parse_action,
    parse_command,
    parse_file,
    parse_file_event,
    parse_message,
)
from tests.bot.harness import SECRET, Bot, block_text
from tests.fakes.slack_requests import (
    DEFAULT_RESPONSE_URL,
    FORM,
    JSON,
    app_mention_event,
    block_action_body,
    event_callback_body,
    message_event,
    post_to_app,
    slash_command_body,
)
from tests.reliability.badfiles import SAMPLES
from tests.reliability.conftest import LogRecorder

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=10,
)


def _file_event(kind: str) -> dict[str, Any]:
    return {
        "type": kind,
        "file_id": "F1",
        "user_id": "U1",
        "file": {"id": "F1"},
        "channel_id": "C1",
        "event_ts": "1.0",
    }


BASE_EVENTS: list[Callable[[], dict[str, Any]]] = [
    lambda: app_mention_event("<@UBOT> what is the policy?"),
    lambda: message_event("hello", channel="D1", channel_type="im"),
    lambda: message_event("", subtype="file_share", files=[{"id": "F1", "name": "a.pdf"}]),
    lambda: _file_event("file_shared"),
    lambda: _file_event("file_change"),
    lambda: _file_event("file_deleted"),
    lambda: _file_event("file_unshared"),
]
FILE_OBJECT = {
    "id": "F1",
    "name": "a.pdf",
    "size": 10,
    "url_private_download": "http://x/a",
    "permalink": "http://p",
    "shares": {"public": {"C1": [{"ts": "5.0"}]}},
}


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any], keep: tuple[str, ...] = ()) -> dict[str, Any]:
    """``base`` with some fields dropped, some replaced by any JSON value, some added."""
    data = dict(base)
    for key in draw(st.lists(st.sampled_from(sorted(data)), max_size=len(data), unique=True)):
        if key in keep:
            continue
        if draw(st.booleans()):
            del data[key]
        else:
            data[key] = draw(json_values)
    data.update(draw(st.dictionaries(st.text(max_size=8), json_values, max_size=2)))
    return data


def _strings(*values: object) -> bool:
    return all(isinstance(v, str) and v for v in values)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(BASE_EVENTS).flatmap(lambda make: mutated(make())))
def test_event_parsers_give_a_typed_view_or_none(event: dict[str, Any]) -> None:
    message = parse_message(event)
    assert message is None or isinstance(message, MessageEvent)
    if message is not None:
        assert _strings(message.channel, message.ts)
        assert isinstance(message.text, str)
        assert isinstance(message.question, str)
        assert all(_strings(f.file_id) for f in message.files)
    file_event = parse_file_event(event)
    assert file_event is None or isinstance(file_event, FileEvent)
    if file_event is not None:
        assert _strings(file_event.file_id)


@settings(max_examples=200, deadline=None)
@given(
    mutated(
        {
            "command": "/docs",
            "text": "forget a.pdf",
            "channel_id": "C1",
            "user_id": "U1",
            "team_id": "T1",
        }
    ),
    mutated(
        json.loads(
            __import__("urllib.parse").parse.parse_qs(block_action_body("x", "v"))["payload"][0]
        )
    ),
    mutated(FILE_OBJECT),
)
def test_command_action_and_file_parsers_give_a_typed_view_or_none(
    command: dict[str, Any], action: dict[str, Any], file: dict[str, Any]
) -> None:
    parsed = parse_command(command)
    assert parsed is None or isinstance(parsed, SlashCommand)
    if parsed is not None:
        assert _strings(parsed.command, parsed.channel, parsed.user)
        assert isinstance(parsed.verb, str)
        assert isinstance(parsed.argument, str)
    click = parse_action(action)
    assert click is None or isinstance(click, ButtonClick)
    slack_file = parse_file(file)
    assert slack_file is None or isinstance(slack_file, SlackFile)
    if slack_file is not None:
        assert isinstance(slack_file.size, int)
        assert all(isinstance(ts, str) for stamps in slack_file.shares.values() for ts in stamps)


# --- through the real Bolt dispatch, over HTTP ------------------------------------------------
form_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)


@st.composite
def slack_requests(draw: st.DrawFn) -> tuple[str, str]:
    """A signed request body Slack could send, with malformed insides."""
    kind = draw(st.sampled_from(["event", "event", "command", "action"]))
    if kind == "event":
        base = draw(st.sampled_from(BASE_EVENTS))()
        event = draw(mutated(base, keep=("type",)))
        return json.dumps(event_callback_body(event)), JSON
    if kind == "command":
        fields = dict(
            __import__("urllib.parse").parse.parse_qsl(
                slash_command_body(draw(st.sampled_from(["/ask", "/docs"])), "x")
            )
        )
        for key in draw(st.lists(st.sampled_from(sorted(fields)), max_size=4, unique=True)):
            if key != "command":
                fields[key] = draw(form_text)
        return urlencode(fields), FORM
    payload = json.loads(
        __import__("urllib.parse").parse.parse_qs(
            block_action_body(
                draw(
                    st.sampled_from(
                        ["ragbot_feedback_up", "ragbot_more_sources", "ragbot_share_answer"]
                    )
                ),
                "A1",
            )
        )["payload"][0]
    )
    payload = draw(mutated(payload, keep=("type",)))
    return urlencode({"payload": json.dumps(payload)}), FORM


def test_malformed_requests_through_bolt_are_acked_and_never_crash(
    running_bot: Bot, all_logs: LogRecorder
) -> None:
    bot = running_bot
    statuses: list[int] = []

    @settings(
        max_examples=120,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(slack_requests())
    def dispatch(request: tuple[str, str]) -> None:
        body, content_type = request
        # replies go to the stand-in, as Slack's response_url would be reachable
        body = body.replace(quote(DEFAULT_RESPONSE_URL, safe=""), quote(bot.slack.response_url()))
        status, answer = post_to_app(bot.url, body, content_type, SECRET)
        statuses.append(status)
        # 200: acknowledged (handled or dropped); 400: a body Bolt can't read; 404: Bolt's answer
        # when no listener matches (e.g. a click without its action). Never a 5xx.
        assert status in (200, 400, 404), (status, answer, body[:300])

    dispatch()
    garbage = [
        ("not json at all", JSON),
        ("[1, 2, 3]", JSON),
        ('{"type": 7}', JSON),
        ("payload=%7Bnot-json", FORM),
        ("", FORM),
    ]
    for body, content_type in garbage:
        status, _ = post_to_app(bot.url, body, content_type, SECRET)
        assert status < 500, body
    bot.wait_idle()  # background listeners (they run after the ack) have all finished
    assert len(statuses) >= 50
    assert statuses.count(200) > len(statuses) // 2
    assert all_logs.errors() == []

    bot.share_file(SAMPLES / "handbook.md", "C9")
    bot.wait_receipt("C9", "handbook.md")
    answer = bot.wait_answer("C9", bot.mention("How many vacation days do we get?", "C9"))
    assert "handbook.md" in block_text(answer)


UNREADABLE_CLICKS: list[dict[str, Any]] = [
    {"type": "block_actions", "actions": None},
    {"type": "block_actions", "actions": [None]},
    {"type": "block_actions", "actions": [{}]},  # no action_id: Bolt's matcher raised KeyError
    {"type": "block_actions", "actions": [{"action_id": 7, "value": "A1"}]},
    {"type": "interactive_message", "actions": [{"name": "x"}]},  # no callback_id
    {"type": "dialog_submission", "submission": {}},  # no callback_id
]


def test_clicks_bolt_cannot_match_are_acked_and_dropped(
    running_bot: Bot, all_logs: LogRecorder
) -> None:
    bot = running_bot
    for change in UNREADABLE_CLICKS:
        payload = json.loads(dict(parse_qsl(block_action_body(FEEDBACK_UP, "A1")))["payload"])
        body = urlencode({"payload": json.dumps({**payload, **change})})
        status, answer = post_to_app(bot.url, body, FORM, SECRET)
        assert (status, answer) == (200, ""), change
    bot.wait_idle()
    assert all_logs.errors() == []
    assert bot.slack.calls_to("chat.postEphemeral") == []
