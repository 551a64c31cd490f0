"""``rag`` is a library: no module under rag/ may import Slack packages."""

from __future__ import annotations

import ast
from pathlib import Path

RAG = Path(__file__).resolve().parents[2] / "rag"
FORBIDDEN = ("slack_bolt", "slack_sdk", "bot")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_rag_never_imports_slack_or_the_bot() -> None:
    files = sorted(RAG.rglob("*.py"))
    assert files, "rag/ has Python modules"
    offenders = {
        f"{path.relative_to(RAG.parent)}: {name}"
        for path in files
        for name in imported_modules(path)
        if name.split(".")[0] in FORBIDDEN
    }
    assert offenders == set()


def test_the_scan_sees_slack_imports(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import slack_sdk.web\nfrom slack_bolt import App\n")
    assert {"slack_sdk.web", "slack_bolt"} <= imported_modules(module)
