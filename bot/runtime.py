"""The running bot's dependencies, reachable from APScheduler jobs.

Durable jobs are stored pickled in the database, so they hold only plain arguments; when they run
they look up the knowledge base and the Slack client here (set once at startup). A job of one team
among many stores the team's key and gets the team's bot token when it runs (``team_runtime``).
"""

from __future__ import annotations

import logging
import threading

from bot.deps import Deps
from bot.teams import TeamNotInstalledError

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_current: Deps | None = None


class RuntimeNotReadyError(RuntimeError):
    """A job ran before the bot finished starting (or after it stopped)."""


def set_runtime(deps: Deps | None) -> None:
    global _current
    with _lock:
        _current = deps


def get_runtime() -> Deps:
    with _lock:
        if _current is None:
            raise RuntimeNotReadyError("bot runtime is not set")
        return _current


def team_runtime(team: str) -> Deps | None:
    """The runtime as ``team`` sees it, with its bot token looked up now (and refreshed when
    it rotates); None, logged, when the team uninstalled since the job was queued."""
    deps = get_runtime()
    if deps.installations is None:  # one workspace: the bot token of the settings
        return deps
    try:
        return deps.for_team(team, deps.installations.client_for(team))
    except TeamNotInstalledError:
        logger.warning("team %s is no longer installed: its queued work is dropped", team)
        return None
