"""manifest.yml asks for exactly the scopes the code uses: each scope maps to a call or event.

Web API calls are found in the bot's source (``client.chat_postMessage(`` and Bolt's ``say``,
``set_status``…); the scope each needs comes from the Slack stand-in's table, which follows
Slack's method reference (tests/fakes/slack_rules.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.constants import ADD_TO_RAGBOT, SUGGESTED_PROMPTS
from tests.fakes.slack_rules import (
    MANIFEST,
    manifest_events,
    manifest_home_tab,
    manifest_scopes,
    needed_scopes,
)

BOT = Path(__file__).resolve().parents[1] / "bot"
_CALL = re.compile(
    r"\bclient\.((?:chat|conversations|users|files|assistant|reactions|views)_\w+)\("
)
_BOLT_HELPERS = {  # Bolt utilities and the Web API method each calls
    "say": "chat.postMessage",
    "set_status": "assistant.threads.setStatus",
    "set_suggested_prompts": "assistant.threads.setSuggestedPrompts",
    "set_title": "assistant.threads.setTitle",
}
_STREAM = ("chat.startStream", "chat.appendStream", "chat.stopStream")  # WebClient.chat_stream
_KIND_SCOPES = ("channels", "groups", "im", "mpim")  # the bot works in every kind
EVENT_SCOPES = {
    "app_mention": "app_mentions:read",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.im": "im:history",
    "message.mpim": "mpim:history",
    "file_shared": "files:read",
    "file_change": "files:read",
    "file_deleted": "files:read",
    "file_unshared": "files:read",
    "assistant_thread_started": "assistant:write",
    "assistant_thread_context_changed": "assistant:write",
    "member_joined_channel": "channels:read",  # groups:read for private channels
    "app_home_opened": "",  # needs no scope (event reference)
    "app_uninstalled": "",  # "Required scopes: none" (event reference)
    "tokens_revoked": "",  # "Required scopes: none" (event reference)
}


def used_methods() -> set[str]:
    source = "\n".join(p.read_text(encoding="utf-8") for p in BOT.rglob("*.py"))
    methods = {name.replace("_", ".") for name in _CALL.findall(source)}
    if "chat.stream" in methods:
        methods = (methods - {"chat.stream"}) | set(_STREAM)
    methods |= {m for helper, m in _BOLT_HELPERS.items() if re.search(rf"\b{helper}\(", source)}
    return methods


def scope_needs() -> list[tuple[str, tuple[str, ...]]]:
    """(what, scopes of which one is needed) for every call and event the bot relies on."""
    needs: list[tuple[str, tuple[str, ...]]] = []
    for method in sorted(used_methods()):
        if method.startswith("conversations."):
            for kind in _KIND_SCOPES:
                needs.append((method, needed_scopes(method, {"channel": "X"}, lambda _, k=kind: k)))
        else:
            needs.append((method, needed_scopes(method, {}, lambda _: "channels")))
    needs += [
        (event, (EVENT_SCOPES[event],) if EVENT_SCOPES[event] else ())
        for event in sorted(manifest_events())
    ]
    needs.append(("slash commands and shortcuts", ("commands",)))
    return needs


def test_the_bot_calls_the_methods_it_is_known_to_call() -> None:
    methods = used_methods()
    for expected in ("chat.postMessage", "chat.startStream", "files.info", "users.info"):
        assert expected in methods
    assert "chat.stream" not in methods


def test_every_call_and_event_is_granted() -> None:
    granted = manifest_scopes()
    missing = [(what, need) for what, need in scope_needs() if need and not granted & set(need)]
    assert not missing, missing


def test_every_scope_is_used() -> None:
    justified = {scope for _, need in scope_needs() for scope in need}
    unused = sorted(manifest_scopes() - justified)
    assert not unused, f"manifest.yml asks for scopes the code doesn't use: {unused}"


def test_every_subscribed_event_has_a_listener() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in BOT.rglob("*.py"))
    for event in manifest_events():
        name = event.split(".")[0]
        assert f'"{name}"' in source or name.startswith("assistant_thread"), event


def test_every_shortcut_has_a_listener() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    shortcuts = manifest["features"]["shortcuts"]
    assert [(s["type"], s["callback_id"]) for s in shortcuts] == [("message", ADD_TO_RAGBOT)]
    source = "\n".join(p.read_text(encoding="utf-8") for p in BOT.rglob("*.py"))
    assert "app.shortcut(ADD_TO_RAGBOT)" in source


def test_the_manifest_suggests_the_prompts_the_bot_sets() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    prompts = manifest["features"]["assistant_view"]["suggested_prompts"]

    assert [(p["title"], p["message"]) for p in prompts] == list(SUGGESTED_PROMPTS)


def test_the_home_tab_is_enabled_and_its_event_subscribed() -> None:
    assert manifest_home_tab()
    assert "app_home_opened" in manifest_events()


def test_the_install_flow_asks_for_the_manifests_scopes() -> None:
    from bot.constants import BOT_SCOPES

    assert set(BOT_SCOPES) == manifest_scopes()
    assert len(BOT_SCOPES) == len(set(BOT_SCOPES))
