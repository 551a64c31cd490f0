"""``ragbot worker``: run ingestion and scheduled jobs from the shared job store, no HTTP.

Web processes (``RAGBOT_RUN_JOBS=false``) only enqueue; any number of workers run the jobs, each
one-off job exactly once (see ``bot.jobs.queue.run_once``).
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

from bot.bootstrap import start_runtime, stop_runtime
from bot.settings import BotSettings

logger = logging.getLogger(__name__)


def run_worker(settings: BotSettings, stop: threading.Event | None = None) -> int:
    """Run jobs until SIGTERM/SIGINT (or ``stop`` is set)."""
    stop = stop or threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
    deps = start_runtime(settings.model_copy(update={"run_jobs": True}))
    logger.info("worker ready: running jobs from the shared store")
    try:
        stop.wait()
    finally:
        logger.info("worker stopping")
        stop_runtime(deps)
    return 0
