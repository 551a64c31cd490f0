"""The Slack stand-in rejects what real Slack rejects (see tests/fakes/slack_rules.py)."""

# ruff: noqa: F811

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from tests.fakes.fixtures import fake_slack  # noqa: F401
from tests.fakes.slack_rules import block_errors, manifest_scopes
from tests.fakes.slack_server import FakeSlack

TO_USER = {"recipient_user_id": "U1", "recipient_team_id": "T1"}


def _web(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.base_url)


def _error(call: Any) -> str:
    with pytest.raises(SlackApiError) as err:
        call()
    return str(err.value.response["error"])


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def test_unknown_method(fake_slack: FakeSlack) -> None:
    assert _error(lambda: _web(fake_slack).api_call("chat.postMessageX")) == "unknown_method"


def test_scopes_come_from_the_manifest(fake_slack: FakeSlack) -> None:
    web = _web(fake_slack)
    assert fake_slack.scopes == set(manifest_scopes())
    assert "reactions:write" not in fake_slack.scopes
    with pytest.raises(SlackApiError) as err:
        web.reactions_add(channel="C1", timestamp="1.1", name="eyes")
    assert err.value.response["error"] == "missing_scope"
    assert err.value.response["needed"] == "reactions:write"
    fake_slack.scopes.discard("groups:history")
    fake_slack.channels["G1"] = {"is_private": True}
    fake_slack.add_message("G1", "1.000001", "U1", "hi")
    assert _error(lambda: web.conversations_replies(channel="G1", ts="1.000001")) == (
        "missing_scope"
    )
    fake_slack.add_message("C1", "1.000001", "U1", "hi")
    assert web.conversations_replies(channel="C1", ts="1.000001")["messages"][0]["text"] == "hi"


def test_membership_public_private_and_dm(fake_slack: FakeSlack) -> None:
    web = _web(fake_slack)
    fake_slack.channels["C9"] = {"members": ["U1", "U2"]}
    fake_slack.channels["G9"] = {"is_private": True, "members": ["U1", "U2"]}
    fake_slack.channels["D9"] = {"members": ["U1", "U2"]}  # a DM between two people
    assert _error(lambda: web.chat_postMessage(channel="C9", text="x")) == "not_in_channel"
    assert _error(lambda: web.chat_postMessage(channel="G9", text="x")) == "channel_not_found"
    assert _error(lambda: web.chat_postMessage(channel="D9", text="x")) == "channel_not_found"
    assert _error(lambda: web.chat_postEphemeral(channel="D9", user="U1", text="x")) == (
        "channel_not_found"
    )
    assert _error(lambda: web.chat_startStream(channel="C9", thread_ts="1.1", **TO_USER)) == (
        "not_in_channel"
    )
    assert _error(lambda: web.conversations_replies(channel="C9", ts="1.1")) == "not_in_channel"
    assert _error(lambda: web.conversations_info(channel="G9")) == "channel_not_found"
    assert web.conversations_info(channel="C9")["channel"]["is_member"] is False
    assert web.conversations_info(channel="C1")["channel"]["is_member"] is True
    assert _error(lambda: web.chat_postEphemeral(channel="C1", user="U7", text="x")) == (
        "user_not_in_channel"
    )


def test_files_the_bot_cannot_see(fake_slack: FakeSlack) -> None:
    web = _web(fake_slack)
    fake_slack.channels["G9"] = {"is_private": True, "members": ["U1"]}
    fake_slack.add_file("F9", "secret.pdf", b"%PDF", "pdf", channels=["G9"])
    assert _error(lambda: web.files_info(file="F9")) == "file_not_found"
    fake_slack.add_file("F8", "open.pdf", b"%PDF", "pdf", channels=["C1", "G9"])
    assert web.files_info(file="F8")["file"]["id"] == "F8"
    fake_slack.unshare_file("F8", "C1")
    assert _error(lambda: web.files_info(file="F8")) == "file_not_found"


