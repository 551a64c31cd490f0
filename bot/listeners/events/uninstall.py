"""``app_uninstalled`` and ``tokens_revoked``: a team is gone (see ``bot.teams.team_left``)."""

from __future__ import annotations

from typing import Any

from bot.deps import Deps
from bot.teams import team_left


def handle_app_uninstalled(deps: Deps) -> None:
    team_left(deps)


def handle_tokens_revoked(event: dict[str, Any], deps: Deps) -> None:
    """Only the bot token matters: the app asks for no user tokens."""
    tokens = event.get("tokens")
    if isinstance(tokens, dict) and tokens.get("bot"):
        team_left(deps)
