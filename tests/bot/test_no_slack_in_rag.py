"""``rag`` is a library: no module under rag/ imports Slack packages or speaks Slack.

Strings in rag/ (docstrings and comments aside) carry no Slack wording and no mrkdwn: each front
end words and formats what ``rag`` returns.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

RAG = Path(__file__).resolve().parents[2] / "rag"
FORBIDDEN = ("slack_bolt", "slack_sdk", "bot")
SLACK_TEXT = re.compile(
    r"slack|mrkdwn|shared here|this conversation"
    r"|(?<![\w*])\*[^*\s][^*]*\*(?![\w*])"  # *bold*
    r"|(?<!\w)_[^_\s][^_]*\s[^_]*_(?!\w)"  # _some italic words_
    r"|(?<!\w):[a-z0-9_+-]+:(?!\w)",  # :emoji:
    re.IGNORECASE,
)


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


def slack_strings(path: Path) -> list[str]:
    """String literals (not docstrings) that look like Slack wording or mrkdwn."""
    tree = ast.parse(path.read_text(), filename=str(path))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    texts = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]
    texts += [  # f-strings as a whole, each placeholder read as "x"
        "".join(v.value if isinstance(v, ast.Constant) else "x" for v in node.values)
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr)
    ]
    return [text for text in texts if SLACK_TEXT.search(text)]


def test_rag_strings_hold_no_slack_wording_or_mrkdwn() -> None:
    offenders = {
        f"{path.relative_to(RAG.parent)}: {text[:60]!r}"
        for path in sorted(RAG.rglob("*.py"))
        for text in slack_strings(path)
    }
    assert offenders == set()


def test_the_scan_sees_slack_strings(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        '"""A docstring may say Slack."""\n'
        'A = "_No language model is configured, so here are the passages:_"\n'
        'B = f"[1] *{name}*: text"\n'
        'C = "Keep answers short and use Slack-friendly Markdown."\n'
        'D = "nothing in the documents shared here"\n'
        'E = ":white_check_mark: Added"\n'
        'F = "plain words, a_name, 2 * 3 * 4, _english_, ingest:F:*"\n'
    )
    assert len(slack_strings(module)) == 5
