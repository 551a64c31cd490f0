"""When an un-mentioned message is meant for the bot (pure rules, then Slack threads)."""

from __future__ import annotations

from pathlib import Path

import pytest
from slack_sdk import WebClient

from bot.answering import Question, thread_history
from bot.conversation import (
    Reply,
    follow_up_mode,
    is_acknowledgement,
    looks_like_question,
    thread_askers,
)
from tests.bot.fixtures import mock_deps
from tests.fakes.slack_server import BOT_ID, BOT_USER_ID, FakeSlack


@pytest.mark.parametrize(
    "text", ["thanks", "Thanks!", "ok", "ok 👍", ":+1:", "", "got it, thank you", "👍🙏"]
)
def test_acknowledgements(text: str) -> None:
    assert is_acknowledgement(text)


@pytest.mark.parametrize(
    "text", ["thanks, and for contractors?", "ok so what about laptops", "Summarise it please"]
)
def test_not_acknowledgements(text: str) -> None:
    assert not is_acknowledgement(text)


def test_questions() -> None:
    assert looks_like_question("and for contractors?")
    assert looks_like_question("How long is the warranty")
    assert not looks_like_question("I think it is two years")


def test_follow_up_rules() -> None:
    askers = {"U1"}
    assert follow_up_mode("and for contractors?", "x", "U1", askers, "UBOT") is Reply.ALWAYS
    assert follow_up_mode("and contractors too", "x", "U1", askers, "UBOT") is Reply.IF_FOUND
    assert follow_up_mode("thanks!", "thanks!", "U1", askers, "UBOT") is None
    assert follow_up_mode("@ada can you check?", "<@U2> can you check?", "U1", askers, "UBOT") is (
        None
    )
    assert follow_up_mode("I agree with that", "x", "U3", askers, "UBOT") is None
    assert follow_up_mode("what about laptops?", "x", "U3", askers, "UBOT") is Reply.ALWAYS


def _web(slack: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=slack.base_url)


def test_askers_are_who_started_the_thread_and_who_mentioned_the_bot(slack: FakeSlack) -> None:
    parent = slack.add_message("C1", None, "U1", "our handbook")
    slack.add_message("C1", None, "U2", "nice", thread_ts=parent)
    slack.add_message("C1", None, "U3", f"<@{BOT_USER_ID}> what is it?", thread_ts=parent)
    slack.add_message("C1", None, BOT_USER_ID, "It is… [1]", thread_ts=parent, bot_id=BOT_ID)
    assert thread_askers(_web(slack), "C1", parent, BOT_USER_ID) == {"U1", "U3"}


def test_history_is_the_latest_turns_with_names(slack: FakeSlack, tmp_path: Path) -> None:
    deps = mock_deps(tmp_path)
    slack.users["U2"] = {"profile": {"display_name": "ada"}}
    parent = slack.add_message("C1", None, "U1", "turn 0")
    for n in range(1, 250):
        slack.add_message("C1", None, "U1", f"turn {n} for <@U2> &amp; co", thread_ts=parent)
    question_ts = slack.add_message("C1", None, "U1", "latest?", thread_ts=parent)
    question = Question("C1", parent, question_ts, "latest?", "U1")
    turns = thread_history(deps, _web(slack), question, BOT_USER_ID, limit=20)
    assert len(turns) == 20
    assert turns[-1].text == "turn 249 for @ada & co"
    assert turns[0].text == "turn 230 for @ada & co"
    assert len(slack.calls_to("conversations.replies")) == 2  # two pages of 200
    assert len(slack.calls_to("users.info")) == 1  # names are cached
