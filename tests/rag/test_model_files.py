"""``ragbot models download`` and how ``auto`` finds the models it fetched, tested offline."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from docling.datamodel.settings import settings as docling_settings

from rag import cli, model_files
from rag.convert import resolve_pdf_pipeline
from tests.conftest import REPO_ROOT


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_download_fails_in_one_line_when_the_network_is_unreachable(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "0",
        "HF_ENDPOINT": f"http://127.0.0.1:{closed_port()}",  # connection refused
        "HF_HOME": str(tmp_path / "hf"),
        "DOCLING_CACHE_DIR": str(tmp_path / "docling"),
        "PYTHONPATH": str(REPO_ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "models", "download", "-q"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=240,
    )

    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: I could not download the models: the model hub can't be")


def test_download_is_refused_while_downloads_are_switched_off(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    code = cli.main(["models", "download"])

    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.strip() == (
        "error: Downloads are switched off (HF_HUB_OFFLINE=1); unset it and try again."
    )


def test_auto_finds_the_layout_model_where_the_download_puts_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(docling_settings, "cache_dir", tmp_path)
    monkeypatch.setattr(docling_settings, "artifacts_path", None)
    assert model_files.downloaded_layout_model() is None

    layout = tmp_path / "models" / "docling-project--docling-layout-heron"
    layout.mkdir(parents=True)
    (layout / "model.safetensors").write_bytes(b"weights")

    assert model_files.downloaded_layout_model() == layout
    assert model_files.layout_model_available()
    packages = model_files.standard_pipeline_packages_installed()
    assert resolve_pdf_pipeline("auto") == ("standard" if packages else "native")


def test_hub_models_are_the_ones_that_do_not_ship_in_a_wheel() -> None:
    from rag.settings import Settings

    default = Settings(_env_file=None, embedding_model="local:all-MiniLM-L6-v2")  # type: ignore[call-arg]
    other = Settings(
        _env_file=None,  # type: ignore[call-arg]
        embedding_model="local:BAAI/bge-small-en-v1.5",
        reranker="cross-encoder",
    )

    assert model_files.hub_models(default) == []
    assert model_files.hub_models(other) == [
        "BAAI/bge-small-en-v1.5",
        other.cross_encoder_model,
    ]
