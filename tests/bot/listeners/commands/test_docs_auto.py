"""Channel control: ``/docs auto on|off``, files ragbot can't read, failures told privately."""

from __future__ import annotations

from pathlib import Path
from unittest.mock import Mock
from urllib.parse import parse_qsl

import pytest
from slack_bolt import Ack, BoltContext, Respond

from bot.listeners.commands.docs import handle_docs
from bot.listeners.events.app_mention import handle_app_mention
from bot.listeners.events.file_shared import handle_file_shared
from bot.listeners.events.message import handle_message
from bot.state import StateStore
from rag.convert import Converter
from rag.database import make_engine
from rag.models import DocumentInfo
from rag.settings import Settings
from tests.bot.fixtures import mock_deps
from tests.bot.harness import SAMPLES, Bot, block_text
from tests.fakes.slack_requests import app_mention_event, message_event, slash_command_body

CONTEXT = BoltContext({"bot_user_id": "UBOT"})
FILE = {"id": "F1", "name": "specs.pdf"}


def _docs(text: str) -> dict[str, str]:
    return dict(parse_qsl(slash_command_body("/docs", text), keep_blank_values=True))


def test_auto_is_on_by_default_and_set_per_conversation(tmp_path: Path) -> None:
    state = StateStore(make_engine(f"sqlite:///{tmp_path / 'bot.db'}"))
    assert state.auto_read("C1")
    assert state.auto_read("C2")
    state.set_auto_read("C1", False, "U1")
    assert not state.auto_read("C1")
    assert state.auto_read("C2")
    state.set_auto_read("C1", True, "U2")
    assert state.auto_read("C1")


@pytest.mark.parametrize(
    ("text", "says"),
    [("auto off", "won't read"), ("auto on", "read every file"), ("auto", "*on* here")],
)
def test_docs_auto_replies_privately(tmp_path: Path, text: str, says: str) -> None:
    deps, respond = mock_deps(tmp_path), Mock(Respond)
    handle_docs(Mock(Ack), _docs(text), respond, deps.client, deps)
    assert says in respond.call_args.kwargs["text"]
    assert respond.call_args.kwargs["response_type"] == "ephemeral"
    if text != "auto":
        deps.state.set_auto_read.assert_called_once_with("C1", text == "auto on", "U1")


def test_with_auto_off_shared_files_wait_for_a_mention(tmp_path: Path) -> None:
    deps = mock_deps(tmp_path)
    deps.state.auto_read.return_value = False
    handle_file_shared({"file_id": "F1", "channel_id": "C1", "user_id": "U1"}, deps)
    share = message_event("here it is", subtype="file_share", files=[FILE])
    handle_message(share, deps.client, CONTEXT, deps)
    deps.jobs.ingest_file.assert_not_called()

    mentioned = message_event("<@UBOT> read this", subtype="file_share", files=[FILE])
    # read by the time the question is answered
    deps.kb.document.return_value = DocumentInfo(
        "F1", "specs.pdf", None, "F1", ("C1",), 1, 2, 0, "h", None
    )
    handle_message(mentioned, deps.client, CONTEXT, deps)
    deps.jobs.ingest_file.assert_called_once()
    assert deps.jobs.ingest_file.call_args.args == ("F1", "C1")


def test_a_mention_with_only_unreadable_files_says_why_once(tmp_path: Path) -> None:
    deps = mock_deps(tmp_path)
    deps.kb.converter = Converter(Settings(_env_file=None, pdf_pipeline="native"))  # type: ignore[call-arg]
    files = [{"id": "F1", "name": "tool.exe"}, {"id": "F2", "name": "scan.png"}, FILE]
    handle_app_mention(app_mention_event("<@UBOT>", files=files), deps.client, CONTEXT, deps)
    told = [c.kwargs["text"] for c in deps.client.chat_postMessage.call_args_list]
    assert len(told) == 2
    assert "tool.exe" in told[0]
    assert "can't read .exe" in told[0]
    assert "scan.png" in told[1]
    assert "OCR" in told[1]
    claimed = [c.args[0] for c in deps.state.claim.call_args_list]
    assert "unreadable:F1:C1" in claimed
    assert "unreadable:F2:C1" in claimed


@pytest.mark.slow
def test_auto_off_through_slack_a_mention_still_reads_and_answers(running_bot: Bot) -> None:
    bot, slack = running_bot, running_bot.slack
    assert "won't read" in bot.command("/docs", "auto off", channel="C6")["text"]
    assert not bot.deps.state.auto_read("C6")
    text = "<@UBOT> How many vacation days do we get?"
    file_id = bot.share_file(SAMPLES / "handbook.md", "C6", text=text)
    share_ts = next(m["ts"] for m in slack.messages_in("C6") if m.get("files"))
    mention = app_mention_event(
        text, channel="C6", ts=share_ts, files=[slack.message_file(file_id)]
    )
    assert bot.send_event(mention) == 200
    answer = bot.wait_message(
        "C6", lambda m: "[1]" in m.get("text", "") and m.get("thread_ts") == share_ts
    )
    assert "handbook.md" in block_text(answer)  # a cited source: the file was read
    assert "*off* here" in bot.command("/docs", "auto", channel="C6")["text"]
