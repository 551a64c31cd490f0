"""Who sees what: Slack Connect channels and global documents."""

from __future__ import annotations

from pathlib import Path

from slack_sdk import WebClient

from bot.access import search_scopes
from rag.models import NO_GLOBAL_SCOPE
from tests.bot.fixtures import mock_deps
from tests.fakes.slack_server import FakeSlack


def test_slack_connect_channels_leave_global_documents_out(
    slack: FakeSlack, tmp_path: Path
) -> None:
    deps = mock_deps(tmp_path)
    web = WebClient(token="xoxb-test", base_url=slack.base_url)
    slack.channels["C9"] = {"is_ext_shared": True, "is_shared": True}
    assert search_scopes(deps, web, "C1") == ["C1"]
    assert search_scopes(deps, web, "C9") == ["C9", NO_GLOBAL_SCOPE]
    assert search_scopes(deps, web, "C9") == ["C9", NO_GLOBAL_SCOPE]
    assert len(slack.calls_to("conversations.info")) == 2  # one per channel: cached
    deps.settings.global_docs_in_shared_channels = True
    assert search_scopes(deps, web, "C9") == ["C9"]
