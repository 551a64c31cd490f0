"""Self-tests of the OpenAI / Slack stand-ins against the real openai, slack_sdk and Bolt SDKs."""

# The fixtures are imported by name (as tests/conftest.py does), so parameters "redefine" them.
# ruff: noqa: F811

from __future__ import annotations

import base64
import json
import re
import struct
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam
from slack_bolt import Ack, App, Say
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier

from tests.fakes.fixtures import fake_openai, fake_slack  # noqa: F401
from tests.fakes.openai_server import FakeOpenAI, Fault, cosine
from tests.fakes.slack_requests import (
    FORM,
    JSON,
    app_mention_event,
    block_action_body,
    event_callback_body,
    post_to_app,
    serve_wsgi,
    sign,
    slash_command_body,
)
from tests.fakes.slack_server import FakeSlack

SECRET = "test-signing-secret"
QUESTION: list[ChatCompletionMessageParam] = [
    {"role": "user", "content": "What is the refund policy?"}
]


def _client(fake: FakeOpenAI, **kwargs: Any) -> openai.OpenAI:
    return openai.OpenAI(api_key="sk-test", base_url=fake.base_url, **kwargs)


def _web(fake: FakeSlack, **kwargs: Any) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.base_url, **kwargs)


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read(), response.geturl()
    except urllib.error.HTTPError as err:
        return err.code, err.read(), url


# ------------------------------------------------------------------------------ OpenAI


def test_sdk_default_embeddings_are_base64_and_deterministic(fake_openai: FakeOpenAI) -> None:
    texts = ["refund policy for orders", "the refund policy", "kubernetes cluster upgrade"]
    result = _client(fake_openai).embeddings.create(model="text-embedding-3-small", input=texts)
    assert fake_openai.requests_to("/embeddings")[0].json["encoding_format"] == "base64"
    vectors = [d.embedding for d in result.data]
    assert [len(v) for v in vectors] == [1536] * 3
    assert vectors[0] == fake_openai.embedding_for(texts[0], "text-embedding-3-small")
    assert cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2]) + 0.2
    assert result.usage.prompt_tokens == 10
    assert result.model == "text-embedding-3-small"


def test_embeddings_float_dimensions_and_explicit_base64(fake_openai: FakeOpenAI) -> None:
    client = _client(fake_openai)
    floats = client.embeddings.create(
        model="text-embedding-3-large", input="hello world", encoding_format="float", dimensions=32
    )
    assert len(floats.data[0].embedding) == 32
    assert len(client.embeddings.create(model="custom", input="x").data[0].embedding) == 64
    raw = client.embeddings.create(model="custom", input="hello", encoding_format="base64")
    packed = base64.b64decode(raw.data[0].embedding)  # type: ignore[arg-type]
    assert list(struct.unpack("<64f", packed)) == fake_openai.embedding_for("hello", "custom")


def test_embeddings_wire_shape_and_auth(fake_openai: FakeOpenAI) -> None:
    body = json.dumps({"model": "m", "input": ["a b", "c"]}).encode()
    url = f"{fake_openai.base_url}/embeddings"
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Authorization": "Bearer sk-x"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        payload = json.loads(response.read())
    assert payload["object"] == "list"
    assert [(d["object"], d["index"]) for d in payload["data"]] == [
        ("embedding", 0),
        ("embedding", 1),
    ]
    assert payload["usage"] == {"prompt_tokens": 3, "total_tokens": 3}
    unauthenticated = urllib.request.Request(url, data=body, method="POST")
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(unauthenticated, timeout=5)
    assert err.value.code == 401
    assert "sk-x" not in repr(fake_openai.requests[0])


def test_embeddings_reject_empty_input(fake_openai: FakeOpenAI) -> None:
    with pytest.raises(openai.BadRequestError):
        _client(fake_openai).embeddings.create(model="m", input=["ok", ""])


