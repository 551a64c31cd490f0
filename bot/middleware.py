"""Global middleware: drop payloads Bolt can't take apart; hand ``deps`` to listeners; drop
duplicate event deliveries."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_bolt.request import payload_utils

from bot.deps import Deps
from bot.teams import team_key

logger = logging.getLogger(__name__)

MiddlewareFunc = Callable[..., Any]
_EXTRACTORS = (
    payload_utils.to_options,
    payload_utils.to_shortcut,
    payload_utils.to_action,
    payload_utils.to_view,
    payload_utils.to_command,
    payload_utils.to_event,
    payload_utils.to_message,
    payload_utils.to_step,
)


class DropMalformedPayloads(Middleware):
    """Acknowledge and drop a payload Bolt can't take apart (e.g. ``"actions": null``).

    Bolt builds every listener and middleware argument eagerly from the body; on such a payload
    that raises inside the first function middleware and Slack gets an HTTP 500. This class
    middleware runs before any of them (Bolt calls ``process`` directly, building nothing).
    """

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        try:
            for extract in _EXTRACTORS:
                extract(req.body)
            _check_actions(req.body)
        except (KeyError, IndexError, TypeError, AttributeError):
            logger.warning("dropped a malformed Slack payload (type %r)", _kind(req.body))
            return BoltResponse(status=200, body="")
        return next()


CALLBACK_ID_TYPES = frozenset(
    {"interactive_message", "dialog_submission", "dialog_cancellation", "workflow_step_edit"}
)


def _check_actions(body: Any) -> None:
    """Bolt's action matchers read ``actions[0]["action_id"]`` (block actions) and
    ``callback_id`` (the legacy kinds) without checking them."""
    if not isinstance(body, dict):
        return
    if "actions" in body:
        actions = body["actions"]
        if not isinstance(actions, list) or not all(isinstance(a, dict) for a in actions):
            raise TypeError("malformed actions")
        if body.get("type") == "block_actions" and not all(
            isinstance(a.get("action_id"), str) for a in actions
        ):
            raise TypeError("block action without an action_id")
    if body.get("type") in CALLBACK_ID_TYPES and not isinstance(body.get("callback_id"), str):
        raise TypeError("no callback_id")


def _kind(body: Any) -> str | None:
    kind = body.get("type") if isinstance(body, dict) else None
    return kind if isinstance(kind, str) else None


def inject_deps(deps: Deps) -> MiddlewareFunc:
    """``deps`` for the listeners; installed by many teams, the requesting team's view of them
    (its documents, state and jobs, and Bolt's client with its bot token)."""

    def middleware(context: BoltContext, next: Callable[[], None]) -> None:
        if deps.installations is not None and context.client is not None:
            key = team_key(
                context.enterprise_id, context.team_id, bool(context.is_enterprise_install)
            )
            context["deps"] = deps.for_team(key, context.client)
        else:
            context["deps"] = deps
        next()

    return middleware


def event_key(body: dict[str, Any]) -> str | None:
    """The delivery's identity: Slack retries (``X-Slack-Retry-Num``) repeat the event id."""
    if body.get("type") != "event_callback":
        return None
    event_id = body.get("event_id")
    return f"event:{event_id}" if isinstance(event_id, str) and event_id else None


def dedupe_events(deps: Deps) -> MiddlewareFunc:
    def middleware(body: dict[str, Any], next: Callable[[], None]) -> BoltResponse | None:
        key = event_key(body)
        if key is not None and not deps.state.claim(key):
            logger.info("duplicate delivery of %s ignored", key)
            return BoltResponse(status=200, body="")
        next()
        return None

    return middleware
