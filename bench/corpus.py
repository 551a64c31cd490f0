"""Synthetic search corpora: texts, real MiniLM vectors (cached on disk), documents and scopes.

A pool of ``pool`` texts is embedded once with the real local model and cached under
``bench/.cache``. Larger stores reuse the pool: row ``i`` takes pool text ``i % pool`` with a
document-specific suffix, and the pool vector plus small Gaussian noise (re-normalised), so every
row is distinct without embedding 100k texts on a 2-core machine.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.common import CACHE, MINILM, question, synthetic_texts

CHUNKS_PER_DOC = 20
CHANNEL_SCOPES = [f"C{n:02d}" for n in range(20)]
GLOBAL_EVERY = 10  # one document in ten is global (visible everywhere)


@dataclass(frozen=True)
class Pool:
    texts: list[str]
    vectors: np.ndarray  # (n, dim) float32, unit length


def load_embedder() -> object:
    from rag.embeddings import SentenceTransformerEmbedder, resolve_local_model

    return SentenceTransformerEmbedder(MINILM, resolve_local_model(MINILM))


def _cache_file(kind: str, texts: Sequence[str]) -> Path:
    digest = hashlib.sha1("\n".join(texts).encode()).hexdigest()[:12]
    return CACHE / f"{kind}-{len(texts)}-{digest}.npy"


def embed_cached(kind: str, texts: Sequence[str], embedder: object) -> np.ndarray:
    """Vectors of ``texts`` from the real model, computed once and cached as ``.npy``."""
    path = _cache_file(kind, texts)
    if path.exists():
        return np.load(path)
    vectors = np.asarray(embedder.embed_documents(list(texts)), dtype=np.float32)  # type: ignore[attr-defined]
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def make_pool(size: int, embedder: object, seed: int = 7) -> Pool:
    texts = synthetic_texts(size, seed=seed, sentences=4)
    return Pool(texts, embed_cached("pool", texts, embedder))


def make_queries(count: int, embedder: object, seed: int = 11) -> tuple[list[str], np.ndarray]:
    import random

    rng = random.Random(seed)
    texts = [question(rng) for _ in range(count)]
    return texts, embed_cached("queries", texts, embedder)


@dataclass(frozen=True)
class SynthDoc:
    doc_id: str
    scopes: tuple[str, ...]
    texts: list[str]
    vectors: np.ndarray


def doc_scopes(number: int) -> tuple[str, ...]:
    if number % GLOBAL_EVERY == 0:
        return ("global",)
    return (CHANNEL_SCOPES[number % len(CHANNEL_SCOPES)],)


def synth_docs(pool: Pool, total_chunks: int, noise: float = 0.02) -> Iterator[SynthDoc]:
    """Documents of ``CHUNKS_PER_DOC`` chunks until ``total_chunks`` rows exist."""
    rng = np.random.default_rng(3)
    size = len(pool.texts)
    for number in range(total_chunks // CHUNKS_PER_DOC):
        rows = range(number * CHUNKS_PER_DOC, (number + 1) * CHUNKS_PER_DOC)
        texts, vectors = [], []
        for row in rows:
            base = pool.vectors[row % size]
            if row >= size:  # reused pool row: make it distinct
                base = base + rng.normal(0, noise, base.shape).astype(np.float32)
                base = base / np.linalg.norm(base)
                texts.append(f"{pool.texts[row % size]} (record {row})")
            else:
                texts.append(pool.texts[row])
            vectors.append(base)
        yield SynthDoc(f"doc-{number:06d}", doc_scopes(number), texts, np.stack(vectors))
