""" "Older →" / "← Newer" on the Home tab: publish that page of the viewer's documents."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.deps import Deps
from bot.home import publish_home
from bot.payloads import parse_action


def handle_home_page(ack: Ack, body: dict[str, Any], client: WebClient, deps: Deps) -> None:
    ack()
    click = parse_action(body)
    if click is None or not click.value.isdigit():
        return
    publish_home(deps, client, click.user, own_dm(body), int(click.value))


def own_dm(body: dict[str, Any]) -> str | None:
    """The viewer's DM with the bot, kept in the Home view's ``private_metadata``."""
    view = body.get("view")
    try:
        metadata = (
            json.loads(view.get("private_metadata") or "{}") if isinstance(view, dict) else {}
        )
    except ValueError:
        return None
    dm = metadata.get("dm") if isinstance(metadata, dict) else None
    return dm if isinstance(dm, str) else None