def test_chat_queued_default_and_custom_replies(fake_openai: FakeOpenAI) -> None:
    client = _client(fake_openai)
    fake_openai.queue_chat_reply("first [2]")
    assert (
        client.chat.completions.create(model="gpt-4o-mini", messages=QUESTION)
        .choices[0]
        .message.content
        == "first [2]"
    )
    default = client.chat.completions.create(model="gpt-4o-mini", messages=QUESTION)
    assert default.choices[0].message.content is not None
    assert "[1]" in default.choices[0].message.content
    assert "refund policy" in default.choices[0].message.content
    assert default.usage is not None
    assert default.usage.completion_tokens > 0
    fake_openai.chat_responder = lambda req: f"{len(req['messages'])} messages"
    custom = client.chat.completions.create(model="gpt-4o-mini", messages=QUESTION)
    assert custom.choices[0].message.content == "1 messages"


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"messages": [{"role": "robot", "content": "hi"}]}, "messages.0.role"),
        ({"messages": [{"role": "user"}]}, "messages[0].content"),
        ({"temperature": 2.5}, "temperature"),
        ({"max_tokens": 0}, "max_tokens"),
    ],
    ids=["unknown-role", "user-without-content", "temperature-above-2", "max-tokens-0"],
)
def test_chat_rejects_what_openai_rejects(
    fake_openai: FakeOpenAI, change: dict[str, Any], complaint: str
) -> None:
    request: dict[str, Any] = {"model": "gpt-4o-mini", "messages": QUESTION, **change}
    with pytest.raises(openai.BadRequestError, match=re.escape(complaint)):
        _client(fake_openai).chat.completions.create(**request)
    assert (
        _client(fake_openai)
        .chat.completions.create(
            model="gpt-4o-mini", messages=QUESTION, temperature=0, max_tokens=1
        )
        .choices[0]
        .message.content
    )


def test_chat_streaming_deltas_and_usage(fake_openai: FakeOpenAI) -> None:
    fake_openai.queue_chat_reply("The refund window is 30 days [1].")
    stream = _client(fake_openai).chat.completions.create(
        model="gpt-4o-mini", messages=QUESTION, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "The refund window is 30 days [1]."
    assert sum(1 for c in chunks if c.choices and c.choices[0].delta.content) >= 5
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == 7


def test_429_with_retry_after_zero_is_retried(fake_openai: FakeOpenAI) -> None:
    fake_openai.add_fault("embeddings", Fault(status=429, retry_after="0"))
    result = _client(fake_openai).embeddings.create(model="m", input="x")
    assert len(result.data) == 1
    assert len(fake_openai.requests_to("/embeddings")) == 2
    assert fake_openai.pending_faults("embeddings") == 0


def test_retry_after_ms_and_server_errors_are_retried(fake_openai: FakeOpenAI) -> None:
    fake_openai.add_fault("chat", Fault(status=503, retry_after_ms="1"))
    fake_openai.add_fault("chat", Fault(status=500, retry_after_ms="1"))
    started = time.monotonic()
    _client(fake_openai).chat.completions.create(model="gpt-4o-mini", messages=QUESTION)
    assert time.monotonic() - started < 0.4
    assert len(fake_openai.requests_to("/chat/completions")) == 3


def test_429_without_retries_surfaces_rate_limit_error(fake_openai: FakeOpenAI) -> None:
    fake_openai.add_fault("embeddings", Fault(status=429, retry_after="7"))
    with pytest.raises(openai.RateLimitError) as err:
        _client(fake_openai, max_retries=0).embeddings.create(model="m", input="x")
    assert err.value.response.headers["retry-after"] == "7"
    assert err.value.code == "rate_limit_exceeded"


def test_cut_stream_raises_api_connection_error(fake_openai: FakeOpenAI) -> None:
    fake_openai.add_fault("chat", Fault(cut_stream_after=3))
    received: list[str] = []
    stream = _client(fake_openai).chat.completions.create(
        model="gpt-4o-mini", messages=QUESTION, stream=True
    )
    with pytest.raises(openai.APIConnectionError):
        received.extend(chunk.choices[0].delta.content or "" for chunk in stream)
    assert len(received) == 3
    assert len(fake_openai.requests_to("/chat/completions")) == 1


def test_delay_times_out_and_disconnect_is_retried(fake_openai: FakeOpenAI) -> None:
    fake_openai.add_fault("embeddings", Fault(delay_s=2.0))
    with pytest.raises(openai.APITimeoutError):
        _client(fake_openai, max_retries=0, timeout=0.2).embeddings.create(model="m", input="x")
    fake_openai.add_fault("embeddings", Fault(disconnect=True))
    _client(fake_openai).embeddings.create(model="m", input="x")
    assert len(fake_openai.requests_to("/embeddings")) == 3


def test_latency_models_and_unknown_paths(fake_openai: FakeOpenAI) -> None:
    client = _client(fake_openai)
    fake_openai.latency_s["models"] = 0.2
    started = time.monotonic()
    ids = [m.id for m in client.models.list()]
    assert time.monotonic() - started >= 0.2
    assert "text-embedding-3-small" in ids
    with pytest.raises(openai.NotFoundError):
        client.post("/nope", cast_to=object, body={})


# ------------------------------------------------------------------------------- Slack


def test_auth_test_and_base_url_without_trailing_slash(fake_slack: FakeSlack) -> None:
    assert _web(fake_slack).auth_test()["user_id"] == "UBOT"
    bare = WebClient(token="xoxb-test", base_url=fake_slack.base_url.rstrip("/"))
    assert bare.auth_test()["bot_id"] == "BBOT"
    assert fake_slack.calls_to("auth.test")[0].token == "xoxb-test"
    assert "xoxb" not in repr(fake_slack.calls[0])
    with pytest.raises(SlackApiError, match="not_authed"):
        WebClient(token=None, base_url=fake_slack.base_url).auth_test()


def test_post_message_and_thread_replies(fake_slack: FakeSlack) -> None:
    web = _web(fake_slack)
    parent = fake_slack.add_message("C1", "1700000000.000050", "U1", "question?")
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]
    first = web.chat_postMessage(channel="C1", text="answer", thread_ts=parent, blocks=blocks)
    fake_slack.add_message("C1", None, "U2", "follow-up", thread_ts=parent)
    second = web.chat_postMessage(channel="C1", text="more", thread_ts=parent)
    assert first["ts"] < second["ts"]
    assert first["message"]["blocks"] == blocks
    assert fake_slack.calls_to("chat.postMessage")[0].params["blocks"] == blocks
    replies = web.conversations_replies(channel="C1", ts=parent)["messages"]
    assert [m["text"] for m in replies] == ["question?", "answer", "follow-up", "more"]
    assert replies[0]["reply_count"] == 3
    page = web.conversations_replies(channel="C1", ts=parent, limit=2)
    assert page["has_more"]
    assert page["response_metadata"]["next_cursor"] == "2"
    with pytest.raises(SlackApiError, match="thread_not_found"):
        web.conversations_replies(channel="C1", ts="1.000001")


