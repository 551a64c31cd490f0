"""/docs and /ask handlers with spec'd mocks."""

from __future__ import annotations

import logging
from pathlib import Path
from unittest.mock import Mock
from urllib.parse import parse_qsl

import pytest
from slack_bolt import Ack, Respond

from bot.listeners.commands.ask import USAGE, handle_ask
from bot.listeners.commands.docs import handle_docs
from rag.errors import ModelUnavailableError
from rag.models import Answer, DocumentInfo
from tests.bot.fixtures import citation, mock_deps, response, slack_error
from tests.fakes.slack_requests import slash_command_body


def body(command: str, text: str, channel: str = "C1") -> dict[str, str]:
    return dict(
        parse_qsl(slash_command_body(command, text, channel_id=channel), keep_blank_values=True)
    )


def doc(doc_id: str, name: str, scopes: tuple[str, ...] = ("C1",)) -> DocumentInfo:
    return DocumentInfo(doc_id, name, None, doc_id, scopes, 1, 2, 0, "h", None)


def test_docs_lists_this_conversation(tmp_path: Path) -> None:
    deps, ack, respond = mock_deps(tmp_path), Mock(Ack), Mock(Respond)
    deps.kb.documents.return_value = [doc("F1", "specs.pdf")]
    handle_docs(ack, body("/docs", ""), respond, deps.client, deps)
    assert ack.call_args == ((), {}), "acknowledged before any work, with nothing to say"
    deps.kb.documents.assert_called_once_with(scopes=["C1"])
    assert "specs.pdf" in str(respond.call_args.kwargs["blocks"])


def test_docs_forget_removes_this_scope_only(tmp_path: Path) -> None:
    deps, ack, respond = mock_deps(tmp_path), Mock(Ack), Mock(Respond)
    deps.kb.documents.return_value = [doc("F1", "specs.pdf", ("C1", "C2")), doc("F2", "x.md")]
    deps.kb.remove_scope.return_value = ("C2",)
    deps.client.files_info.return_value = response({"file": {"id": "F1", "user": "U1"}})
    handle_docs(ack, body("/docs", "forget SPECS.pdf"), respond, deps.client, deps)
    deps.kb.remove_scope.assert_called_once_with("F1", "C1")
    assert "forgot *specs.pdf*" in respond.call_args.kwargs["text"]


@pytest.mark.parametrize(
    ("role", "setting", "allowed"),
    [
        ({}, False, False),
        ({"is_admin": True}, False, True),
        ({"is_owner": True}, False, True),
        ({}, True, True),
    ],
)
def test_docs_forget_is_for_the_sharer_and_admins(
    tmp_path: Path, role: dict[str, bool], setting: bool, allowed: bool
) -> None:
    deps, ack, respond = mock_deps(tmp_path), Mock(Ack), Mock(Respond)
    deps.settings.docs_forget_anyone = setting
    deps.kb.documents.return_value = [doc("F1", "specs.pdf")]
    deps.kb.remove_scope.return_value = ()
    deps.client.files_info.return_value = response({"file": {"id": "F1", "user": "U7"}})
    deps.client.users_info.return_value = response({"user": {"id": "U1", **role}})
    handle_docs(ack, body("/docs", "forget specs.pdf"), respond, deps.client, deps)
    assert deps.kb.remove_scope.called is allowed
    text = respond.call_args.kwargs["text"]
    assert ("Only the person who shared" in text) is not allowed
    assert respond.call_args.kwargs["response_type"] == "ephemeral"


def test_docs_forget_unknown_and_global_documents(tmp_path: Path) -> None:
    deps, ack, respond = mock_deps(tmp_path), Mock(Ack), Mock(Respond)
    deps.kb.documents.return_value = [doc("G", "policy.pdf", ("global",))]
    handle_docs(ack, body("/docs", "forget policy.pdf"), respond, deps.client, deps)
    deps.kb.remove_scope.assert_not_called()
    assert "no document named" in respond.call_args.kwargs["text"]


def test_docs_add_validates_and_queues(tmp_path: Path) -> None:
    deps, ack, respond = mock_deps(tmp_path), Mock(Ack), Mock(Respond)
    handle_docs(ack, body("/docs", "add ftp://nope"), respond, deps.client, deps)
    deps.jobs.fetch_url.assert_not_called()
    handle_docs(
        ack,
        body("/docs", "add <https://example.com/guide|example.com/guide>"),
        respond,
        deps.client,
        deps,
    )
    args = deps.jobs.fetch_url.call_args.args
    assert args[1:4] == ("https://example.com/guide", "C1", "U1")
    assert args[0].startswith("url:")


