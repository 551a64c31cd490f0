"""Typed views of the Slack payloads the bot handles. Malformed input gives ``None``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")


def _str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def strip_mentions(text: str) -> str:
    """``<@U123> what is X?`` → ``what is X?``."""
    return " ".join(_MENTION.sub(" ", text).split())


@dataclass(frozen=True)
class FileRef:
    file_id: str
    name: str | None = None


@dataclass(frozen=True)
class MessageEvent:
    """A message (or app_mention) someone sent: where, who, what, which thread."""

    channel: str
    ts: str
    user: str | None
    text: str
    thread_ts: str | None
    channel_type: str | None
    subtype: str | None
    bot_id: str | None
    team: str | None
    files: tuple[FileRef, ...]
    client_msg_id: str | None

    @property
    def reply_thread(self) -> str:
        """The thread to answer in: the message's own thread, or a new one under it."""
        return self.thread_ts or self.ts

    @property
    def question(self) -> str:
        return strip_mentions(self.text)

    @property
    def from_bot(self) -> bool:
        return self.bot_id is not None or self.subtype in {"bot_message", "message_changed"}

    @property
    def is_dm(self) -> bool:
        return self.channel_type == "im" or self.channel.startswith("D")


def parse_message(event: Mapping[str, Any] | None) -> MessageEvent | None:
    if not isinstance(event, Mapping):
        return None
    channel, ts = _str(event, "channel"), _str(event, "ts")
    if channel is None or ts is None:
        return None
    raw_files = event.get("files")
    files = tuple(
        FileRef(f["id"], _str(f, "name"))
        for f in (raw_files if isinstance(raw_files, list) else [])
        if isinstance(f, Mapping) and isinstance(f.get("id"), str)
    )
    text = event.get("text")
    return MessageEvent(
        channel=channel,
        ts=ts,
        user=_str(event, "user"),
        text=text if isinstance(text, str) else "",
        thread_ts=_str(event, "thread_ts"),
        channel_type=_str(event, "channel_type"),
        subtype=_str(event, "subtype"),
        bot_id=_str(event, "bot_id"),
        team=_str(event, "team"),
        files=files,
        client_msg_id=_str(event, "client_msg_id"),
    )


@dataclass(frozen=True)
class FileEvent:
    """file_shared / file_change / file_deleted / file_unshared."""

    file_id: str
    channel: str | None
    user: str | None


def parse_file_event(event: Mapping[str, Any] | None) -> FileEvent | None:
    if not isinstance(event, Mapping):
        return None
    file_id = _str(event, "file_id")
    nested = event.get("file")
    if file_id is None and isinstance(nested, Mapping):
        file_id = _str(nested, "id")
    if file_id is None:
        return None
    return FileEvent(file_id, _str(event, "channel_id"), _str(event, "user_id"))


@dataclass(frozen=True)
class SlashCommand:
    command: str
    text: str
    channel: str
    user: str
    team: str | None
    response_url: str | None = None

    @property
    def verb(self) -> str:
        return self.text.split(maxsplit=1)[0].lower() if self.text.strip() else ""

    @property
    def argument(self) -> str:
        parts = self.text.split(maxsplit=1)
        return parts[1].strip() if len(parts) > 1 else ""


def parse_command(body: Mapping[str, Any] | None) -> SlashCommand | None:
    if not isinstance(body, Mapping):
        return None
    command, channel, user = _str(body, "command"), _str(body, "channel_id"), _str(body, "user_id")
    if command is None or channel is None or user is None:
        return None
    text = body.get("text")
    return SlashCommand(
        command,
        text.strip() if isinstance(text, str) else "",
        channel,
        user,
        _str(body, "team_id"),
        _str(body, "response_url"),
    )


@dataclass(frozen=True)
class ButtonClick:
    action_id: str
    value: str
    user: str
    channel: str | None
    message_ts: str | None
    thread_ts: str | None


def parse_action(body: Mapping[str, Any] | None) -> ButtonClick | None:
    if not isinstance(body, Mapping):
        return None
    actions = body.get("actions")
    user = body.get("user")
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], Mapping):
        return None
    if not isinstance(user, Mapping) or _str(user, "id") is None:
        return None
    action = actions[0]
    action_id, value = _str(action, "action_id"), action.get("value")
    if action_id is None or not isinstance(value, str):
        return None
    channel = body.get("channel")
    message = body.get("message") or body.get("container")
    return ButtonClick(
        action_id=action_id,
        value=value,
        user=str(user["id"]),
        channel=_str(channel, "id") if isinstance(channel, Mapping) else None,
        message_ts=_str(message, "ts") or _str(message, "message_ts")
        if isinstance(message, Mapping)
        else None,
        thread_ts=_str(message, "thread_ts") if isinstance(message, Mapping) else None,
    )


