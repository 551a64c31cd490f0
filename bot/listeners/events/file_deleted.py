"""``file_deleted``: remove the file from the knowledge base at once."""

from __future__ import annotations

from typing import Any

from bot.deps import Deps
from bot.files import file_deleted
from bot.payloads import parse_file_event


def handle_file_deleted(event: dict[str, Any], deps: Deps) -> None:
    parsed = parse_file_event(event)
    if parsed is not None:
        file_deleted(deps, parsed.file_id)
