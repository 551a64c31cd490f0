"""Global middleware: hand ``deps`` to listeners; drop duplicate event deliveries."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext, BoltResponse

from bot.deps import Deps

logger = logging.getLogger(__name__)

Middleware = Callable[..., Any]


def inject_deps(deps: Deps) -> Middleware:
    def middleware(context: BoltContext, next: Callable[[], None]) -> None:
        context["deps"] = deps
        next()

    return middleware


def event_key(body: dict[str, Any]) -> str | None:
    """The delivery's identity: Slack retries (``X-Slack-Retry-Num``) repeat the event id."""
    if body.get("type") != "event_callback":
        return None
    event_id = body.get("event_id")
    return f"event:{event_id}" if isinstance(event_id, str) and event_id else None


def dedupe_events(deps: Deps) -> Middleware:
    def middleware(body: dict[str, Any], next: Callable[[], None]) -> BoltResponse | None:
        key = event_key(body)
        if key is not None and not deps.state.claim(key):
            logger.info("duplicate delivery of %s ignored", key)
            return BoltResponse(status=200, body="")
        next()
        return None

    return middleware