@dataclass(frozen=True)
class SlackFile:
    """The parts of ``files.info``'s file object the bot uses."""

    file_id: str
    name: str
    size: int
    download_url: str | None
    permalink: str | None
    shares: Mapping[str, tuple[str, ...]]  # channel -> thread of each share (its own ts if none)
    channels: tuple[str, ...] = ()  # every conversation the bot can see the file in
    user: str | None = None  # who uploaded it

    def share_ts(self, channel: str) -> str | None:
        """The thread to reply in about the file's share in ``channel``."""
        stamps = self.shares.get(channel) or ()
        return stamps[0] if stamps else None


def parse_file(data: Mapping[str, Any] | None) -> SlackFile | None:
    if not isinstance(data, Mapping):
        return None
    file_id = _str(data, "id")
    if file_id is None:
        return None
    size = data.get("size")
    shares: dict[str, tuple[str, ...]] = {}
    raw_shares = data.get("shares")
    for kind in ("public", "private"):
        by_channel = raw_shares.get(kind) if isinstance(raw_shares, Mapping) else None
        for channel, items in (by_channel or {}).items():
            if isinstance(items, list):
                shares[channel] = tuple(
                    _str(i, "thread_ts") or i["ts"]
                    for i in items
                    if isinstance(i, Mapping) and isinstance(i.get("ts"), str)
                )
    listed = [c for key in ("channels", "groups", "ims") for c in _strings(data.get(key))]
    return SlackFile(
        file_id=file_id,
        name=_str(data, "name") or _str(data, "title") or file_id,
        size=size if isinstance(size, int) else 0,
        download_url=_str(data, "url_private_download") or _str(data, "url_private"),
        permalink=_str(data, "permalink"),
        shares=shares,
        channels=tuple(dict.fromkeys([*listed, *shares])),
        user=_str(data, "user"),
    )


@dataclass(frozen=True)
class MessageShortcut:
    """A message shortcut (``message_action``): who used it on which message, and its files."""

    callback_id: str
    user: str
    channel: str
    message: MessageEvent
    response_url: str | None


def parse_message_shortcut(body: Mapping[str, Any] | None) -> MessageShortcut | None:
    if not isinstance(body, Mapping) or body.get("type") != "message_action":
        return None
    user, channel, message = body.get("user"), body.get("channel"), body.get("message")
    if not (isinstance(user, Mapping) and isinstance(channel, Mapping)):
        return None
    user_id, channel_id = _str(user, "id"), _str(channel, "id")
    callback_id = _str(body, "callback_id")
    if user_id is None or channel_id is None or callback_id is None:
        return None
    parsed = (
        parse_message({**message, "channel": channel_id}) if isinstance(message, Mapping) else None
    )
    if parsed is None:
        return None
    return MessageShortcut(callback_id, user_id, channel_id, parsed, _str(body, "response_url"))


@dataclass(frozen=True)
class MessageEdit:
    """``message_changed``: the message as it is now, and its text before."""

    message: MessageEvent
    previous_text: str


def parse_message_edit(event: Mapping[str, Any] | None) -> MessageEdit | None:
    if not isinstance(event, Mapping) or event.get("subtype") != "message_changed":
        return None
    current, previous = event.get("message"), event.get("previous_message")
    channel = _str(event, "channel")
    if not isinstance(current, Mapping) or channel is None:
        return None
    message = parse_message(
        {**current, "channel": channel, "channel_type": event.get("channel_type")}
    )
    if message is None:
        return None
    before = previous.get("text") if isinstance(previous, Mapping) else None
    return MessageEdit(message, before if isinstance(before, str) else "")


@dataclass(frozen=True)
class MessageDeletion:
    """``message_deleted``: which message of which conversation is gone."""

    channel: str
    deleted_ts: str


def parse_message_deletion(event: Mapping[str, Any] | None) -> MessageDeletion | None:
    if not isinstance(event, Mapping) or event.get("subtype") != "message_deleted":
        return None
    channel, deleted_ts = _str(event, "channel"), _str(event, "deleted_ts")
    if channel is None or deleted_ts is None:
        return None
    return MessageDeletion(channel, deleted_ts)
