"""``file_change``: a known file was edited → read it again."""

from __future__ import annotations

from typing import Any

from bot.deps import Deps
from bot.files import file_changed
from bot.payloads import parse_file_event


def handle_file_change(event: dict[str, Any], deps: Deps) -> None:
    parsed = parse_file_event(event)
    if parsed is not None:
        file_changed(deps, parsed.file_id)
