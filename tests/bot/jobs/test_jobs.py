"""Ingestion and reconcile jobs with spec'd mocks (no download for files refused up front)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.blocks.ingest import progress_text
from bot.jobs.files import ingest_file
from bot.jobs.reconcile import reconcile
from bot.jobs.urls import clean_url
from rag.convert import Converter
from rag.fetch import file_name_for, url_doc_id
from rag.models import DocumentInfo
from rag.settings import Settings
from tests.bot.fixtures import mock_deps, slack_error


def file_info(name: str, size: int = 10) -> dict[str, object]:
    return {
        "file": {
            "id": "F1",
            "name": name,
            "size": size,
            "url_private_download": "http://127.0.0.1:9/nowhere",
            "shares": {"public": {"C1": [{"ts": "5.0"}]}},
        }
    }


def real_converter() -> Converter:
    return Converter(Settings(_env_file=None, pdf_pipeline="native"))  # type: ignore[call-arg]


@pytest.mark.parametrize("name", ["tool.exe", "photo.png"])
def test_files_ragbot_does_not_read_are_ignored_without_a_word(tmp_path: Path, name: str) -> None:
    deps = mock_deps(tmp_path)
    deps.kb.document.return_value = None
    deps.kb.converter = real_converter()  # no OCR: images are not read
    deps.client.files_info.return_value = file_info(name)
    ingest_file(deps, "F1", "C1", user="U1")
    deps.client.chat_postMessage.assert_not_called()
    deps.client.chat_postEphemeral.assert_not_called()
    deps.kb.ingest_bytes.assert_not_called()
    reason = deps.state.note_file_failure.call_args.args[2]  # a question waiting on it says why
    assert ("can't read .exe" if name == "tool.exe" else "OCR") in reason


def test_legacy_office_file_without_libreoffice_is_ignored_and_why_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DOCLING_LIBREOFFICE_CMD", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice here
    deps = mock_deps(tmp_path)
    deps.kb.document.return_value = None
    deps.kb.converter = real_converter()
    deps.client.files_info.return_value = file_info("minutes.doc")
    ingest_file(deps, "F1", "C1", user="U1")
    deps.client.chat_postMessage.assert_not_called()
    deps.client.chat_postEphemeral.assert_not_called()
    reason = deps.state.note_file_failure.call_args.args[2]  # for a mention or a question
    assert "need LibreOffice" in reason
    assert ".docx" in reason
    deps.kb.ingest_bytes.assert_not_called()


def test_too_large_is_refused_before_download_and_told_to_the_sharer(tmp_path: Path) -> None:
    deps = mock_deps(tmp_path)
    deps.kb.converter = Converter(
        Settings(_env_file=None, data_dir=tmp_path, max_file_mb=5, pdf_pipeline="native")
    )
    deps.kb.document.return_value = None
    deps.client.files_info.return_value = file_info("big.pdf", size=6 * 1024 * 1024)
    ingest_file(deps, "F1", "C1", user="U1")
    told = deps.client.chat_postEphemeral.call_args.kwargs
    assert (told["channel"], told["user"], told["thread_ts"]) == ("C1", "U1", "5.0")
    assert "This file is 6.0 MB; I read files up to 5 MB." in told["text"]
    deps.client.chat_postMessage.assert_not_called()
    deps.kb.ingest_bytes.assert_not_called()


def test_a_file_at_the_size_limit_is_read(tmp_path: Path) -> None:
    deps = mock_deps(tmp_path)
    deps.kb.converter = Converter(
        Settings(_env_file=None, data_dir=tmp_path, max_file_mb=5, pdf_pipeline="native")
    )
    deps.kb.document.return_value = None
    deps.client.files_info.return_value = file_info("big.pdf", size=5 * 1024 * 1024)
    ingest_file(deps, "F1", "C1")
    first = deps.client.chat_postMessage.call_args_list[0].kwargs["text"]
    assert first == progress_text("big.pdf")  # past the size check, on to the download
    assert "up to 5 MB" not in str(deps.client.chat_postMessage.call_args_list)


def test_gone_file_is_skipped_on_change(tmp_path: Path) -> None:
    deps = mock_deps(tmp_path)
    deps.client.files_info.side_effect = slack_error("file_not_found")
    ingest_file(deps, "F1", None, force=True)
    deps.client.chat_postMessage.assert_not_called()
    deps.client.chat_postEphemeral.assert_not_called()


def test_a_share_slack_will_not_open_is_explained_and_can_be_retried(tmp_path: Path) -> None:
    deps = mock_deps(tmp_path)
    deps.kb.document.return_value = None
    deps.client.files_info.side_effect = slack_error("file_not_found")
    ingest_file(deps, "F1", "C1", user="U1")
    told = deps.client.chat_postEphemeral.call_args.kwargs
    assert (told["channel"], told["user"]) == ("C1", "U1")
    assert "Slack Connect" in told["text"]
    deps.state.release.assert_called_once_with("file:F1:C1")


@pytest.mark.parametrize("error", ["internal_error", "ratelimited", "fatal_error"])
def test_a_failed_lookup_is_told_to_the_sharer_and_can_be_retried(
    tmp_path: Path, error: str
) -> None:
    deps = mock_deps(tmp_path)
    deps.client.files_info.side_effect = slack_error(error)
    ingest_file(deps, "F1", "C1", user="U1", thread_ts="5.0")
    told = deps.client.chat_postEphemeral.call_args.kwargs
    assert (told["channel"], told["user"], told["thread_ts"]) == ("C1", "U1", "5.0")
    assert "Share it again" in told["text"]
    deps.client.chat_postMessage.assert_not_called()
    deps.state.release.assert_called_once_with("file:F1:C1")


def test_reshared_file_adds_scope_without_download(tmp_path: Path) -> None:
    deps = mock_deps(tmp_path)
    deps.kb.document.return_value = DocumentInfo(
        "F1", "a.pdf", None, "F1", ("C9",), 1, 1, 0, "h", None
    )
    deps.client.files_info.return_value = file_info("a.pdf")
    ingest_file(deps, "F1", "C1")
    deps.kb.add_scopes.assert_called_once_with("F1", ["C1", "C9"])
    deps.kb.ingest_bytes.assert_not_called()


def test_reconcile_forgets_deleted_slack_files_only(tmp_path: Path) -> None:
    deps = mock_deps(tmp_path)
    docs = [
        DocumentInfo(i, i, None, origin, ("C1",), 1, 1, 0, "h", None)
        for i, origin in (("F1", "F1"), ("F2", "F2"), ("url:x", "https://x"))
    ]
    deps.kb.documents.return_value = docs
    deps.client.files_info.side_effect = [slack_error("file_not_found"), file_info("b.pdf")]
    assert reconcile(deps) == ["F1"]
    deps.kb.forget.assert_called_once_with("F1")
    assert deps.client.files_info.call_count == 2
    deps.kb.remove_orphan_chunks.assert_called_once_with()


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("<https://a.example/x|a.example/x>", "https://a.example/x"),
        ("https://a.example", "https://a.example"),
        ("javascript:alert(1)", None),
        ("", None),
    ],
)
def test_clean_url(text: str, url: str | None) -> None:
    assert clean_url(text) == url


def test_url_names_and_ids() -> None:
    assert file_name_for("https://a.example/docs/guide.pdf", "application/pdf") == "guide.pdf"
    assert file_name_for("https://a.example/", "text/html; charset=utf-8") == "a.example.html"
    assert url_doc_id("https://a") == url_doc_id("https://a") != url_doc_id("https://b")
