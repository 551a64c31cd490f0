"""The Home tab builder: pure data in, a view Slack accepts out, however many documents."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.blocks.home import (
    FILES_LISTED,
    PAGE_SIZE,
    HomeDocument,
    HomeFile,
    HomePage,
    home_view,
)
from bot.constants import HOME_NEXT_PAGE, HOME_PREVIOUS_PAGE
from tests.fakes.slack_rules import VIEW_BYTES_LIMIT, home_view_errors

READ_AT = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)


def document(n: int, **overrides: object) -> HomeDocument:
    values: dict[str, object] = {
        "name": f"report-{n}.pdf",
        "url": f"https://test.slack.com/files/U1/F{n}/report-{n}.pdf",
        "pages": 12,
        "chunks": 30,
        "shared_by": "U2",
        "read_at": READ_AT,
        "where": ("C1",),
    }
    return HomeDocument(**{**values, **overrides})  # type: ignore[arg-type]


def texts(view: dict[str, object]) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


def buttons(view: dict[str, object]) -> dict[str, str]:
    blocks = view["blocks"]
    assert isinstance(blocks, list)
    return {
        e["action_id"]: e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"]
    }


def test_a_document_says_what_it_is_who_shared_it_when_and_where() -> None:
    doc = document(1, where=("C1", "G7", "D5", "D9"))
    view = home_view(HomePage("U1", "D5", [doc], total=1, page=1))

    text = texts(view)
    assert "<https://test.slack.com/files/U1/F1/report-1.pdf|report-1.pdf> — 12 pages, 30" in text
    assert "shared by <@U2>" in text
    assert "in <#C1>, <#G7>, your DM with me, a direct message" in text
    assert "<!date^1741080600^{date_short_pretty} at {time}|2025-03-04 09:30 UTC>" in text
    assert home_view_errors(view) == []


def test_many_long_documents_stay_within_slacks_limits_and_say_so() -> None:
    huge = "x" * 1000 + ".pdf"
    docs = [
        document(n, name=huge, url=None, where=tuple(f"C{i}" for i in range(60)))
        for n in range(PAGE_SIZE)
    ]
    reading = [HomeFile(huge, "C1") for _ in range(300)]
    failed = [HomeFile(huge, "C1", "r" * 5000) for _ in range(300)]

    view = home_view(HomePage("U1", "D5", docs, 997, 1, reading, failed))

    assert home_view_errors(view) == []
    assert len(json.dumps(view).encode()) < VIEW_BYTES_LIMIT
    text = texts(view)
    assert "997 document(s)" in text
    assert "Showing 1–20 (page 1 of 50)" in text
    assert f"…and {300 - FILES_LISTED} more." in text
    assert "+55 more" in text
    assert buttons(view) == {HOME_NEXT_PAGE: "2"}


def test_pages_in_the_middle_and_at_the_end_link_both_ways_or_back() -> None:
    middle = home_view(HomePage("U1", None, [document(1)], 45, 2))
    last = home_view(HomePage("U1", None, [document(1)] * 5, 45, 3))

    assert buttons(middle) == {HOME_PREVIOUS_PAGE: "1", HOME_NEXT_PAGE: "3"}
    assert buttons(last) == {HOME_PREVIOUS_PAGE: "2"}
    assert "Showing 41–45 (page 3 of 3)" in texts(last)
    assert json.loads(str(last["private_metadata"])) == {"dm": None, "page": 3}


def test_names_and_reasons_cannot_inject_markup() -> None:
    doc = document(1, name="<!channel> plan.pdf", url=None, shared_by=None)
    view = home_view(
        HomePage("U1", None, [doc], 1, 1, failed=[HomeFile("<@U3>.pdf", "C1", "bad <!here>")])
    )

    text = texts(view)
    assert "<!channel>" not in text
    assert "<!here>" not in text
    assert "<@U3>" not in text
    assert "&lt;!channel&gt; plan.pdf" in text
    assert "shared by" not in text


def test_an_admins_document_is_everywhere_and_nothing_yet_is_explained() -> None:
    admin = home_view(HomePage("U1", None, [document(1, everywhere=True, where=())], 1, 1))
    empty = home_view(HomePage("U1", "D5", [], 0, 1))

    assert "in everywhere (added by an admin)" in texts(admin)
    assert "No documents yet" in texts(empty)
    assert "How to use me" in texts(empty)
    assert buttons(empty) == {}
    assert home_view_errors(empty) == []
