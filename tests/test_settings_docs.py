"""The settings the docs name are the settings the code reads, and each one is documented."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import AliasChoices

from bot.settings import BotSettings

ROOT = Path(__file__).resolve().parents[1]
DOCS = "\n".join(p.read_text() for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])


def env_names(field: str) -> list[str]:
    alias = BotSettings.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices):
        return [c for c in alias.choices if isinstance(c, str) and c.isupper()]
    return [f"RAGBOT_{field.upper()}"]


def test_every_ragbot_variable_in_the_docs_is_a_setting() -> None:
    known = {name for field in BotSettings.model_fields for name in env_names(field)}
    named = set(re.findall(r"\b(RAGBOT_[A-Z0-9_]*[A-Z0-9])\b", DOCS))
    assert named - known == set()


def test_every_setting_is_documented() -> None:
    missing = [
        field
        for field in BotSettings.model_fields
        if not any(f"`{name}`" in DOCS for name in env_names(field))
    ]
    assert missing == []
