"""👍/👎 feedback as a question set for the retrieval benchmark (``bench/retrieval_eval.py``).

One JSON object per question:

* 👍: ``{"question", "docs": [names of the sources shown], "chunk_ids", "vote": "up"}``; a
  hit is a chunk of one of those documents.
* 👎 with a source marked right: ``{"question", "docs": [that source], "chunk_ids", "vote":
  "down"}``: retrieval found it, the answer was still poor.
* 👎 with no good source: ``{"question", "vote": "down", "retrieval_failure": true,
  "rejected": [{"doc", "chunk_id", "text"}]}``: retrieval failed; ``rejected`` are the chunks
  shown and turned down (the benchmark counts how often a method still ranks them first).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from bot.state import NO_GOOD_SOURCE, Feedback


def question_item(feedback: Feedback) -> dict[str, Any]:
    shown = list(feedback.shown)
    base: dict[str, Any] = {"question": feedback.question}
    if feedback.vote > 0:
        return {
            **base,
            "docs": list(dict.fromkeys(c.source for c in shown)),
            "chunk_ids": [c.chunk_id for c in shown] or list(feedback.chunk_ids),
            "vote": "up",
        }
    good = next((c for c in shown if c.chunk_id == feedback.good_source), None)
    if good is not None and feedback.good_source != NO_GOOD_SOURCE:
        return {**base, "docs": [good.source], "chunk_ids": [good.chunk_id], "vote": "down"}
    return {
        **base,
        "vote": "down",
        "retrieval_failure": True,
        "rejected": [{"doc": c.source, "chunk_id": c.chunk_id, "text": c.snippet} for c in shown],
    }


def question_set(feedback: Iterable[Feedback]) -> list[dict[str, Any]]:
    """One item per vote, identical items (same question, same verdict) once."""
    items: dict[str, dict[str, Any]] = {}
    for vote in feedback:
        item = question_item(vote)
        if item.get("docs") == [] and not item.get("retrieval_failure"):
            continue  # a 👍 on an answer with no sources says nothing about retrieval
        items.setdefault(json.dumps(item, sort_keys=True, ensure_ascii=False), item)
    return list(items.values())


def to_jsonl(items: Sequence[dict[str, Any]]) -> str:
    return "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
