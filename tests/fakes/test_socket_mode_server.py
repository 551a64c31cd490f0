"""Self-tests of the Socket Mode stand-in, spoken to with a plain WebSocket client."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tests.fakes.slack_requests import app_mention_event, slash_command_body
from tests.fakes.slack_server import FakeSlack
from tests.fakes.socket_mode_server import APP_TOKEN, FakeSocketMode

FAST = {"ack_timeout_s": 0.2, "retry_delays_s": (0.0, 0.0, 0.0)}


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def socket_mode(slack: FakeSlack) -> Iterator[FakeSocketMode]:
    with FakeSocketMode(slack, **FAST) as fake:  # type: ignore[arg-type]
        yield fake


def _open(socket_mode: FakeSocketMode) -> tuple[ClientConnection, dict[str, Any]]:
    ws = connect(socket_mode.new_url(), compression=None)
    return ws, _recv(ws)


def _recv(ws: ClientConnection) -> dict[str, Any]:
    message = json.loads(ws.recv(timeout=10))
    assert isinstance(message, dict)
    return message


def _ack(ws: ClientConnection, envelope: dict[str, Any], **payload: Any) -> None:
    ack: dict[str, Any] = {"envelope_id": envelope["envelope_id"]}
    if payload:
        ack["payload"] = payload
    ws.send(json.dumps(ack))


def test_connections_open_takes_only_an_app_level_token(
    slack: FakeSlack, socket_mode: FakeSocketMode
) -> None:
    web = WebClient(base_url=slack.base_url)
    url = web.apps_connections_open(app_token=APP_TOKEN)["url"]
    assert url.startswith(f"ws://127.0.0.1:{socket_mode.port}/link/?ticket=")

    def error(token: str, method: str = "apps.connections.open") -> str:
        with pytest.raises(SlackApiError) as failed:
            WebClient(token=token, base_url=slack.base_url).api_call(method)
        return str(failed.value.response["error"])

    assert error("xoxb-test-token") == "not_allowed_token_type"
    assert error(APP_TOKEN, "chat.postMessage") == "not_allowed_token_type"
    assert error("xapp-1-A1-1-someone-else") == "invalid_auth"
    socket_mode.scopes = frozenset({"authorizations:read"})
    assert error(APP_TOKEN) == "missing_scope"


def test_without_a_socket_mode_app_no_app_token_is_valid(slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as failed:
        WebClient(base_url=slack.base_url).apps_connections_open(app_token=APP_TOKEN)
    assert failed.value.response["error"] == "invalid_auth"


def test_hello_and_single_use_urls(socket_mode: FakeSocketMode) -> None:
    url = socket_mode.new_url()
    with connect(url, compression=None) as ws:
        hello = _recv(ws)
        assert hello["type"] == "hello"
        assert hello["num_connections"] == 1
        assert hello["connection_info"] == {"app_id": "A1"}
        assert "approximate_connection_time" in hello["debug_info"]
        for reused in (url, url.replace("ticket=", "ticket=x")):
            with pytest.raises(InvalidStatus) as refused:
                connect(reused, compression=None)
            assert refused.value.response.status_code == 403
    assert socket_mode.handshakes_refused == 2


def test_event_envelope_and_its_acknowledgement(socket_mode: FakeSocketMode) -> None:
    ws, _ = _open(socket_mode)
    with ws:
        first = socket_mode.deliver_event(app_mention_event("<@UBOT> hi"), event_id="Ev1")
        envelope = _recv(ws)
        assert envelope["envelope_id"] == first
        assert envelope["type"] == "events_api"
        assert envelope["accepts_response_payload"] is False
        assert (envelope["retry_attempt"], envelope["retry_reason"]) == (0, "")
        assert envelope["payload"]["event_id"] == "Ev1"
        assert envelope["payload"]["event"]["type"] == "app_mention"
        _ack(ws, envelope)
        assert socket_mode.wait_ack(first).connection == 1

        # A second, unacknowledged envelope times out; timers fire in order, so by then the
        # first one would have been sent again had its acknowledgement not counted.
        second = socket_mode.deliver_event(app_mention_event("<@UBOT> again"))
        _recv(ws)
        socket_mode.wait(lambda: any(d.envelope_id == second for d in socket_mode.timeouts))
    assert len(socket_mode.deliveries_of(first)) == 1
    assert socket_mode.stray_acks == []


def test_unacknowledged_event_is_sent_again_with_retry_fields(
    socket_mode: FakeSocketMode,
) -> None:
    ws, _ = _open(socket_mode)
    with ws:
        key = socket_mode.deliver_event(app_mention_event("<@UBOT> hi"), event_id="Ev2")
        envelopes = [_recv(ws) for _ in range(4)]  # the first delivery and Slack's 3 retries
        socket_mode.wait(lambda: len(socket_mode.failed) == 1, what="the event given up on")
        _ack(ws, envelopes[0])  # too late: it counts for nothing
        socket_mode.wait(lambda: len(socket_mode.acks) == 1)
    assert [(e["retry_attempt"], e["retry_reason"]) for e in envelopes] == [
        (0, ""),
        (1, "timeout"),
        (2, "timeout"),
        (3, "timeout"),
    ]
    assert {e["payload"]["event_id"] for e in envelopes} == {"Ev2"}
    assert len({e["envelope_id"] for e in envelopes}) == 4
    assert socket_mode.failed[0]["event_id"] == "Ev2"
    assert socket_mode.acks[0].late
    with pytest.raises(AssertionError):
        socket_mode.wait_ack(key, timeout=0.2)


def test_a_retry_acknowledged_in_time_ends_the_retries(socket_mode: FakeSocketMode) -> None:
    ws, _ = _open(socket_mode)
    with ws:
        key = socket_mode.deliver_event(app_mention_event("<@UBOT> hi"))
        _recv(ws)
        retry = _recv(ws)
        _ack(ws, retry)
        assert socket_mode.wait_ack(key).envelope_id == retry["envelope_id"]
    assert [d.retry_attempt for d in socket_mode.deliveries_of(key)] == [0, 1]
    assert socket_mode.failed == []


def test_commands_and_interactions_are_answered_in_the_ack_and_never_retried(
    socket_mode: FakeSocketMode,
) -> None:
    from urllib.parse import parse_qsl

    ws, _ = _open(socket_mode)
    with ws:
        form = dict(parse_qsl(slash_command_body("/docs", "list")))
        command = socket_mode.deliver("slash_commands", form)
        envelope = _recv(ws)
        assert envelope["type"] == "slash_commands"
        assert envelope["accepts_response_payload"] is True
        assert envelope["payload"]["command"] == "/docs"
        assert "retry_attempt" not in envelope
        _ack(ws, envelope, text="Nothing here yet")
        assert socket_mode.wait_ack(command).payload == {"text": "Nothing here yet"}

        click = socket_mode.deliver("interactive", {"type": "block_actions", "actions": []})
        assert _recv(ws)["accepts_response_payload"] is False
        socket_mode.wait(lambda: any(d.type == "interactive" for d in socket_mode.timeouts))
    assert len(socket_mode.deliveries_of(click)) == 1
    assert socket_mode.failed == []


def test_refresh_requested_moves_envelopes_to_the_new_connection(
    socket_mode: FakeSocketMode,
) -> None:
    old, _ = _open(socket_mode)
    assert socket_mode.send_disconnect("refresh_requested") == [1]
    notice = _recv(old)
    assert notice["type"] == "disconnect"
    assert notice["reason"] == "refresh_requested"
    new, hello = _open(socket_mode)
    with old, new:
        assert hello["num_connections"] == 2
        key = socket_mode.deliver_event(app_mention_event("<@UBOT> hi"))
        _ack(new, _recv(new))
        assert socket_mode.wait_ack(key).connection == 2
        with pytest.raises(ConnectionClosed):
            old.recv(timeout=10)  # closed once the new connection was up
    socket_mode.wait(lambda: socket_mode.open_connections() == [], what="both closed")


def test_link_disabled_closes_the_connection_at_once(socket_mode: FakeSocketMode) -> None:
    ws, _ = _open(socket_mode)
    with ws:
        socket_mode.send_disconnect("link_disabled")
        assert _recv(ws)["reason"] == "link_disabled"
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=10)


def test_dropped_connection_loses_the_ack_and_the_event_comes_again(
    socket_mode: FakeSocketMode,
) -> None:
    ws, _ = _open(socket_mode)
    key = socket_mode.deliver_event(app_mention_event("<@UBOT> hi"), event_id="Ev3")
    envelope = _recv(ws)
    socket_mode.drop_connections()
    with contextlib.suppress(ConnectionClosed):  # lost with the connection, or refused
        _ack(ws, envelope)
    ws.close()
    again, _ = _open(socket_mode)
    with again:
        retry = _recv(again)
        assert (retry["retry_attempt"], retry["payload"]["event_id"]) == (1, "Ev3")
        _ack(again, retry)
        assert socket_mode.wait_ack(key).connection == 2


def test_event_sent_while_no_connection_is_open_comes_as_a_retry(slack: FakeSlack) -> None:
    with FakeSocketMode(slack, retry_delays_s=(1.0, 1.0, 1.0)) as socket_mode:
        key = socket_mode.deliver_event(app_mention_event("<@UBOT> hi"))
        socket_mode.wait(lambda: bool(socket_mode.deliveries), what="the first attempt")
        assert socket_mode.deliveries[0].connection is None
        ws, _ = _open(socket_mode)
        with ws:
            retry = _recv(ws)
            assert retry["retry_attempt"] >= 1
            assert retry["retry_reason"] == "timeout"
            _ack(ws, retry)
            socket_mode.wait_ack(key)


def test_more_than_ten_connections_are_turned_away(socket_mode: FakeSocketMode) -> None:
    opened = [_open(socket_mode)[0] for _ in range(10)]
    extra = connect(socket_mode.new_url(), compression=None)
    try:
        notice = _recv(extra)
        assert (notice["type"], notice["reason"]) == ("disconnect", "too_many_websockets")
        with pytest.raises(ConnectionClosed):
            extra.recv(timeout=10)
    finally:
        for ws in [*opened, extra]:
            ws.close()


def test_a_lost_acknowledgement_brings_the_event_again(socket_mode: FakeSocketMode) -> None:
    ws, _ = _open(socket_mode)
    with ws:
        key = socket_mode.deliver_event(app_mention_event("<@UBOT> hi"), lose_acks=1)
        first = _recv(ws)
        _ack(ws, first)
        retry = _recv(ws)
        _ack(ws, retry)
        assert socket_mode.wait_ack(key).envelope_id == retry["envelope_id"]
    assert socket_mode.lost_acks == [first["envelope_id"]]
    assert retry["retry_attempt"] == 1
