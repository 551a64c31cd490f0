"""Ingest, replace, delete, scopes and hybrid search, on real Docling + Milvus Lite + MiniLM."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from rag.errors import DocumentForgottenError, EmbeddingModelMismatchError, IngestError
from rag.knowledge_base import KnowledgeBase
from rag.models import SourceInfo
from rag.settings import Settings
from rag.store import StoredChunk

VACATION = """# Handbook

## Vacation

Every employee gets 25 days of paid vacation per year. Unused days expire in March.

## Expenses

Submit expense receipts within 30 days through the finance portal.
"""

ROBOT = """# Robot manual

## Battery

The warehouse robot battery lasts 14 hours and charges fully in 3 hours.
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_ingest_then_search_finds_the_passage_with_its_headings(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    receipt = kb.ingest_path(write(tmp_path, "handbook.md", VACATION))

    hits = kb.search("How many vacation days do employees get?", None, k=2)

    assert receipt.outcome == "added"
    assert receipt.chunks >= 1
    assert "25 days" in hits[0].text
    assert hits[0].headings[-1] == "Vacation"
    assert hits[0].source == "handbook.md"
    assert kb.store.count() == receipt.chunks


def test_reingesting_identical_content_is_a_no_op(kb: KnowledgeBase, tmp_path: Path) -> None:
    path = write(tmp_path, "handbook.md", VACATION)
    first = kb.ingest_path(path)
    stored = kb.store.count()

    again = kb.ingest_path(path)

    assert again.outcome == "unchanged"
    assert again.chunks == first.chunks
    assert kb.store.count() == stored
    assert len(kb.documents()) == 1


def test_changed_document_replaces_its_chunks(kb: KnowledgeBase, tmp_path: Path) -> None:
    path = write(tmp_path, "handbook.md", VACATION)
    kb.ingest_path(path)
    path.write_text(VACATION.replace("25 days", "30 days"), encoding="utf-8")

    receipt = kb.ingest_path(path)
    hits = kb.search("How many vacation days?", None, k=5)

    assert receipt.outcome == "replaced"
    assert kb.store.count() == receipt.chunks  # the old version's chunks are gone
    texts = " ".join(hit.text for hit in hits)
    assert "30 days" in texts
    assert "25 days" not in texts


def test_replace_reuses_vectors_of_unchanged_chunks(
    kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "handbook.md", VACATION)
    kb.ingest_path(path)
    embedded: list[str] = []
    original = kb.embedder.embed_documents

    def spy(texts: list[str]) -> list[list[float]]:
        embedded.extend(texts)
        return original(texts)

    monkeypatch.setattr(kb.embedder, "embed_documents", spy)
    path.write_text(VACATION.replace("30 days through", "45 days through"), encoding="utf-8")
    kb.ingest_path(path)

    assert len(embedded) == 1
    assert "45 days" in embedded[0]


def test_a_chunk_text_that_repeats_is_embedded_once(
    kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    terms = "Payment is due within 30 days of the invoice date; late payments accrue interest. "
    section = "# Terms\n\n" + terms * 10 + "\n\n"  # too long for two to merge into one chunk
    embedded: list[str] = []
    original = kb.embedder.embed_documents

    def spy(texts: list[str]) -> list[list[float]]:
        embedded.extend(texts)
        return original(texts)

    monkeypatch.setattr(kb.embedder, "embed_documents", spy)
    receipt = kb.ingest_path(write(tmp_path, "contract.md", section + section))

    assert receipt.chunks == 2
    assert kb.store.count() == 2
    assert len(embedded) == 1
    assert embedded[0].count("Payment is due") == 10
    assert "30 days of the invoice" in kb.search("When is payment due?", None, k=1)[0].text


def test_forget_removes_document_and_chunks(kb: KnowledgeBase, tmp_path: Path) -> None:
    receipt = kb.ingest_path(write(tmp_path, "handbook.md", VACATION))

    assert kb.forget(receipt.doc_id) is True
    assert kb.documents() == []
    assert kb.store.count() == 0
    assert kb.search("vacation days", None) == []
    assert kb.forget(receipt.doc_id) is False


def test_scope_isolation(kb: KnowledgeBase) -> None:
    kb.ingest_bytes(
        VACATION.encode(), SourceInfo("private.md"), doc_id="F-private", scopes=["G-private"]
    )
    kb.ingest_bytes(ROBOT.encode(), SourceInfo("robot.md"), doc_id="F-robot", scopes=["C-public"])

    from_public = kb.search("vacation days per year", ["C-public"], k=10)
    from_private = kb.search("vacation days per year", ["G-private"], k=10)

    assert {h.doc_id for h in from_public} == {"F-robot"}
    assert "F-private" in {h.doc_id for h in from_private}
    assert [d.doc_id for d in kb.documents(["C-public"])] == ["F-robot"]


def test_global_documents_are_visible_everywhere_and_scopes_accumulate(
    kb: KnowledgeBase,
) -> None:
    kb.ingest_bytes(ROBOT.encode(), SourceInfo("robot.md"), doc_id="F1", scopes=["global"])
    kb.ingest_bytes(VACATION.encode(), SourceInfo("hb.md"), doc_id="F2", scopes=["C1"])

    receipt = kb.ingest_bytes(VACATION.encode(), SourceInfo("hb.md"), doc_id="F2", scopes=["C2"])

    assert receipt.outcome == "unchanged"
    assert receipt.scopes == ("C1", "C2")
    assert {h.doc_id for h in kb.search("robot battery hours", ["C9"], k=5)} == {"F1"}
    assert "F2" in {h.doc_id for h in kb.search("vacation", ["C2"], k=5)}


def test_removing_the_last_scope_forgets_the_document(kb: KnowledgeBase) -> None:
    kb.ingest_bytes(VACATION.encode(), SourceInfo("hb.md"), doc_id="F2", scopes=["C1", "C2"])

    assert kb.remove_scope("F2", "C1") == ("C2",)
    assert kb.search("vacation", ["C1"], k=5) == []
    assert kb.remove_scope("F2", "C2") == ()
    assert kb.document("F2") is None
    assert kb.store.count() == 0


def test_hybrid_beats_dense_only_on_an_exact_term(kb: KnowledgeBase) -> None:
    """With the default fusion (RRF): an exact identifier wins where meaning alone does not."""
    for i in range(12):
        text = (
            f"# Where is my laptop {i}\n\nWhere is the laptop? Laptops and their asset tags are "
            f"kept in the IT cabinet; lost laptop number {i} can be found by asking the IT desk."
        )
        kb.ingest_bytes(text.encode(), SourceInfo(f"n{i}.md"), doc_id=f"N{i}", scopes=["C"])
    kb.ingest_bytes(
        b"# Spare parts register\n\nShelf B, row 3: unit NW-LAP-0042 (spare).",
        SourceInfo("inventory.md"),
        doc_id="INV",
        scopes=["C"],
    )
    question = "Where is NW-LAP-0042?"

    dense = kb.search(question, ["C"], k=3, mode="dense")
    hybrid = kb.search(question, ["C"], k=3, mode="hybrid")

    assert dense[0].doc_id != "INV"
    assert hybrid[0].doc_id == "INV"


def test_the_fusion_weight_decides_which_list_leads(kb: KnowledgeBase) -> None:
    for i, text in enumerate(
        [
            "Annual leave: staff take their holidays in summer or winter.",
            "Holiday calendar 2024 with public holidays.",
            "The leave policy leave request form and leave balance.",
            "Vacation days: every employee gets 25 days of paid time off a year.",
        ]
    ):
        kb.ingest_bytes(text.encode(), SourceInfo(f"d{i}.md"), doc_id=f"D{i}", scopes=["C"])
    question = "How much leave do I get?"
    versions = kb.registry.active_versions(["C"])
    vector = kb.embedder.embed_query(question)

    def ranked(**fusion: Any) -> list[str]:
        return [h.doc_id for h in kb.store.search(vector, question, versions, 4, **fusion)]

    dense, bm25 = ranked(mode="dense"), ranked(mode="bm25")
    assert dense != bm25  # the two lists disagree, so the weight has something to decide
    assert ranked(bm25_weight=0.0) == dense
    assert ranked(bm25_weight=100.0, rrf_k=1)[: len(bm25)] == bm25


def test_bad_file_leaves_the_store_untouched(kb: KnowledgeBase, tmp_path: Path) -> None:
    kb.ingest_path(write(tmp_path, "handbook.md", VACATION))
    before = (kb.store.count(), [d.doc_id for d in kb.documents()])
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n1 0 obj <<>> garbage")

    with pytest.raises(IngestError) as caught:
        kb.ingest_path(broken)

    assert caught.value.user_message
    assert (kb.store.count(), [d.doc_id for d in kb.documents()]) == before


def test_changing_the_embedding_model_is_refused(
    settings: Settings, embedder: object, tmp_path: Path
) -> None:
    first = KnowledgeBase(settings, embedder=embedder)  # type: ignore[arg-type]
    first.ingest_path(write(tmp_path, "handbook.md", VACATION))
    first.close()

    class OtherModel:
        name = "local:other-model"
        dimension = 384

    second = KnowledgeBase(settings, embedder=OtherModel())  # type: ignore[arg-type]
    with pytest.raises(EmbeddingModelMismatchError, match="all-MiniLM-L6-v2"):
        _ = second.embedder
    second.close()


def test_chunks_of_an_interrupted_ingestion_are_invisible_then_reclaimed(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    kb.ingest_path(write(tmp_path, "handbook.md", VACATION))
    chunk = kb.chunker.chunk(kb.converter.convert("robot.md", ROBOT.encode()).document)[0]
    vector = kb.embedder.embed_documents([chunk.search_text])[0]
    # What a process killed between the Milvus write and the registry commit leaves behind:
    kb.store.insert("R", "R@crashed", "robot.md", None, [StoredChunk(chunk, vector)])

    assert all(hit.doc_id != "R" for hit in kb.search("robot battery hours", None, k=5))
    assert kb.remove_orphan_chunks() == 1
    assert kb.store.count("R@crashed") == 0
    assert kb.store.count() == kb.documents()[0].chunks


class PauseAt:
    """A progress callback that holds its ingestion at one step until ``go`` is set."""

    def __init__(self, step: str) -> None:
        self.step = step
        self.reached = threading.Event()
        self.go = threading.Event()

    def __call__(self, text: str) -> None:
        if text.startswith(self.step):
            self.reached.set()
            assert self.go.wait(60), "the test never let the ingestion go on"


def ingest_in_background(
    pool: ThreadPoolExecutor, kb: KnowledgeBase, text: str, progress: Callable[[str], None]
) -> Future[Any]:
    return pool.submit(
        kb.ingest_bytes,
        text.encode(),
        SourceInfo("handbook.md"),
        doc_id="H",
        scopes=["C1"],
        progress=progress,
    )


def pause_after_storing(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> PauseAt:
    """Hold the ingestion once its chunks are in Milvus, before the registry activates them."""
    pause = PauseAt("")
    insert = kb.store.insert

    def insert_then_wait(*args: Any, **kwargs: Any) -> int:
        stored = insert(*args, **kwargs)
        pause("stored")
        return stored

    monkeypatch.setattr(kb.store, "insert", insert_then_wait)
    return pause


@pytest.mark.parametrize("step", ["converting", "embedding", "storing"])
def test_forgetting_a_document_while_it_is_ingested_never_brings_it_back(
    kb: KnowledgeBase, step: str
) -> None:
    kb.ingest_bytes(VACATION.encode(), SourceInfo("handbook.md"), doc_id="H", scopes=["C1"])
    pause = PauseAt(step)
    with ThreadPoolExecutor(1) as pool:
        changed = ingest_in_background(
            pool, kb, VACATION + "\n## Parking\n\nPark in lot B.\n", pause
        )
        assert pause.reached.wait(60)

        assert kb.forget("H") is True
        pause.go.set()

        with pytest.raises(DocumentForgottenError):
            changed.result(60)
    assert kb.document("H") is None
    assert kb.store.count() == 0
    assert kb.search("Where do I park?", None, k=5) == []


def test_forgetting_a_document_while_its_chunks_are_stored_never_brings_it_back(
    kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    pause = pause_after_storing(kb, monkeypatch)
    with ThreadPoolExecutor(2) as pool:
        added = ingest_in_background(pool, kb, VACATION, lambda _: None)
        assert pause.reached.wait(60)
        forgotten = pool.submit(kb.forget, "H")  # waits for the document's lock, or cancels

        pause.go.set()

        forgotten.result(60)
        with contextlib.suppress(DocumentForgottenError):  # forget came first: it gave up
            added.result(60)
    assert kb.document("H") is None
    assert kb.store.count() == 0


def test_two_files_are_converted_and_embedded_at_the_same_time(kb: KnowledgeBase) -> None:
    both_embedding = threading.Barrier(2, timeout=60)  # broken if one waits for the other

    def meet_the_other_file(text: str) -> None:
        if text.startswith("embedding"):
            both_embedding.wait()

    with ThreadPoolExecutor(2) as pool:
        receipts = pool.map(
            lambda doc: kb.ingest_bytes(
                doc[1].encode(),
                SourceInfo(doc[0]),
                doc_id=doc[0],
                scopes=["C1"],
                progress=meet_the_other_file,
            ),
            [("handbook.md", VACATION), ("robot.md", ROBOT)],
            timeout=120,
        )
        outcomes = [(r.doc_id, r.outcome, r.chunks) for r in receipts]

    assert [(doc_id, outcome) for doc_id, outcome, _ in outcomes] == [
        ("handbook.md", "added"),
        ("robot.md", "added"),
    ]
    assert kb.store.count() == sum(chunks for _, _, chunks in outcomes)


def test_the_orphan_sweep_leaves_an_ingestion_in_flight_alone(
    kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    pause = pause_after_storing(kb, monkeypatch)
    with ThreadPoolExecutor(1) as pool:
        added = ingest_in_background(pool, kb, VACATION, lambda _: None)
        assert pause.reached.wait(60)
        stored = kb.store.count()

        assert kb.remove_orphan_chunks() == 0
        assert kb.store.count() == stored
        pause.go.set()
        receipt = added.result(60)

    assert receipt.outcome == "added"
    assert kb.store.count() == receipt.chunks
    assert "25 days" in kb.search("How many vacation days?", ["C1"], k=1)[0].text


def test_chunks_of_a_crashed_ingestion_are_reclaimed_once_it_has_been_silent_too_long(
    kb: KnowledgeBase,
) -> None:
    chunk = kb.chunker.chunk(kb.converter.convert("robot.md", ROBOT.encode()).document)[0]
    vector = kb.embedder.embed_documents([chunk.search_text])[0]
    # A process that died between its Milvus write and the registry commit:
    kb.registry.begin_ingestion("R", "R@crashed")
    kb.store.insert("R", "R@crashed", "robot.md", None, [StoredChunk(chunk, vector)])

    assert kb.remove_orphan_chunks() == 0  # it may still be on its way in
    assert kb.store.count("R@crashed") == 1
    assert kb.remove_orphan_chunks(grace=timedelta(seconds=-1)) == 1  # silent past the grace
    assert kb.store.count("R@crashed") == 0


def test_the_store_runs_pymilvus_first_search_check_when_it_opens(
    settings: Settings, embedder: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pymilvus imports scipy on the first search; threads searching at once for the first time
    race in that import and fail (bench.load). Opening the store does it first, in one thread."""
    from pymilvus.client.utils import SciPyHelper

    monkeypatch.setattr(SciPyHelper, "_checked", False)
    knowledge_base = KnowledgeBase(settings, embedder=embedder)
    try:
        _ = knowledge_base.store
        assert SciPyHelper._checked
    finally:
        knowledge_base.close()


@pytest.mark.parametrize("finance_terms", [True, False])
def test_a_metric_finds_the_statement_it_is_computed_from(
    settings: Settings, embedder: Any, finance_terms: bool
) -> None:
    knowledge_base = KnowledgeBase(
        settings.model_copy(update={"finance_terms": finance_terms}), embedder=embedder
    )
    try:
        knowledge_base.ingest_bytes(
            b"# Balance sheet\n\nTotal current assets 5,210. Total current liabilities 2,480. "
            b"Accounts receivable 1,120. Cash and cash equivalents 940.",
            SourceInfo("balance.md"),
            doc_id="SHEET",
            scopes=["C"],
        )
        knowledge_base.ingest_bytes(
            b"# Outlook\n\nManagement expects stable demand next year.",
            SourceInfo("outlook.md"),
            doc_id="OUTLOOK",
            scopes=["C"],
        )

        found = knowledge_base.search("What is the quick ratio?", ["C"], k=2, mode="bm25")

        assert ("SHEET" in [h.doc_id for h in found]) is finance_terms
    finally:
        knowledge_base.close()
