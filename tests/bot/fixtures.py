"""Spec'd mocks for handler unit tests: a Deps whose parts are Mock(spec=...)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest.mock import Mock

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web.slack_response import SlackResponse

from bot.deps import Deps
from bot.jobs.queue import JobQueue
from bot.settings import BotSettings
from bot.state import StateStore
from rag.answer import AnswerStream
from rag.convert import Converter
from rag.knowledge_base import KnowledgeBase
from rag.models import Citation


def mock_deps(tmp_path: Path) -> Deps:
    kb = Mock(spec=KnowledgeBase)
    kb.converter = Mock(spec=Converter)
    state = Mock(spec=StateStore)
    state.claim.return_value = True
    state.is_answered_thread.return_value = False
    state.save_answer.return_value = "A1"
    state.auto_read.return_value = True  # /docs auto: on unless a test turns it off
    state.answer_to.return_value = None  # no earlier answer to an edited/deleted message
    client = Mock(spec=WebClient)
    # an ordinary channel the bot is in, and an ordinary member who shared nothing
    client.conversations_info.return_value = response(
        {"channel": {"is_member": True, "is_ext_shared": False}}
    )
    client.users_info.return_value = response({"user": {"id": "U1", "name": "u1"}})
    return Deps(
        kb=kb,
        settings=BotSettings(_env_file=None, data_dir=tmp_path, stream_update_s=0.01),  # type: ignore[call-arg]
        state=state,
        jobs=Mock(spec=JobQueue),
        client=client,
    )


def citation(n: int = 1, source: str = "specs.pdf") -> Citation:
    return Citation(n, "F1", "F1#0", source, "https://x/F1", (2,), "lifts 1,200 kg", 0.8)


def stream(*deltas: str, kind: str = "generated") -> AnswerStream:
    return AnswerStream("q", kind, [citation()], iter(deltas))  # type: ignore[arg-type]


def slack_error(error: str) -> SlackApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="x",
        req_args={},
        data={"ok": False, "error": error},
        headers={},
        status_code=200,
    )
    return SlackApiError(error, response)


def response(data: dict[str, Any]) -> Mock:
    result = Mock()
    result.get.side_effect = data.get
    result.__getitem__ = Mock(side_effect=data.__getitem__)
    return result
