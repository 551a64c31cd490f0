"""What the model reads for each source: the chunk plus its neighbours, within a token budget.

Retrieval finds small chunks; a figure's row label, a table's next rows or the sentence before a
clause often sit in the chunk next to it. Each source given to the model is widened with the
chunks just before and after it in its document (``radius``), best sources first, until the
budget is spent. A neighbour that is itself a source, or already added for a better source, is not
repeated, and lines a neighbour shares with its source (a table's repeated caption and header)
are dropped from it. Sources keep their numbers; only their text grows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rag.models import SearchHit
from rag.store import ChunkStore, chunk_id

CHARS_PER_TOKEN = 4  # a conservative average for English prose and figures


@dataclass(frozen=True)
class SourceContext:
    hit: SearchHit
    text: str  # the chunk with its neighbours, in document order


def chunk_id_at(hit: SearchHit, index: int) -> str:
    """The id of the chunk at ``index`` of the same document version as ``hit``."""
    return chunk_id(hit.chunk_id.rsplit("#", 1)[0], index)


def with_neighbours(
    hits: Sequence[SearchHit], store: ChunkStore, *, radius: int, budget_tokens: int
) -> list[SourceContext]:
    budget = budget_tokens * CHARS_PER_TOKEN - sum(len(h.text) for h in hits)
    if radius <= 0 or budget <= 0:
        return [SourceContext(h, h.text) for h in hits]
    wanted = {
        chunk_id_at(h, h.chunk_index + step)
        for h in hits
        for step in range(-radius, radius + 1)
        if step and h.chunk_index + step >= 0
    }
    taken = {h.chunk_id for h in hits}
    stored = store.chunks_by_id(sorted(wanted - taken))
    out = []
    for hit in hits:
        before: list[tuple[int, str]] = []
        after: list[tuple[int, str]] = []
        for step in [s for d in range(1, radius + 1) for s in (-d, d)]:
            neighbour_id = chunk_id_at(hit, hit.chunk_index + step)
            text = stored.get(neighbour_id)
            if text is None or neighbour_id in taken:
                continue
            text = _without_shared_lines(text, hit.text)
            if not text or len(text) > budget:
                continue
            taken.add(neighbour_id)
            budget -= len(text)
            (before if step < 0 else after).append((step, text))
        parts = [t for _, t in sorted(before)] + [hit.text] + [t for _, t in sorted(after)]
        out.append(SourceContext(hit, "\n".join(parts)))
    return out


def _without_shared_lines(text: str, source: str) -> str:
    seen = {line.strip() for line in source.splitlines() if line.strip()}
    return "\n".join(line for line in text.splitlines() if line.strip() not in seen).strip()