def test_block_kit_validation(fake_slack: FakeSlack) -> None:
    web = _web(fake_slack)
    too_many = [_section("x")] * 51
    with pytest.raises(SlackApiError) as err:
        web.chat_postMessage(channel="C1", text="x", blocks=too_many)
    assert err.value.response["error"] == "invalid_blocks"
    assert "no more than 50" in err.value.response["errors"][0]
    for bad in (
        [_section("x" * 3001)],
        [_section("")],
        [{"type": "fancy"}],
        [{"type": "context", "elements": []}],
        [{"type": "actions", "elements": [{"type": "button", "text": {"type": "mrkdwn"}}]}],
        [{**_section("a"), "block_id": "b"}, {**_section("b"), "block_id": "b"}],
    ):
        assert block_errors(bad), bad
        assert _error(lambda b=bad: web.chat_postMessage(channel="C1", text="x", blocks=b)) == (
            "invalid_blocks"
        )
    assert not block_errors([_section("x" * 3000)] * 50)


def test_message_sizes(fake_slack: FakeSlack) -> None:
    web = _web(fake_slack)
    assert _error(lambda: web.chat_postMessage(channel="C1", text="x" * 40001)) == "msg_too_long"
    web.chat_postMessage(channel="C1", text="x" * 40000)
    assert _error(
        lambda: web.chat_startStream(
            channel="C1", thread_ts="1.1", markdown_text="y" * 12001, **TO_USER
        )
    ) == ("msg_too_long")


def test_stream_rules(fake_slack: FakeSlack) -> None:
    web = _web(fake_slack)
    assert _error(lambda: web.chat_startStream(channel="C1", thread_ts="1.1")) == (
        "invalid_arguments"
    )
    no_thread = {"channel": "C1", **TO_USER}
    assert _error(lambda: web.api_call("chat.startStream", json=no_thread)) == "invalid_arguments"
    assert web.chat_startStream(channel="D1", thread_ts="1.1")["ok"]  # a DM needs no recipient


def test_update_only_own_messages(fake_slack: FakeSlack) -> None:
    web = _web(fake_slack)
    theirs = fake_slack.add_message("C1", None, "U1", "mine")
    assert _error(lambda: web.chat_update(channel="C1", ts=theirs, text="x")) == (
        "cant_update_message"
    )
    ours = web.chat_postMessage(channel="C1", text="draft")["ts"]
    assert web.chat_update(channel="C1", ts=ours, text="final")["ok"]


def test_assistant_threads_need_channel_and_thread(fake_slack: FakeSlack) -> None:
    web = _web(fake_slack)
    assert _error(lambda: web.api_call("assistant.threads.setStatus", json={"status": "x"})) == (
        "invalid_arguments"
    )
    assert _error(
        lambda: web.assistant_threads_setTitle(channel_id="D1", thread_ts="", title="t")
    ) == ("invalid_arguments")
    assert web.assistant_threads_setStatus(channel_id="D1", thread_ts="1.1", status="…")["ok"]


def test_replies_paginate_parent_first(fake_slack: FakeSlack) -> None:
    web = _web(fake_slack)
    parent = fake_slack.add_message("C1", "1700000000.000100", "U1", "q0")
    for n in range(1, 6):
        fake_slack.add_message("C1", None, "U1", f"q{n}", thread_ts=parent)
    texts: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = web.conversations_replies(channel="C1", ts=parent, limit=2, cursor=cursor)
        texts += [m["text"] for m in page["messages"]]
        pages += 1
        cursor = page["response_metadata"]["next_cursor"]
        assert page["has_more"] is bool(cursor)
        if not cursor:
            break
    assert texts == ["q0", "q1", "q2", "q3", "q4", "q5"]
    assert pages == 3


def test_file_objects_as_slack_sends_them(fake_slack: FakeSlack) -> None:
    web = _web(fake_slack)
    fake_slack.add_file("F1", "a.pdf", b"%PDF", "pdf", channels=["C1"], thread_ts="1.5")
    share = web.files_info(file="F1")["file"]["shares"]["public"]["C1"][0]
    assert share["thread_ts"] == "1.5"
    fake_slack.add_file("F2", "b.pdf", b"%PDF", "pdf", channels=["C1"], slack_connect=True)
    stub = fake_slack.message_file("F2")
    assert stub["file_access"] == "check_file_info"
    assert "url_private_download" not in stub
    assert web.files_info(file="F2")["file"]["url_private_download"]


