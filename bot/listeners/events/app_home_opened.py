"""Someone opened the App Home's Home tab: publish their documents."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.deps import Deps
from bot.home import publish_home


def handle_app_home_opened(event: dict[str, Any], client: WebClient, deps: Deps) -> None:
    user, channel = event.get("user"), event.get("channel")
    if event.get("tab") != "home" or not isinstance(user, str):
        return  # the Messages tab: nothing to publish
    publish_home(deps, client, user, channel if isinstance(channel, str) else None)
