"""The one typed settings object for ragbot's knowledge base.

Conventional names stay unprefixed (``OPENAI_API_KEY``, ``MILVUS_URI``, ``DATABASE_URL`` ...);
ragbot's own settings use the ``RAGBOT_`` prefix. The Slack side extends this class with its
``SLACK_*`` fields (see ``bot/settings.py``), so a running bot still has exactly one object.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PdfPipeline = Literal["auto", "standard", "native"]
Fusion = Literal["rrf", "weighted"]
Reranking = Literal["auto", "none", "evidence", "cross-encoder", "llm"]

DEFAULT_OPENAI_EMBEDDING_MODEL = "openai:text-embedding-3-small"
DEFAULT_LOCAL_EMBEDDING_MODEL = "local:all-MiniLM-L6-v2"
# Best-source cosine under which at most 1% of answerable questions fall on the evaluation sets
# (SQuAD, TAT-QA, FinanceBench: bench/retrieval_eval.py, "Abstaining" in docs/benchmarks.md).
CALIBRATED_RELEVANCE: dict[str, float] = {DEFAULT_LOCAL_EMBEDDING_MODEL: 0.3}


def _env(name: str) -> AliasChoices:
    """Accept an unprefixed conventional env var name (and the field name for kwargs)."""
    return AliasChoices(name, name.lower())


class Settings(BaseSettings):
    """Everything the knowledge base needs, read from the environment (and ``.env``)."""

    model_config = SettingsConfigDict(
        env_prefix="RAGBOT_",
        env_file=".env",
        extra="ignore",
        populate_by_name=True,
    )

    # --- storage -------------------------------------------------------------------------
    data_dir: Path = Field(Path(".ragbot"), description="Milvus Lite data and SQLite database.")
    milvus_uri: str | None = Field(
        None,
        validation_alias=_env("MILVUS_URI"),
        description="Milvus server / Zilliz Cloud URI; default: Milvus Lite in the data dir.",
    )
    milvus_token: SecretStr | None = Field(None, validation_alias=_env("MILVUS_TOKEN"))
    milvus_db_name: str | None = Field(None, validation_alias=_env("MILVUS_DB_NAME"))
    collection_prefix: str = Field("ragbot", description="Prefix of Milvus collection names.")
    database_url: str | None = Field(
        None,
        validation_alias=_env("DATABASE_URL"),
        description="SQLAlchemy URL of the registry; default: SQLite in the data dir.",
    )

    # --- models --------------------------------------------------------------------------
    openai_api_key: SecretStr | None = Field(None, validation_alias=_env("OPENAI_API_KEY"))
    openai_base_url: str | None = Field(None, validation_alias=_env("OPENAI_BASE_URL"))
    embedding_model: str | None = Field(
        None,
        description="'openai:<model>' or 'local:<path or name>'. Default: OpenAI "
        "text-embedding-3-small when an OpenAI key is set, else the offline local model.",
    )
    embedding_base_url: str | None = Field(
        None, description="OpenAI-compatible endpoint for embeddings only."
    )
    embedding_api_key: SecretStr | None = None
    embedding_batch_size: int = Field(128, ge=1, le=2048)
    embedding_batch_tokens: int = Field(200_000, ge=1000, description="Token budget per request.")
    embedding_concurrency: int = Field(4, ge=1, le=32)
    embedding_quantize: bool = Field(
        True,
        description="Local model only: run its linear layers in int8 (dynamic quantization), "
        "faster on a CPU with vectors within ~1% cosine of the float ones and retrieval "
        "quality unchanged (docs/benchmarks.md, 'Ingest speed'); false: float32.",
    )
    chat_model: str = "gpt-4o"
    chat_base_url: str | None = Field(None, description="OpenAI-compatible endpoint for chat only.")
    chat_api_key: SecretStr | None = None
    chat_temperature: float = Field(0.1, ge=0.0, le=2.0)
    chat_max_tokens: int = Field(800, ge=16)
    request_timeout_s: float = Field(60.0, gt=0)
    max_retries: int = Field(3, ge=0, le=10)

    # --- ingest --------------------------------------------------------------------------
    max_file_mb: float = Field(50.0, gt=0)
    max_pages: int = Field(
        2000, ge=1, description="Longest PDF read (annual reports of 500+ pages are ordinary)."
    )
    convert_timeout_s: float = Field(300.0, gt=0)
    pdf_pipeline: PdfPipeline = "auto"
    chunk_max_tokens: int = Field(256, ge=32, le=8192)
    table_rows: bool = Field(
        True,
        description="Tables as rows: rebuild tables of PDFs read without layout models from "
        "the text positions, and index every table row by row with its caption and header.",
    )
    index_document_identity: bool = Field(
        True,
        description="Index each chunk with its document's title and readable file name "
        "(not shown to people), so questions that name a company or period find it.",
    )
    bm25_stemming: bool = Field(
        False,
        description="Index words by their English stem for BM25 ('flows' finds 'flow'). Set "
        "when a collection is created; an existing collection keeps its analyzer.",
    )
    bm25_word_pairs: bool = Field(
        True,
        description="Index each pair of adjacent words as one more BM25 term, so that a "
        "question naming no document finds the chunk printing its words in its order ('total "
        "sales') first. Set when a collection is created; an existing collection keeps how it "
        "was indexed.",
    )
    docling_url: str | None = Field(
        None,
        description="Base URL of a Docling Serve instance (e.g. http://docling:5001); when set, "
        "files are converted there instead of in-process (checks still run here first).",
    )
    docling_api_key: SecretStr | None = Field(
        None, description="Docling Serve API key (sent as the X-Api-Key header)."
    )
    url_fetch_timeout_s: float = Field(30.0, gt=0)
    url_allow_private: bool = Field(
        False,
        description="Let URLs (ragbot ingest, /docs add) reach private/intranet and loopback "
        "addresses (off: no SSRF to internal services or cloud metadata).",
    )

    # --- retrieval and answers ------------------------------------------------------------
    top_k: int = Field(6, ge=1, le=50)
    fusion: Fusion = "rrf"
    dense_weight: float = Field(0.6, ge=0.0, le=1.0, description="Weighted fusion only.")
    rrf_k: int = Field(
        60,
        ge=1,
        le=1000,
        description="RRF fusion: k in weight / (k + rank); smaller lets each list's first "
        "places count for more.",
    )
    bm25_weight: float = Field(
        1.0,
        ge=0.0,
        le=10.0,
        description="RRF fusion: the weight of the BM25 list against the dense list's 1.",
    )
    unnamed_bm25_weight: float = Field(
        2.0,
        ge=0.0,
        le=10.0,
        description="RRF fusion for a question that names none of the candidate documents (by "
        "a word of a file name or top heading): the BM25 list's weight (1: as named questions). "
        "That search also matches the question's adjacent word pairs (RAGBOT_BM25_WORD_PAIRS).",
    )
    unnamed_rrf_k: int = Field(
        10, ge=1, le=1000, description="RRF k for a question that names no candidate document."
    )
    unnamed_finance_terms: bool = Field(
        False,
        description="Whether the search for a question that names no candidate document also "
        "looks for the statement line items of the metric it names (RAGBOT_FINANCE_TERMS); "
        "off: it looks for the question's own words.",
    )
    finance_terms: bool = Field(
        True,
        description="Keyword search also looks for the statement line items of a financial "
        "metric the question names (quick ratio: current assets, current liabilities).",
    )
    min_relevance: float | None = Field(
        None,
        ge=-1.0,
        le=1.0,
        description="Best dense cosine below this means 'nothing relevant'. Default: the value "
        "calibrated for the embedding model (docs/benchmarks.md), else 0 (the model is asked, "
        "and told to say when the sources don't cover the question).",
    )
    context_neighbours: int = Field(
        1, ge=0, le=5, description="Chunks before and after each source that the model also reads."
    )
    context_tokens: int = Field(
        6000, ge=500, le=100_000, description="Budget of the sources' text given to the model."
    )
    # --- re-ranking and follow-up rewriting (rag/cross_encoder.py, rag/llm_rerank.py,
    # --- rag/query_rewrite.py) -------------------------------------------------------------
    reranker: Reranking = Field(
        "auto",
        description="Second stage over the first stage's candidates. 'evidence' (and 'auto'): "
        "no model, no download: document, file-name and page evidence combined with each "
        "chunk's rank; 'cross-encoder': evidence, then a sentence-transformers cross-encoder "
        "(pip install 'ragbot[rerank]'; weights downloaded on first use and cached); 'llm': "
        "evidence, then one short call to the chat model per question (needs a chat model); "
        "'none': the first stage's order.",
    )
    cross_encoder_model: str = Field(
        "cross-encoder/ms-marco-MiniLM-L-6-v2",
        description="Hugging Face model name or local directory of the cross-encoder.",
    )
    cross_encoder_batch_size: int = Field(32, ge=1, le=1024)
    rerank_candidates: int = Field(
        60, ge=1, le=500, description="How many first-stage candidates the reranker sees."
    )
    sources_per_page: int = Field(
        1,
        ge=0,
        le=50,
        description="After re-ranking, at most this many of the top k sources come from one "
        "page, so the k sources cover more pages (0: no limit).",
    )
    statement_pages: bool = Field(
        True,
        description="A question naming a financial metric also gets the leading document's "
        "statement pages the metric is computed from (income statement, balance sheet, cash "
        "flow statement), right after its best source.",
    )
    focus_candidates: int = Field(
        0,
        ge=0,
        le=500,
        description="Search again inside the leading document for this many candidates, so "
        "its best pages can win (0: off).",
    )
    focus_others: int = Field(
        1, ge=0, le=50, description="Places of the top k kept for other documents when focusing."
    )
    llm_rerank_candidates: int = Field(
        20, ge=1, le=100, description="How many of the candidates the 'llm' reranker reads."
    )
    rewrite_followups: bool = Field(
        True,
        description="With a chat model, rewrite a follow-up into a standalone question before "
        "retrieval (one short call); without one, the previous question is prepended.",
    )
    # --- end of re-ranking and follow-up rewriting -------------------------------------------

    @field_validator("data_dir")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("docling_url")
    @classmethod
    def _docling_base_url(cls, value: str | None) -> str | None:
        """Blank means unset; keep the service root (Docling's client adds ``/v1/...`` itself)."""
        url = (value or "").strip().rstrip("/").removesuffix("/v1")
        if url and not url.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as http://docling:5001")
        return url or None

    # --- derived values -------------------------------------------------------------------
    @property
    def resolved_milvus_uri(self) -> str:
        return self.milvus_uri or str(self.data_dir / "milvus.db")

    @property
    def uses_milvus_lite(self) -> bool:
        return self.milvus_uri is None or self.milvus_uri.endswith(".db")

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'ragbot.db'}"

    @property
    def resolved_embedding_model(self) -> str:
        if self.embedding_model:
            return self.embedding_model
        if self.embedding_api_key or self.openai_api_key:
            return DEFAULT_OPENAI_EMBEDDING_MODEL
        return DEFAULT_LOCAL_EMBEDDING_MODEL

    @property
    def relevance_threshold(self) -> float:
        """The cosine cut-off under which the answer step says it found nothing."""
        if self.min_relevance is not None:
            return self.min_relevance
        return CALIBRATED_RELEVANCE.get(self.resolved_embedding_model, 0.0)

    @property
    def chat_configured(self) -> bool:
        """A chat model is usable when some key or an explicit chat endpoint is set."""
        return bool(self.chat_api_key or self.openai_api_key or self.chat_base_url)

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)
