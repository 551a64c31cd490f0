"""The running bot's dependencies, reachable from APScheduler jobs.

Durable jobs are stored pickled in the database, so they hold only plain arguments; when they run
they look up the knowledge base and the Slack client here (set once at startup).
"""

from __future__ import annotations

import threading

from bot.deps import Deps

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