def test_update_delete_permalink_ephemeral(fake_slack: FakeSlack) -> None:
    web = _web(fake_slack)
    ts = web.chat_postMessage(channel="C1", text="draft")["ts"]
    web.chat_update(channel="C1", ts=ts, text="final")
    assert fake_slack.message_text("C1", ts) == "final"
    link = web.chat_getPermalink(channel="C1", message_ts=ts)["permalink"]
    assert link.endswith(f"/archives/C1/p{ts.replace('.', '')}")
    assert web.chat_postEphemeral(channel="C1", user="U1", text="psst")["message_ts"]
    web.chat_delete(channel="C1", ts=ts)
    with pytest.raises(SlackApiError, match="message_not_found"):
        web.chat_update(channel="C1", ts=ts, text="again")


def test_chat_streaming_accumulates_text(fake_slack: FakeSlack) -> None:
    web = _web(fake_slack)
    to_user = {"recipient_user_id": "U1", "recipient_team_id": "T1"}
    ts = web.chat_startStream(channel="C1", thread_ts="1.1", markdown_text="Hel", **to_user)["ts"]
    web.chat_appendStream(channel="C1", ts=ts, markdown_text="lo ")
    web.chat_stopStream(channel="C1", ts=ts, markdown_text="world")
    assert fake_slack.message_text("C1", ts) == "Hello world"
    assert not fake_slack.is_streaming("C1", ts)
    with pytest.raises(SlackApiError, match="message_not_in_streaming_state"):
        web.chat_appendStream(channel="C1", ts=ts, markdown_text="late")
    streamer = web.chat_stream(channel="C1", thread_ts="1.1", buffer_size=4, **to_user)
    streamer.append(markdown_text="**bold")
    streamer.append(markdown_text=" text**")
    streamer.stop()
    assert streamer.ts is not None
    assert fake_slack.message_text("C1", streamer.ts) == "**bold text**"


