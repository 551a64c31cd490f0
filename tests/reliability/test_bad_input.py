"""Bad input: every hostile file gets one clear sentence, the index stays as it was, and the bot
keeps answering. Checked in the library (fast) and through Slack end to end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.embeddings import Embedder
from rag.errors import IngestError
from rag.knowledge_base import KnowledgeBase
from rag.models import SourceInfo
from rag.settings import Settings
from tests.bot.harness import Bot, block_text, new_file_id
from tests.reliability.badfiles import MAX_PAGES, SAMPLES, bad_files, junk_html
from tests.reliability.conftest import MakeBot

HANDBOOK_Q = "How many vacation days do we get?"


@pytest.fixture
def strict_kb(tmp_path: Path, embedder: Embedder) -> Iterator[KnowledgeBase]:
    """A knowledge base without OCR, a small page limit and one document already in it."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=tmp_path / "data", pdf_pipeline="native", max_pages=MAX_PAGES
    )
    kb = KnowledgeBase(settings, embedder=embedder)
    kb.ingest_path(SAMPLES / "handbook.md", scopes=["C1"])
    yield kb
    kb.close()


def snapshot(kb: KnowledgeBase) -> tuple[int, list[tuple[str, str | None]]]:
    return kb.store.count(), [(d.doc_id, d.content_hash) for d in kb.documents()]


def test_each_bad_file_is_refused_with_its_reason_and_the_index_is_unchanged(
    strict_kb: KnowledgeBase,
) -> None:
    before = snapshot(strict_kb)
    assert before[0] > 0
    for bad in bad_files():
        with pytest.raises(IngestError) as caught:
            strict_kb.ingest_bytes(
                bad.content, SourceInfo(bad.name), doc_id=f"F-{bad.name}", scopes=["C1"]
            )
        message = caught.value.user_message
        assert bad.says in message, (bad.name, message)
        assert "Traceback" not in message
        assert snapshot(strict_kb) == before, bad.name
    hits = strict_kb.search(HANDBOOK_Q, ["C1"])
    assert hits
    assert hits[0].source == "handbook.md"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("menu-cp1252.txt", "Our café serves crème brûlée on Fridays.".encode("cp1252")),
        ("menu-latin1.md", "# Café\n\nOur café serves crème brûlée on Fridays.".encode("latin-1")),
        ("menu-utf16.txt", "Our café serves crème brûlée on Fridays.".encode("utf-16")),
    ],
)
def test_non_utf8_text_is_read_with_its_accents(
    strict_kb: KnowledgeBase, name: str, data: bytes
) -> None:
    receipt = strict_kb.ingest_bytes(data, SourceInfo(name), doc_id=name, scopes=["C1"])
    assert receipt.chunks == 1
    hits = strict_kb.search("What does the café serve on Fridays?", ["C1"])
    assert any("crème brûlée" in h.text for h in hits if h.source == name)


def test_html_with_10_mb_of_scripts_keeps_only_its_visible_text(
    strict_kb: KnowledgeBase,
) -> None:
    page = junk_html("Turbine inspections happen every ninety days.")
    receipt = strict_kb.ingest_bytes(page, SourceInfo("page.html"), doc_id="page", scopes=["C1"])
    assert receipt.chunks == 1
    assert receipt.seconds < 30
    [hit] = [h for h in strict_kb.search("turbine inspections", ["C1"]) if h.doc_id == "page"]
    assert "ninety days" in hit.text
    assert "tracker" not in hit.text
    assert "injected" not in hit.text


@pytest.mark.slow
def test_bad_files_shared_in_slack_get_clear_receipts_and_the_bot_keeps_serving(
    make_bot: MakeBot,
) -> None:
    bot = make_bot(pdf_pipeline="native", max_pages=MAX_PAGES, max_file_mb=12, ingest_workers=2)
    bot.share_file(SAMPLES / "handbook.md", "C1")
    bot.wait_receipt("C1", "handbook.md")
    before = snapshot(bot.deps.kb)

    oversize = bot.share_file("huge.pdf", "C1", content=b"%PDF-1.7 tiny", size=50 * 2**20)
    understated = bot.share_file(
        "sneaky.pdf", "C1", content=b"%PDF-1.7\n" + b"0" * 13 * 2**20, size=1000
    )
    for bad in bad_files():
        bot.share_file(bad.name, "C1", content=bad.content)

    for bad in bad_files():  # each told privately to who shared it
        told = bot.told_privately("U1", bad.name)
        assert "couldn't add" in told["text"], told["text"]
        assert bad.says in told["text"], (bad.name, told["text"])
    assert "I read files up to 12 MB" in bot.told_privately("U1", "huge.pdf")["text"]
    assert "I read files up to 12 MB" in bot.told_privately("U1", "sneaky.pdf")["text"]
    downloaded = {d.file_id for d in bot.slack.downloads}
    assert oversize not in downloaded, "Slack said the size: no download"
    assert understated in downloaded, "Slack understated the size: the download was cut"

    assert snapshot(bot.deps.kb) == before
    assert_no_stray_chunks(bot)
    answer = bot.wait_answer("C1", bot.mention(HANDBOOK_Q, "C1"))
    assert "handbook.md" in block_text(answer)


def test_odd_questions_get_clear_replies_and_the_bot_keeps_serving(running_bot: Bot) -> None:
    bot, slack = running_bot, running_bot.slack
    long_ts = bot.mention("why " * 10_000, "C2")  # 40,000 characters
    assert "too long" in bot.wait_answer("C2", long_ts)["text"]

    empty_ts = bot.mention("", "C2")
    hint = bot.wait_answer("C2", empty_ts)
    assert "Ask me a question" in hint["text"]

    file_id = new_file_id()
    slack.add_file(
        file_id, "handbook.md", (SAMPLES / "handbook.md").read_bytes(), "markdown", channels=["C2"]
    )
    only_file_ts = _mention_with_file(bot, file_id, "C2")
    receipt = bot.wait_receipt("C2", "handbook.md")
    assert "Added" in receipt["text"]
    assert [m["text"] for m in slack.thread("C2", only_file_ts) if m.get("bot_id")] == [], (
        "a mention holding only a file is not a question"
    )
    answer = bot.wait_answer("C2", bot.mention(HANDBOOK_Q, "C2"))
    assert "handbook.md" in block_text(answer)
    assert len(bot.openai.requests_to("/chat/completions")) == 1


def _mention_with_file(bot: Bot, file_id: str, channel: str) -> str:
    from tests.fakes.slack_requests import app_mention_event

    text = "<@UBOT>"
    ts = bot.slack.add_message(channel, None, "U1", text, files=[file_id])
    event = app_mention_event(text, channel=channel, ts=ts, files=[bot.slack.file_object(file_id)])
    assert bot.send_event(event) == 200
    return ts


def assert_no_stray_chunks(bot: Bot) -> None:
    kb = bot.deps.kb
    assert kb.store.count() == sum(d.chunks for d in kb.documents())
