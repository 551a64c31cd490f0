"""The App Home tab through Bolt: app_home_opened → views.publish on the strict stand-in."""

from __future__ import annotations

import json
import time
from pathlib import Path
from unittest.mock import Mock

import pytest
from slack_sdk import WebClient

from bot.constants import HOME_NEXT_PAGE
from bot.listeners.events.app_home_opened import handle_app_home_opened
from tests.bot.fixtures import mock_deps
from tests.bot.harness import SECRET, Bot
from tests.fakes.slack_requests import FORM, home_action_body, post_to_app


def home_opened(user: str = "U1", tab: str = "home") -> dict[str, object]:
    return {
        "type": "app_home_opened",
        "user": user,
        "channel": "D1",
        "tab": tab,
        "event_ts": "1700000001.000100",
    }


def share(bot: Bot, name: str, channel: str, user: str = "U1") -> None:
    content = f"# {name}\n\n## Overview\n\nThis is {name}, shared for the test.\n".encode()
    bot.share_file(Path(name), channel, content=content, filetype="md", user=user)
    bot.wait_receipt(channel, name)


@pytest.mark.slow
def test_home_lists_the_viewers_documents_and_failures_a_page_at_a_time(
    running_bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot, slack = running_bot, running_bot.slack
    monkeypatch.setattr("bot.home.PAGE_SIZE", 2)  # three documents make two pages
    monkeypatch.setattr("bot.blocks.home.PAGE_SIZE", 2)
    slack.channels["G1"] = {"is_private": True, "members": ["U1", "UBOT"]}
    slack.channels["C2"] = {"members": ["U2", "UBOT"]}  # the viewer is not in it
    share(bot, "travel-policy.md", "C1")
    share(bot, "board-notes.md", "G1")
    share(bot, "roadmap.md", "C1")
    share(bot, "secret-plan.md", "C2", user="U2")
    scan = bot.share_file(Path("scan.xyz"), "C1", content=b"??", filetype="xyz")
    deadline = time.monotonic() + 60  # ignored in the channel; the reason is kept for Home
    while bot.deps.state.file_failure(scan, "C1") is None:
        assert time.monotonic() < deadline, "scan.xyz was never looked at"
        time.sleep(0.05)

    assert bot.send_event(home_opened()) == 200
    first = slack.wait_for("views.publish")[0]

    assert first.params["user_id"] == "U1"
    page_one = json.dumps(slack.home_views["U1"]["blocks"], ensure_ascii=False)
    assert "roadmap.md" in page_one  # newest first
    assert "board-notes.md" in page_one
    assert "travel-policy.md" not in page_one  # on page 2
    assert "secret-plan.md" not in page_one
    assert "shared by <@U1>" in page_one
    assert "in <#G1>" in page_one
    assert "Showing 1–2 (page 1 of 2)" in page_one
    assert "*Could not be read*" in page_one
    assert "scan.xyz" in page_one

    click = home_action_body(HOME_NEXT_PAGE, "2", slack.home_views["U1"])
    assert post_to_app(bot.url, click, FORM, SECRET)[0] == 200
    slack.wait_for("views.publish", 2)

    page_two = json.dumps(slack.home_views["U1"]["blocks"], ensure_ascii=False)
    assert "travel-policy.md" in page_two
    assert "roadmap.md" not in page_two
    assert "Showing 3–3 (page 2 of 2)" in page_two
    assert json.loads(slack.home_views["U1"]["private_metadata"]) == {"dm": "D1", "page": 2}


def test_the_messages_tab_publishes_nothing(tmp_path: Path) -> None:
    deps = mock_deps(tmp_path)
    client = Mock(WebClient)

    handle_app_home_opened(home_opened(tab="messages"), client, deps)

    client.views_publish.assert_not_called()
    deps.kb.documents.assert_not_called()