def test_reactions_assistant_views_users(fake_slack: FakeSlack) -> None:
    web = _web(fake_slack)
    fake_slack.scopes.add("reactions:write")
    web.reactions_add(channel="C1", timestamp="1.1", name="eyes")
    with pytest.raises(SlackApiError, match="already_reacted"):
        web.reactions_add(channel="C1", timestamp="1.1", name="eyes")
    assert fake_slack.reactions("C1", "1.1") == ["eyes"]
    web.reactions_remove(channel="C1", timestamp="1.1", name="eyes")
    assert fake_slack.reactions("C1", "1.1") == []
    web.assistant_threads_setStatus(channel_id="D1", thread_ts="1.1", status="thinking…")
    assert fake_slack.calls_to("assistant.threads.setStatus")[0].params["status"] == "thinking…"
    view = web.views_open(
        trigger_id="t",
        view={"type": "modal", "title": {"type": "plain_text", "text": "Hi"}, "blocks": []},
    )["view"]
    assert (view["id"][:5], view["type"]) == ("VFAKE", "modal")
    fake_slack.users["U9"] = {"real_name": "Ada"}
    assert web.users_info(user="U9")["user"]["real_name"] == "Ada"


def test_conversations_info_and_members(fake_slack: FakeSlack) -> None:
    web = _web(fake_slack)
    fake_slack.channels["C2"] = {
        "is_private": True,
        "name": "secret",
        "members": ["U1", "U2", "UBOT"],
    }
    assert web.conversations_info(channel="C1")["channel"]["is_private"] is False
    info = web.conversations_info(channel="C2")["channel"]
    assert (info["is_private"], info["name"]) == (True, "secret")
    assert web.conversations_members(channel="C2")["members"] == ["U1", "U2", "UBOT"]


def test_files_info_list_download_and_delete(fake_slack: FakeSlack) -> None:
    web = _web(fake_slack)
    fake_slack.channels["G1"] = {"is_private": True}
    fake_slack.add_file("F1", "report q1.pdf", b"%PDF-1.4 data", "pdf", channels=["C1", "G1"])
    info = web.files_info(file="F1")["file"]
    assert (info["mimetype"], info["size"], info["channels"], info["groups"]) == (
        "application/pdf",
        13,
        ["C1"],
        ["G1"],
    )
    assert set(info["shares"]) == {"public", "private"}
    auth = {"Authorization": "Bearer xoxb-test"}
    assert _get(info["url_private_download"], auth)[:2] == (200, b"%PDF-1.4 data")
    assert _get(info["url_private"])[0] == 403
    fake_slack.unauthorized_download_status = 302
    status, body, final_url = _get(info["url_private"])
    assert (status, final_url.split("?")[0]) == (200, f"{fake_slack.url}/login")
    assert body.startswith(b"<!DOCTYPE html>")
    fake_slack.fail_download("F1", status=500)
    assert [_get(info["url_private"], auth)[0] for _ in range(2)] == [500, 200]
    assert [d.status for d in fake_slack.downloads] == [200, 403, 302, 500, 200]
    assert [f["id"] for f in web.files_list(channel="C1")["files"]] == ["F1"]
    fake_slack.delete_file("F1")
    with pytest.raises(SlackApiError, match="file_not_found"):
        web.files_info(file="F1")
    assert _get(info["url_private"], auth)[0] == 404


def test_rate_limit_faults_and_retry_handler(fake_slack: FakeSlack) -> None:
    fake_slack.add_fault("chat.postMessage", status=429, retry_after="0")
    with pytest.raises(SlackApiError) as err:
        _web(fake_slack).chat_postMessage(channel="C1", text="x")
    assert err.value.response.status_code == 429
    assert err.value.response["error"] == "ratelimited"
    retrying = _web(fake_slack, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)])
    fake_slack.add_fault("chat.postMessage", status=429, retry_after="0")
    fake_slack.add_fault("chat.postMessage", status=429, retry_after="1")
    started = time.monotonic()
    assert retrying.chat_postMessage(channel="C1", text="x")["ok"]
    assert time.monotonic() - started >= 1.0
    assert len(fake_slack.calls_to("chat.postMessage")) == 4


def test_error_faults_fail_methods_and_unknown_methods(fake_slack: FakeSlack) -> None:
    web = _web(fake_slack)
    fake_slack.add_fault("chat.update", error="cant_update_message")
    with pytest.raises(SlackApiError, match="cant_update_message"):
        web.chat_update(channel="C1", ts="1.1", text="x")
    fake_slack.fail_methods["users.info"] = "user_not_found"
    for _ in range(2):
        with pytest.raises(SlackApiError, match="user_not_found"):
            web.users_info(user="U1")
    with pytest.raises(SlackApiError, match="unknown_method"):
        web.api_call("apps.brandNew", params={"x": "1"})
    assert fake_slack.calls_to("apps.brandNew")[0].params == {"x": "1"}


