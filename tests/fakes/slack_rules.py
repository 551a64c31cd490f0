"""What real Slack checks before it accepts a Web API call, for `FakeSlack`.

* Scopes: the bot token's scopes are read from ``manifest.yml``; each method needs one of the
  scopes Slack's method reference lists (``conversations.*`` by conversation type).
* Block Kit: at most 50 blocks, known block types, section text 1–3,000 characters, fields,
  context and actions limits, unique ``block_id``s → ``invalid_blocks`` with Slack-style messages.
* Sizes: ``text`` over 40,000 and ``markdown_text`` over 12,000 characters → ``msg_too_long``.

Sources: docs.slack.dev method pages (``chat.postMessage``, ``chat.startStream``,
``assistant.threads.setStatus``…) and the Block Kit reference.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"
MAX_BLOCKS = 50
MAX_VIEW_BLOCKS = 100  # modals and Home tabs (home-tab-views reference)
PRIVATE_METADATA_LIMIT = 3000
CALLBACK_ID_LIMIT = 255
VIEW_BYTES_LIMIT = 250_000  # views.publish: view_too_large
SECTION_TEXT_LIMIT = 3000
FIELD_TEXT_LIMIT = 2000
MAX_FIELDS = 10
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
HEADER_TEXT_LIMIT = 150
MARKDOWN_BLOCK_LIMIT = 12000
BLOCK_ID_LIMIT = 255
TEXT_LIMIT = 40000
MARKDOWN_TEXT_LIMIT = 12000
BLOCK_TYPES = frozenset(
    {
        "actions",
        "context",
        "divider",
        "file",
        "header",
        "image",
        "input",
        "markdown",
        "rich_text",
        "section",
        "table",
        "video",
    }
)


def manifest_scopes(path: Path = MANIFEST) -> frozenset[str]:
    """The bot scopes ``manifest.yml`` asks for."""
    manifest = yaml.safe_load(path.read_text(encoding="utf-8"))
    return frozenset(manifest["oauth_config"]["scopes"]["bot"])


def manifest_events(path: Path = MANIFEST) -> frozenset[str]:
    """The bot events ``manifest.yml`` subscribes to."""
    manifest = yaml.safe_load(path.read_text(encoding="utf-8"))
    return frozenset(manifest["settings"]["event_subscriptions"]["bot_events"])


ChannelKind = Callable[[str], str]  # channel id -> "channels" | "groups" | "im" | "mpim"
_CHAT_WRITE = ("chat:write",)
_FIXED_SCOPES: dict[str, tuple[str, ...]] = {
    "api.test": (),
    "auth.test": (),
    "chat.postMessage": _CHAT_WRITE,
    "chat.update": _CHAT_WRITE,
    "chat.delete": _CHAT_WRITE,
    "chat.postEphemeral": _CHAT_WRITE,
    "chat.getPermalink": (),
    "chat.startStream": _CHAT_WRITE,
    "chat.appendStream": _CHAT_WRITE,
    "chat.stopStream": _CHAT_WRITE,
    "reactions.add": ("reactions:write",),
    "reactions.remove": ("reactions:write",),
    # assistant.threads.* accept either scope "for the time being" (method reference).
    "assistant.threads.setStatus": ("assistant:write", "chat:write"),
    "assistant.threads.setSuggestedPrompts": ("assistant:write", "chat:write"),
    "assistant.threads.setTitle": ("assistant:write", "chat:write"),
    "views.open": (),
    "views.push": (),
    "views.update": (),
    "views.publish": (),
    "users.info": ("users:read",),
    "conversations.open": ("im:write", "mpim:write", "channels:manage", "groups:write"),
    "files.info": ("files:read",),
    "files.list": ("files:read",),
    "files.delete": ("files:write",),
}
_READ_BY_KIND = ("conversations.info", "conversations.members")
_HISTORY_BY_KIND = ("conversations.replies", "conversations.history")


def needed_scopes(method: str, params: Mapping[str, Any], kind: ChannelKind) -> tuple[str, ...]:
    """Scopes of which the token needs one for ``method`` (empty: none needed)."""
    if method == "users.conversations":  # every requested type's scope (checked there)
        return conversation_type_scopes(params.get("types")) or ()
    if method in _READ_BY_KIND or method in _HISTORY_BY_KIND:
        channel = params.get("channel")
        kinds = [kind(channel)] if isinstance(channel, str) and channel else _KINDS
        suffix = ":read" if method in _READ_BY_KIND else ":history"
        return tuple(f"{k}{suffix}" for k in kinds)
    return _FIXED_SCOPES.get(method, ())


_KINDS = ["channels", "groups", "im", "mpim"]


# ------------------------------------------------------------------------------ Block Kit


def block_errors(blocks: Any, max_blocks: int = MAX_BLOCKS) -> list[str]:
    """Slack-style ``invalid_blocks`` messages for ``blocks`` (empty when valid)."""
    if not isinstance(blocks, list):
        return ["must be an array [json-pointer:/blocks]"]
    errors: list[str] = []
    if len(blocks) > max_blocks:
        errors.append(f"no more than {max_blocks} items allowed [json-pointer:/blocks]")
    seen_ids: set[str] = set()
    for index, block in enumerate(blocks):
        where = f"/blocks/{index}"
        if not isinstance(block, Mapping):
            errors.append(f"must be an object [json-pointer:{where}]")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            if not isinstance(block_id, str) or len(block_id) > BLOCK_ID_LIMIT:
                errors.append(f"invalid block_id [json-pointer:{where}/block_id]")
            elif block_id in seen_ids:
                errors.append(f"duplicate block_id [json-pointer:{where}/block_id]")
            else:
                seen_ids.add(block_id)
        kind = block.get("type")
        if kind not in BLOCK_TYPES:
            errors.append(f"unsupported type: {kind!r} [json-pointer:{where}/type]")
            continue
        checker = _BLOCK_CHECKS.get(str(kind))
        if checker is not None:
            errors.extend(checker(block, where))
    return errors


def _text_errors(
    obj: Any, where: str, limit: int, kinds: Sequence[str] = ("mrkdwn", "plain_text")
) -> list[str]:
    if not isinstance(obj, Mapping) or obj.get("type") not in kinds:
        return [f"must be a text object of type {'/'.join(kinds)} [json-pointer:{where}]"]
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return [f"must be more than 0 characters [json-pointer:{where}/text]"]
    if len(text) > limit:
        return [f"must be less than {limit + 1} characters [json-pointer:{where}/text]"]
    return []


def _section(block: Mapping[str, Any], where: str) -> list[str]:
    text, fields = block.get("text"), block.get("fields")
    if text is None and not fields:
        return [f"must provide either text or fields [json-pointer:{where}]"]
    errors = [] if text is None else _text_errors(text, f"{where}/text", SECTION_TEXT_LIMIT)
    if fields is not None:
        if not isinstance(fields, list) or len(fields) > MAX_FIELDS:
            errors.append(f"no more than {MAX_FIELDS} items allowed [json-pointer:{where}/fields]")
        else:
            for i, field in enumerate(fields):
                errors += _text_errors(field, f"{where}/fields/{i}", FIELD_TEXT_LIMIT)
    accessory = block.get("accessory")
    if accessory is not None:
        errors += _element_errors(accessory, f"{where}/accessory")
    return errors


def _context(block: Mapping[str, Any], where: str) -> list[str]:
    elements = block.get("elements")
    if not isinstance(elements, list) or not 1 <= len(elements) <= CONTEXT_ELEMENTS:
        return [f"must have 1 to {CONTEXT_ELEMENTS} items [json-pointer:{where}/elements]"]
    errors: list[str] = []
    for i, element in enumerate(elements):
        if isinstance(element, Mapping) and element.get("type") == "image":
            continue
        errors += _text_errors(element, f"{where}/elements/{i}", SECTION_TEXT_LIMIT)
    return errors


def _actions(block: Mapping[str, Any], where: str) -> list[str]:
    elements = block.get("elements")
    if not isinstance(elements, list) or not 1 <= len(elements) <= ACTIONS_ELEMENTS:
        return [f"must have 1 to {ACTIONS_ELEMENTS} items [json-pointer:{where}/elements]"]
    errors: list[str] = []
    action_ids: set[str] = set()
    for i, element in enumerate(elements):
        errors += _element_errors(element, f"{where}/elements/{i}")
        action_id = element.get("action_id") if isinstance(element, Mapping) else None
        if isinstance(action_id, str):  # unique within the block (Block Kit element reference)
            if action_id in action_ids:
                errors.append(f"duplicate action_id [json-pointer:{where}/elements/{i}/action_id]")
            action_ids.add(action_id)
    return errors


def _element_errors(element: Any, where: str) -> list[str]:
    if not isinstance(element, Mapping) or not isinstance(element.get("type"), str):
        return [f"must be a block element [json-pointer:{where}]"]
    if element["type"] != "button":
        return []
    errors = _text_errors(element.get("text"), f"{where}/text", BUTTON_TEXT_LIMIT, ("plain_text",))
    value = element.get("value")
    if value is not None and (not isinstance(value, str) or len(value) > BUTTON_VALUE_LIMIT):
        errors.append(f"must be less than {BUTTON_VALUE_LIMIT + 1} characters [{where}/value]")
    if element.get("style") not in (None, "primary", "danger"):
        errors.append(f"must be one of primary, danger [json-pointer:{where}/style]")
    return errors


def _header(block: Mapping[str, Any], where: str) -> list[str]:
    return _text_errors(block.get("text"), f"{where}/text", HEADER_TEXT_LIMIT, ("plain_text",))


def _markdown(block: Mapping[str, Any], where: str) -> list[str]:
    text = block.get("text")
    if not isinstance(text, str) or not text:
        return [f"must be more than 0 characters [json-pointer:{where}/text]"]
    if len(text) > MARKDOWN_BLOCK_LIMIT:
        return [f"must be less than {MARKDOWN_BLOCK_LIMIT + 1} characters [{where}/text]"]
    return []


_BLOCK_CHECKS: dict[str, Callable[[Mapping[str, Any], str], list[str]]] = {
    "section": _section,
    "context": _context,
    "actions": _actions,
    "header": _header,
    "markdown": _markdown,
}


def too_long(params: Mapping[str, Any]) -> bool:
    """``msg_too_long``: ``text`` over 40,000 or ``markdown_text`` over 12,000 characters."""
    text, markdown = params.get("text"), params.get("markdown_text")
    return (isinstance(text, str) and len(text) > TEXT_LIMIT) or (
        isinstance(markdown, str) and len(markdown) > MARKDOWN_TEXT_LIMIT
    )


# ------------------------------------------------------------------------------ views


def home_view_errors(view: Any) -> list[str]:
    """``invalid_arguments`` messages for a Home tab view (``views.publish``; empty when valid).

    Home tab view fields: ``type`` "home" and ``blocks`` (at most 100) required;
    ``private_metadata`` up to 3,000 and ``callback_id`` up to 255 characters.
    """
    if not isinstance(view, Mapping):
        return ["[ERROR] must be an object [json-pointer:/view]"]
    errors: list[str] = []
    if view.get("type") != "home":
        errors.append("[ERROR] must be one of home [json-pointer:/view/type]")
    for name, limit in (
        ("private_metadata", PRIVATE_METADATA_LIMIT),
        ("callback_id", CALLBACK_ID_LIMIT),
    ):
        value = view.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            errors.append(
                f"[ERROR] must be less than {limit + 1} characters [json-pointer:/view/{name}]"
            )
    if "blocks" not in view:
        errors.append("[ERROR] missing required field: blocks [json-pointer:/view]")
    else:
        errors += [
            "[ERROR] " + e.replace("[json-pointer:/blocks", "[json-pointer:/view/blocks")
            for e in block_errors(view["blocks"], MAX_VIEW_BLOCKS)
        ]
    return errors


def manifest_home_tab(path: Path = MANIFEST) -> bool:
    """Whether ``manifest.yml`` enables the App Home's Home tab."""
    manifest = yaml.safe_load(path.read_text(encoding="utf-8"))
    return bool(manifest["features"].get("app_home", {}).get("home_tab_enabled"))


_TYPE_SCOPES = {
    "public_channel": "channels:read",
    "private_channel": "groups:read",
    "mpim": "mpim:read",
    "im": "im:read",
}


def conversation_type_scopes(types: Any) -> tuple[str, ...] | None:
    """``users.conversations``: the scope each requested type needs (None: an unknown type)."""
    names = [t.strip() for t in str(types or "public_channel").split(",") if t.strip()]
    if not names or any(n not in _TYPE_SCOPES for n in names):
        return None
    return tuple(_TYPE_SCOPES[n] for n in names)
