"""Document identity in what chunks are indexed with (not in what is shown)."""

from __future__ import annotations

import pytest

from rag.chunking import Chunker, Identity, document_identity, make_tokenizer, readable_name
from rag.convert import Converter
from rag.settings import DEFAULT_LOCAL_EMBEDDING_MODEL, Settings


@pytest.mark.parametrize(
    ("name", "readable"),
    [
        ("3M_2018_10K.pdf", "3M 2018 10K"),
        ("Pfizer_2023Q2_10Q.pdf", "Pfizer 2023 Q2 10Q"),
        ("travel-policy.v2.docx", "travel policy v2"),
        (
            "JOHNSON_JOHNSON_2023_8K_dated-2023-08-30.pdf",
            "JOHNSON JOHNSON 2023 8K dated 2023 08 30",
        ),
        ("notes", "notes"),
    ],
)
def test_readable_name(name: str, readable: str) -> None:
    assert readable_name(name) == readable


def convert(settings: Settings, name: str, text: str) -> object:
    return Converter(settings).convert(name, text.encode()).document


def test_identity_is_the_title_and_the_readable_file_name(settings: Settings) -> None:
    titled = convert(settings, "hb_2024.md", "# Employee Handbook\n\nVacation is 25 days.\n")
    untitled = convert(settings, "hb_2024.md", "Vacation is 25 days a year for everyone.\n")
    filing = convert(
        settings, "acme_2018.md", "## Item 7. Management's Discussion\n\nSales rose.\n"
    )

    titled_identity = document_identity("hb_2024.md", titled)  # type: ignore[arg-type]
    assert titled_identity.for_chunk(()) == "Employee Handbook (hb 2024)"
    assert titled_identity.for_chunk(("Employee Handbook", "Vacation")) == "hb 2024"
    assert document_identity("hb_2024.md", untitled).for_chunk(()) == "hb 2024"  # type: ignore[arg-type]
    assert document_identity("acme_2018.md", filing).for_chunk(()) == "acme 2018"  # type: ignore[arg-type]


def test_identity_is_indexed_but_not_shown(settings: Settings) -> None:
    document = convert(settings, "acme.md", "# Travel\n\nTrains are preferred for short trips.\n")
    chunker = Chunker(make_tokenizer(DEFAULT_LOCAL_EMBEDDING_MODEL, 256))

    identity = Identity("Acme Handbook", "acme 2024")
    (chunk,) = chunker.chunk(document, identity)  # type: ignore[arg-type]
    (plain,) = chunker.chunk(document)  # type: ignore[arg-type]

    assert chunk.search_text.startswith("Acme Handbook (acme 2024)\n")
    assert "Trains are preferred" in chunk.search_text
    assert "Acme" not in chunk.text
    assert plain.search_text == chunk.search_text.split("\n", 1)[1]
