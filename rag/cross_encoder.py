"""Second-stage re-ranking with a cross-encoder (sentence-transformers ``CrossEncoder``).

A cross-encoder reads the question and one passage together and scores how well the passage
answers it: slower than the first stage (one forward pass per candidate), much sharper. Install
it with ``pip install 'ragbot[rerank]'``. The default model,
``cross-encoder/ms-marco-MiniLM-L-6-v2`` (about 90 MB), is downloaded from the Hugging Face Hub on
first use and cached in the normal Hugging Face cache (``HF_HOME``); a local directory holding a
saved model works too, and needs no network.

How it is meant to be called (the retriever does this)::

    reranker = CrossEncoderReranker(settings.cross_encoder_model)  # loads the model: fail fast
    hits = retriever_first_stage(question, limit=settings.rerank_candidates)
    best = reranker.rerank(question, hits)[: settings.top_k]

``rerank`` returns every hit, best first, with ``score`` replaced by the model's score (what
``CrossEncoder.predict`` returns: for the usual one-label rerankers a sigmoid probability in
0..1). The passage scored is what a person would read, under its headings.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Sequence
from typing import Any

from rag.embeddings import quiet_model_loading
from rag.errors import ConfigurationError
from rag.models import SearchHit

logger = logging.getLogger(__name__)

DEFAULT_CROSS_ENCODER_MODEL = "cross-encoder/ms-marco-MiniLM-L-6-v2"
INSTALL_HINT = "The cross-encoder reranker needs the 'rerank' extra: pip install 'ragbot[rerank]'"


def passage_text(hit: SearchHit) -> str:
    """What the cross-encoder reads for a hit: its headings, then the text a person sees."""
    return "\n".join([*hit.headings, hit.text])


class CrossEncoderReranker:
    """Scores (question, passage) pairs with a cross-encoder and sorts the hits by that score."""

    def __init__(self, model: str, *, batch_size: int = 32, max_length: int = 512) -> None:
        self.name = f"cross-encoder:{model}"
        self.model = model
        self.batch_size = batch_size
        self._lock = threading.Lock()  # torch modules are not safe to call from many threads
        self._encoder = _load_cross_encoder(model, max_length)

    def rerank(self, question: str, hits: Sequence[SearchHit]) -> list[SearchHit]:
        if not hits:
            return []
        pairs = [(question, passage_text(hit)) for hit in hits]
        with self._lock:
            scores = self._encoder.predict(
                pairs,
                batch_size=self.batch_size,
                show_progress_bar=False,
                convert_to_numpy=True,
            )
        rescored = [
            dataclasses.replace(hit, score=float(score))
            for hit, score in zip(hits, scores, strict=True)
        ]
        # A stable sort: equal scores keep the first stage's order.
        return sorted(rescored, key=lambda hit: hit.score, reverse=True)


def _load_cross_encoder(model: str, max_length: int) -> Any:
    try:
        from sentence_transformers import CrossEncoder
    except ImportError as exc:
        raise ConfigurationError(INSTALL_HINT) from exc
    quiet_model_loading()
    try:
        encoder = CrossEncoder(model, device="cpu", max_length=max_length)
    except (OSError, ValueError) as exc:
        # OSError: not a local directory, not in the Hugging Face cache, and no download
        # (offline, HF_HUB_OFFLINE=1, or no such model); ValueError: not a model transformers reads.
        raise ConfigurationError(
            f"Could not load the cross-encoder model {model!r} ({type(exc).__name__}): it is "
            "neither a local model directory nor in the Hugging Face cache, and could not be "
            "downloaded. Run once with network access to cache it, set "
            "RAGBOT_CROSS_ENCODER_MODEL to a local directory, or set RAGBOT_RERANKER to "
            "another reranker."
        ) from exc
    labels = getattr(encoder, "num_labels", 1)
    if labels != 1:
        raise ConfigurationError(
            f"The cross-encoder model {model!r} has {labels} output labels; a reranker needs a "
            "model with one relevance score (e.g. cross-encoder/ms-marco-MiniLM-L-6-v2)."
        )
    logger.info("cross-encoder reranker loaded: %s", model)
    return encoder
