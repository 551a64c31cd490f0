"""File lifecycle handlers."""

from __future__ import annotations

from pathlib import Path

from bot.listeners.events.file_change import handle_file_change
from bot.listeners.events.file_deleted import handle_file_deleted
from bot.listeners.events.file_shared import handle_file_shared
from bot.listeners.events.file_unshared import handle_file_unshared
from rag.models import DocumentInfo
from tests.bot.fixtures import mock_deps, response, slack_error


def test_file_shared_queues_one_ingestion(tmp_path: Path) -> None:
    deps = mock_deps(tmp_path)
    handle_file_shared({"file_id": "F1", "channel_id": "C1", "user_id": "U1"}, deps)
    deps.state.claim.assert_called_once_with("file:F1:C1")
    deps.jobs.ingest_file.assert_called_once_with("F1", "C1", user="U1", thread_ts=None)
    deps.state.claim.return_value = False
    handle_file_shared({"file_id": "F1", "channel_id": "C1"}, deps)
    assert deps.jobs.ingest_file.call_count == 1


def test_malformed_file_event_is_ignored(tmp_path: Path) -> None:
    deps = mock_deps(tmp_path)
    handle_file_shared({"channel_id": "C1"}, deps)
    handle_file_deleted({}, deps)
    deps.jobs.ingest_file.assert_not_called()
    deps.kb.forget.assert_not_called()


def test_file_deleted_forgets(tmp_path: Path) -> None:
    deps = mock_deps(tmp_path)
    handle_file_deleted({"file_id": "F1"}, deps)
    deps.kb.forget.assert_called_once_with("F1")


def test_file_unshared_removes_that_scope(tmp_path: Path) -> None:
    deps = mock_deps(tmp_path)
    deps.kb.remove_scope.return_value = ("C2",)
    handle_file_unshared({"file_id": "F1", "channel_id": "C1"}, deps)
    deps.kb.remove_scope.assert_called_once_with("F1", "C1")
    deps.state.release.assert_called_once_with("file:F1:C1")


def test_file_unshared_without_channel_asks_files_info(tmp_path: Path) -> None:
    deps = mock_deps(tmp_path)
    deps.kb.document.return_value = DocumentInfo(
        "F1", "a.pdf", None, "F1", ("C1", "C2", "global"), 1, 1, 0, "h", None
    )
    deps.kb.remove_scope.return_value = ("C2",)
    deps.client.files_info.return_value = response(
        {"file": {"id": "F1", "name": "a.pdf", "channels": ["C2"], "groups": [], "ims": []}}
    )
    handle_file_unshared({"file_id": "F1", "file": {"id": "F1"}}, deps)
    deps.kb.remove_scope.assert_called_once_with("F1", "C1")
    deps.state.release.assert_called_once_with("file:F1:C1")


def test_file_unshared_everywhere_the_bot_can_see(tmp_path: Path) -> None:
    deps = mock_deps(tmp_path)
    deps.kb.document.return_value = DocumentInfo(
        "F1", "a.pdf", None, "F1", ("C1", "C2"), 1, 1, 0, "h", None
    )
    deps.kb.remove_scope.return_value = ()
    deps.client.files_info.side_effect = slack_error("file_not_found")
    handle_file_unshared({"file_id": "F1"}, deps)
    assert [c.args for c in deps.kb.remove_scope.call_args_list] == [("F1", "C1"), ("F1", "C2")]


def test_file_change_reingests_known_files_only(tmp_path: Path) -> None:
    deps = mock_deps(tmp_path)
    deps.kb.document.return_value = None
    handle_file_change({"file_id": "F1"}, deps)
    deps.jobs.ingest_file.assert_not_called()
    deps.kb.document.return_value = object()
    handle_file_change({"file_id": "F1"}, deps)
    deps.jobs.ingest_file.assert_called_once_with("F1", None, force=True)
