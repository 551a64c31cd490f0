"""``file_shared``: a file appeared in a conversation the bot is in → ingest it there, unless
``/docs auto off`` was set there (then only a mention or "Add to ragbot" reads it)."""

from __future__ import annotations

from typing import Any

from bot.deps import Deps
from bot.files import queue_shared_file
from bot.payloads import parse_file_event


def handle_file_shared(event: dict[str, Any], deps: Deps) -> None:
    parsed = parse_file_event(event)
    if parsed is None or parsed.channel is None or not deps.state.auto_read(parsed.channel):
        return
    queue_shared_file(deps, parsed.file_id, parsed.channel, user=parsed.user)