def test_response_url(fake_slack: FakeSlack) -> None:
    url = fake_slack.response_url()
    hook = WebhookClient(url)
    assert hook.send(text="hi", response_type="ephemeral").status_code == 200
    assert hook.send(blocks=[_section("x" * 3001)]).status_code == 400
    assert fake_slack.responses_to(url) == [{"text": "hi", "response_type": "ephemeral"}]
    request = urllib.request.Request(
        url, data=json.dumps({"delete_original": True}).encode(), method="POST"
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200
    assert fake_slack.wait_response(url, 2)[1] == {"delete_original": True}


def test_files_list_is_newest_first_only_what_the_bot_sees_and_checks_its_filters(
    fake_slack: FakeSlack,
) -> None:
    web = _web(fake_slack)
    fake_slack.channels["G7"] = {"is_private": True, "members": ["U1"]}  # without the bot
    fake_slack.add_file("F1", "old.pdf", b"%PDF", "pdf", channels=["C1"])
    fake_slack.add_file("F2", "new.png", b"png", "png", channels=["C1"])
    fake_slack.add_file("F3", "hidden.pdf", b"%PDF", "pdf", channels=["G7"])
    listed = web.files_list(channel="C1")
    assert [f["id"] for f in listed["files"]] == ["F2", "F1"]
    assert listed["paging"] == {"count": 100, "total": 2, "page": 1, "pages": 1}
    assert [f["id"] for f in web.files_list()["files"]] == ["F2", "F1"]  # never F3
    assert [f["id"] for f in web.files_list(types="images")["files"]] == ["F2"]
    second = web.files_list(channel="C1", count=1, page=2)
    assert ([f["id"] for f in second["files"]], second["paging"]["pages"]) == (["F1"], 2)
    assert _error(lambda: web.files_list(types="movies")) == "unknown_type"
    assert _error(lambda: web.files_list(user="nobody")) == "user_not_found"
    fake_slack.scopes.discard("files:read")
    assert _error(lambda: web.files_list(channel="C1")) == "missing_scope"


def test_chat_delete_only_the_bots_own_messages(fake_slack: FakeSlack) -> None:
    web = _web(fake_slack)
    mine = web.chat_postMessage(channel="C1", text="answer")["ts"]
    theirs = fake_slack.add_message("C1", None, "U1", "question")
    assert _error(lambda: web.chat_delete(channel="C1", ts=theirs)) == "cant_delete_message"
    assert _error(lambda: web.chat_delete(channel="C1", ts="1.000009")) == "message_not_found"
    fake_slack.channels["C8"] = {"members": ["U1"]}
    assert _error(lambda: web.chat_delete(channel="C8", ts=mine)) == "not_in_channel"
    web.chat_delete(channel="C1", ts=mine)
    assert not fake_slack.has_message("C1", mine)


def test_post_ephemeral_needs_a_member_and_some_text(fake_slack: FakeSlack) -> None:
    web = _web(fake_slack)
    assert _error(lambda: web.chat_postEphemeral(channel="C1", user="U9", text="x")) == (
        "user_not_in_channel"
    )
    assert _error(lambda: web.chat_postEphemeral(channel="C1", user="U1", text="")) == "no_text"
    assert web.chat_postEphemeral(channel="C1", user="U1", text="x", thread_ts="1.1")["ok"]


def test_action_ids_are_unique_within_a_block() -> None:
    button = {"type": "button", "text": {"type": "plain_text", "text": "x"}, "action_id": "a"}
    errors = block_errors([{"type": "actions", "elements": [button, button]}])
    assert errors == ["duplicate action_id [json-pointer:/blocks/0/elements/1/action_id]"]


def test_edits_and_deletions_produce_slacks_events(fake_slack: FakeSlack) -> None:
    ts = fake_slack.add_message("C1", None, "U1", "what is X?")
    changed = fake_slack.edit_message("C1", ts, "what is Y?")
    assert (changed["subtype"], changed["hidden"]) == ("message_changed", True)
    assert (changed["message"]["ts"], changed["message"]["text"]) == (ts, "what is Y?")
    assert changed["previous_message"]["text"] == "what is X?"
    assert fake_slack.message_text("C1", ts) == "what is Y?"
    deleted = fake_slack.delete_message("C1", ts)
    assert (deleted["subtype"], deleted["deleted_ts"]) == ("message_deleted", ts)
    assert not fake_slack.has_message("C1", ts)


def _home(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "home", "blocks": blocks}


def test_views_publish_checks_the_home_view_like_slack(fake_slack: FakeSlack) -> None:
    web = _web(fake_slack)
    ok = web.views_publish(user_id="U1", view=_home([_section("hi")]))
    assert fake_slack.home_views["U1"]["blocks"] == [_section("hi")]

    assert _error(lambda: web.api_call("views.publish", json={"view": _home([])})) == (
        "invalid_arguments"
    )
    with pytest.raises(SlackApiError) as err:
        web.views_publish(user_id="U1", view=_home([_section("x")] * 101))
    assert err.value.response["error"] == "invalid_arguments"
    assert "no more than 100 items" in err.value.response["response_metadata"]["messages"][0]
    assert _error(lambda: web.views_publish(user_id="U1", view=_home([_section("x" * 3001)])))
    assert _error(
        lambda: web.views_publish(user_id="U1", view={"type": "modal", "blocks": []})
    ) == ("invalid_arguments")
    assert _error(
        lambda: web.views_publish(user_id="U1", view={**_home([]), "private_metadata": "m" * 3001})
    ) == ("invalid_arguments")
    assert _error(lambda: web.views_publish(user_id="U1", view=_home([]), hash="stale")) == (
        "hash_conflict"
    )
    web.views_publish(user_id="U1", view=_home([]), hash=ok["view"]["hash"])
    fake_slack.home_tab_enabled = False
    assert _error(lambda: web.views_publish(user_id="U1", view=_home([]))) == "not_enabled"


def test_views_publish_refuses_a_view_over_250kb(fake_slack: FakeSlack) -> None:
    blocks = [_section("x" * 2900) for _ in range(90)]
    assert _error(lambda: _web(fake_slack).views_publish(user_id="U1", view=_home(blocks))) == (
        "view_too_large"
    )


def test_users_conversations_lists_a_users_conversations_by_type(fake_slack: FakeSlack) -> None:
    web = _web(fake_slack)
    fake_slack.channels.update(
        {
            "C1": {},
            "C2": {"members": ["U2", "UBOT"]},
            "C3": {"members": ["U1"]},  # public, the bot is not in it
            "G1": {"is_private": True, "members": ["U1", "UBOT"]},
            "G2": {"is_private": True, "members": ["U1"]},  # private, without the bot
        }
    )
    types = "public_channel,private_channel,mpim,im"

    listed = web.users_conversations(user="U1", types=types, limit=2)
    ids = [c["id"] for c in listed["channels"]]
    cursor = listed["response_metadata"]["next_cursor"]
    ids += [
        c["id"] for c in web.users_conversations(user="U1", types=types, cursor=cursor)["channels"]
    ]

    assert sorted(ids) == ["C1", "C3", "G1"]
    assert [c["id"] for c in web.users_conversations(user="U1")["channels"]] == ["C1", "C3"]
    assert _error(lambda: web.users_conversations(types="channels")) == "invalid_types"
    assert _error(lambda: web.users_conversations(limit=5000)) == "invalid_limit"
    fake_slack.scopes.discard("im:read")
    with pytest.raises(SlackApiError) as err:
        web.users_conversations(user="U1", types=types)
    assert err.value.response["error"] == "missing_scope"
    assert err.value.response["needed"] == "im:read"


def test_message_metadata_comes_only_when_asked_for(fake_slack: FakeSlack) -> None:
    web = _web(fake_slack)
    metadata = {"event_type": "assistant_thread_context", "event_payload": {"channel_id": "C1"}}
    posted = web.chat_postMessage(channel="D1", text="hi", metadata=metadata)

    plain = web.conversations_replies(channel="D1", ts=posted["ts"])["messages"][0]
    full = web.conversations_replies(channel="D1", ts=posted["ts"], include_all_metadata=True)

    assert "metadata" not in plain
    assert full["messages"][0]["metadata"] == metadata