def test_docs_reindex_and_help(tmp_path: Path) -> None:
    deps, ack, respond = mock_deps(tmp_path), Mock(Ack), Mock(Respond)
    deps.kb.documents.return_value = [doc("F1", "specs.pdf")]
    handle_docs(ack, body("/docs", "reindex"), respond, deps.client, deps)
    deps.jobs.ingest_file.assert_called_once_with("F1", "C1", force=True)
    handle_docs(ack, body("/docs", "what"), respond, deps.client, deps)
    assert "/docs add" in str(respond.call_args.kwargs["blocks"])


def test_ask_posts_ephemeral_answer_with_share_button(tmp_path: Path) -> None:
    deps, ack = mock_deps(tmp_path), Mock(Ack)
    deps.kb.ask.return_value = Answer(
        "q", "It is 1,200 kg [1].", "generated", [citation()], [citation()]
    )
    deps.client.conversations_info.return_value = response({"channel": {"is_member": True}})
    respond = Mock(Respond)
    handle_ask(ack, body("/ask", "how heavy?", channel="C3"), respond, deps.client, deps)
    assert ack.call_count == 1
    deps.kb.ask.assert_called_once_with("how heavy?", scopes=["C3"])
    posted = respond.call_args.kwargs
    assert posted["response_type"] == "ephemeral"
    assert "ragbot_share_answer" in str(posted["blocks"])
    assert "not a member" not in str(posted["blocks"])
    deps.client.chat_postEphemeral.assert_not_called()


def test_ask_where_the_bot_is_not_a_member_says_how_to_add_it(tmp_path: Path) -> None:
    deps, ack, respond = mock_deps(tmp_path), Mock(Ack), Mock(Respond)
    deps.kb.ask.return_value = Answer("q", "Nothing.", "no_results", [], [])
    deps.client.conversations_info.side_effect = slack_error("channel_not_found")
    handle_ask(ack, body("/ask", "how heavy?", channel="D9"), respond, deps.client, deps)
    assert "/invite @ragbot" in str(respond.call_args.kwargs["blocks"])


def test_ask_without_question_shows_usage(tmp_path: Path) -> None:
    deps, ack = mock_deps(tmp_path), Mock(Ack)
    handle_ask(ack, body("/ask", ""), Mock(Respond), deps.client, deps)
    assert ack.call_args.kwargs == {"text": USAGE}
    deps.kb.ask.assert_not_called()


def test_ask_model_failure_is_a_clear_message(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    deps, ack = mock_deps(tmp_path), Mock(Ack)
    deps.kb.ask.side_effect = ModelUnavailableError("upstream 503 body")
    caplog.set_level(logging.INFO)
    respond = Mock(Respond)
    handle_ask(ack, body("/ask", "top secret question"), respond, deps.client, deps)
    text = respond.call_args.kwargs["text"]
    assert text == f":warning: {ModelUnavailableError.user_message}"
    assert "top secret question" not in caplog.text
    assert "503 body" not in caplog.text


@pytest.mark.parametrize(
    ("command", "text"), [("/ask", "how heavy?"), ("/docs", ""), ("/docs", "forget x")]
)
def test_commands_ack_before_any_database_or_index_work(
    tmp_path: Path, command: str, text: str
) -> None:
    deps, ack, respond = mock_deps(tmp_path), Mock(Ack), Mock(Respond)
    order: list[str] = []
    ack.side_effect = lambda *a, **k: order.append("ack")
    deps.kb.ask.side_effect = lambda *a, **k: (
        order.append("kb") or Answer("q", "x", "no_results", [], [])
    )
    deps.kb.documents.side_effect = lambda *a, **k: order.append("kb") or []
    deps.client.conversations_info.return_value = response({"channel": {"is_member": True}})
    if command == "/ask":
        handle_ask(ack, body(command, text), respond, deps.client, deps)
    else:
        handle_docs(ack, body(command, text), respond, deps.client, deps)
    assert order[:2] == ["ack", "kb"]
    assert respond.called
