"""``file_unshared``: the file left a conversation → it is no longer visible there."""

from __future__ import annotations

from typing import Any

from bot.deps import Deps
from bot.files import file_unshared
from bot.payloads import parse_file_event


def handle_file_unshared(event: dict[str, Any], deps: Deps) -> None:
    parsed = parse_file_event(event)
    if parsed is not None and parsed.channel is not None:
        file_unshared(deps, parsed.file_id, parsed.channel)
