"""bench/retrieval_eval.py reads `ragbot feedback export --json` files and scores them."""

from __future__ import annotations

import json
from pathlib import Path

from bench.retrieval_eval import (
    FAILURES_SET,
    EvalQuestion,
    Retrieved,
    is_hit,
    load_user_set,
    results_table,
    score_failures,
    score_set,
)

GOOD = "Employees get 25 days of paid vacation per year, plus public holidays."
OTHER = "Laptops are tagged ACME-1234 and must be returned when you leave."


def test_exported_votes_split_into_scored_questions_and_retrieval_failures(
    tmp_path: Path,
) -> None:
    lines = [
        {"question": "vacation?", "docs": ["handbook.md", "hr.pdf"], "vote": "up"},
        {"question": "laptops?", "docs": ["handbook.md"], "chunk_ids": ["F1#2"], "vote": "down"},
        {
            "question": "parking?",
            "vote": "down",
            "retrieval_failure": True,
            "rejected": [{"doc": "handbook.md", "chunk_id": "F1#0", "text": GOOD[:40] + "…"}],
        },
    ]
    questions = tmp_path / "feedback.jsonl"
    questions.write_text("".join(json.dumps(line) + "\n" for line in lines))
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "handbook.md").write_text("# Handbook\n")
    eval_set = load_user_set(questions, docs)
    scored, failures = (
        eval_set.question_sets["your questions"],
        eval_set.question_sets[FAILURES_SET],
    )
    assert [q.question for q in scored] == ["vacation?", "laptops?"]
    assert scored[0].docs == ("handbook.md", "hr.pdf")
    assert failures[0].rejected == (("handbook.md", GOOD[:40] + "…"),)

    array = tmp_path / "feedback.json"  # one JSON array works too
    array.write_text(json.dumps(lines))
    assert load_user_set(array, docs).question_sets.keys() == eval_set.question_sets.keys()


def test_a_hit_is_a_chunk_of_any_listed_document() -> None:
    question = EvalQuestion("vacation?", docs=("handbook.md", "hr.pdf"))
    assert is_hit(Retrieved("policies/hr.pdf", OTHER), question)
    assert not is_hit(Retrieved("specs.pdf", GOOD), question)


def test_rejected_chunks_still_ranked_high_are_counted() -> None:
    question = EvalQuestion("vacation?", rejected=(("handbook.md", GOOD[:40] + "…"),))
    rejected_first = [Retrieved("handbook.md", GOOD), Retrieved("handbook.md", OTHER)]
    rejected_third = [Retrieved("handbook.md", OTHER)] * 2 + [Retrieved("handbook.md", GOOD)]
    same_text_other_doc = [Retrieved("specs.pdf", GOOD)]
    scores = score_failures([rejected_first, rejected_third, same_text_other_doc], [question] * 3)
    assert scores == {"rejected@1": 1 / 3, "rejected@5": 2 / 3, "n": 3.0}
    assert score_set(FAILURES_SET, [rejected_first], [question])["rejected@1"] == 1.0
    assert set(score_set("your questions", [rejected_first], [question])) == {
        "hit@1",
        "hit@5",
        "mrr@10",
        "n",
    }


def test_the_results_table_shows_each_sets_own_metrics() -> None:
    result = {
        "sets": {
            "your questions": {"m": {"hit@1": 0.5, "hit@5": 1.0, "mrr@10": 0.75, "n": 2.0}},
            FAILURES_SET: {"m": {"rejected@1": 0.0, "rejected@5": 1.0, "n": 1.0}},
        }
    }
    table = results_table(result)
    assert "| method | hit@1 | hit@5 | MRR@10 |" in table
    assert "| method | rejected@1 | rejected@5 |" in table
