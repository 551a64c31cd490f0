"""``ragbot serve`` / ``python -m bot``: clear one-line errors for missing tokens."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.cli import build_parser, main


def test_serve_is_a_subcommand_next_to_the_rag_ones() -> None:
    parser = build_parser()
    assert parser.parse_args(["serve", "--port", "8080"]).port == 8080
    assert parser.parse_args(["docs", "list"]).command == "docs"


def test_missing_tokens_named_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "ragbot serve: missing SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET "
        "(or SLACK_APP_TOKEN for Socket Mode)"
    )


def test_socket_mode_needs_only_bot_token(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    assert main(["serve"]) == 2
    assert capsys.readouterr().err.strip() == "ragbot serve: missing SLACK_BOT_TOKEN"


def test_python_dash_m_bot() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "", "HF_HUB_OFFLINE": "1"},
    )
    assert result.returncode == 2
    assert "missing SLACK_BOT_TOKEN" in result.stderr