def test_wait_for_reports_recorded_calls(fake_slack: FakeSlack) -> None:
    _web(fake_slack).chat_postMessage(channel="C1", text="hello")
    assert len(fake_slack.wait_for("chat.postMessage", timeout=1)) == 1
    with pytest.raises(AssertionError) as err:
        fake_slack.wait_for("reactions.add", timeout=0.05)
    message = str(err.value)
    assert "chat.postMessage" in message
    assert "'hello'" in message
    assert "xoxb" not in message


# ---------------------------------------------------------------- signed requests + Bolt


@pytest.fixture
def bolt_url(fake_slack: FakeSlack) -> Iterator[str]:
    """A Bolt app with a few listeners, served over WSGI and talking to `fake_slack`."""
    app = App(signing_secret=SECRET, client=_web(fake_slack))

    @app.event("app_mention")
    def on_mention(event: dict[str, Any], say: Say) -> None:
        say(text=f"hi <@{event['user']}>", thread_ts=event.get("thread_ts") or event["ts"])

    @app.command("/ask")
    def on_ask(ack: Ack, command: dict[str, Any]) -> None:
        ack(f"asked: {command['text']}")

    @app.action("vote")
    def on_vote(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.chat_postMessage(channel=body["channel"]["id"], text=body["actions"][0]["value"])

    with serve_wsgi(SlackRequestHandler(app)) as url:
        yield url


def test_signature_matches_slack_docs_and_sdk_verifier() -> None:
    body = (  # the worked example in Slack's "Verifying requests from Slack" guide
        "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id="
        "G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook"
        "-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F3977"
        "00885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10"
        "d2c447fce8b6703c"
    )
    headers = sign(body, "8f742231b10e8888abcd99yyyzzz85a5", timestamp=1531420618)
    assert headers == {
        "X-Slack-Request-Timestamp": "1531420618",
        "X-Slack-Signature": "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
    }
    fresh = sign(body, SECRET)
    assert SignatureVerifier(SECRET).is_valid_request(body, fresh)
    assert not SignatureVerifier("other").is_valid_request(body, fresh)


def test_signed_app_mention_reaches_listener(fake_slack: FakeSlack, bolt_url: str) -> None:
    event = app_mention_event("<@UBOT> what is the refund policy?", ts="1700000001.000100")
    status, _ = post_to_app(bolt_url, event_callback_body(event), JSON, SECRET)
    assert status == 200
    call = fake_slack.wait_for("chat.postMessage")[0]
    assert (call.params["channel"], call.params["text"]) == ("C1", "hi <@U1>")
    assert call.params["thread_ts"] == "1700000001.000100"
    fake_slack.add_event_message(event)
    assert [m["text"] for m in fake_slack.thread("C1", event["ts"])] == [event["text"], "hi <@U1>"]


def test_unsigned_stale_and_retried_requests(fake_slack: FakeSlack, bolt_url: str) -> None:
    body = event_callback_body(app_mention_event("<@UBOT> hi"))
    assert post_to_app(bolt_url, body, JSON, SECRET, signed=False)[0] == 401
    stale = int(time.time()) - 600
    assert post_to_app(bolt_url, body, JSON, SECRET, timestamp=stale)[0] == 401
    assert post_to_app(bolt_url, body, JSON, "wrong-secret")[0] == 401
    assert (
        post_to_app(bolt_url, body, JSON, SECRET, retry_num=1, retry_reason="http_timeout")[0]
        == 200
    )
    assert len(fake_slack.wait_for("chat.postMessage")) == 1


def test_slash_command_and_block_action(fake_slack: FakeSlack, bolt_url: str) -> None:
    status, text = post_to_app(bolt_url, slash_command_body("/ask", "refunds?"), FORM, SECRET)
    assert (status, text) == (200, "asked: refunds?")
    status, _ = post_to_app(bolt_url, block_action_body("vote", "up"), FORM, SECRET)
    assert status == 200
    assert fake_slack.wait_for("chat.postMessage")[0].params["text"] == "up"
