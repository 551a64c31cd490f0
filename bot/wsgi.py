"""WSGI entry point for production servers, e.g. ``gunicorn 'bot.wsgi:create_application()'``.

Each server process builds its own runtime. With several processes, the store must be a Milvus
server (``MILVUS_URI``: Milvus Lite allows one process per data dir) and the database shared
(``DATABASE_URL``); set ``RAGBOT_RUN_JOBS=false`` here and run ``ragbot worker`` for the jobs.
"""

from __future__ import annotations

import atexit
import logging

from bot.app import build_app
from bot.bootstrap import start_runtime, stop_runtime
from bot.server import WsgiApp, wsgi_app
from bot.settings import BotSettings
from rag.cli import CHATTY_LOGGERS, LOG_FORMAT


def create_application(settings: BotSettings | None = None) -> WsgiApp:
    settings = settings or BotSettings()
    settings.require_slack()
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    for name in CHATTY_LOGGERS:  # one INFO line per converted document is noise in server logs
        logging.getLogger(name).setLevel(logging.WARNING)
    deps = start_runtime(settings)
    atexit.register(stop_runtime, deps, wait=False)
    return wsgi_app(build_app(deps))
