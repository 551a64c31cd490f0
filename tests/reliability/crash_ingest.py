"""Run by ``test_crash_recovery`` in a child process: ingest, then hang at the commit point.

``python -m tests.reliability.crash_ingest DATA_DIR FIRST SECOND [embed|commit]``: ingest FIRST
as document ``doc``, print ``ready``, then ingest SECOND as a new version of ``doc`` and stop
(printing ``stopped``) either inside the embedding step or after its chunks are in Milvus but
before the registry commit, so the parent can ``kill -9`` there.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from rag.embeddings import SentenceTransformerEmbedder, resolve_local_model
from rag.knowledge_base import KnowledgeBase
from rag.models import SourceInfo
from rag.registry import Registry
from rag.settings import DEFAULT_LOCAL_EMBEDDING_MODEL, Settings


def hang(*_: Any, **__: Any) -> Any:
    print("stopped", flush=True)
    time.sleep(600)


def main(argv: Sequence[str]) -> None:
    data_dir, first, second, where = argv
    embedder = SentenceTransformerEmbedder(
        DEFAULT_LOCAL_EMBEDDING_MODEL, resolve_local_model(DEFAULT_LOCAL_EMBEDDING_MODEL)
    )
    kb = KnowledgeBase(Settings(_env_file=None, data_dir=Path(data_dir)), embedder=embedder)  # type: ignore[call-arg]
    kb.ingest_bytes(Path(first).read_bytes(), SourceInfo("doc.md"), doc_id="doc", scopes=["C1"])
    print("ready", flush=True)
    if where == "embed":
        embedder.embed_documents = hang  # type: ignore[method-assign]
    else:
        Registry.activate = hang  # type: ignore[method-assign]
    kb.ingest_bytes(Path(second).read_bytes(), SourceInfo("doc.md"), doc_id="doc", scopes=["C1"])


if __name__ == "__main__":
    main(sys.argv[1:])
