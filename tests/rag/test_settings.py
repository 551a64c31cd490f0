"""The settings object: conventional names unprefixed, ours prefixed, derived defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from rag.settings import Settings


def make(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_embedded_defaults_live_in_the_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAGBOT_DATA_DIR", "/srv/kb")

    settings = make()

    assert settings.data_dir == Path("/srv/kb")
    assert settings.resolved_milvus_uri == "/srv/kb/milvus.db"
    assert settings.uses_milvus_lite
    assert settings.resolved_database_url == "sqlite:////srv/kb/ragbot.db"
    assert settings.chat_model == "gpt-4o"


def test_conventional_names_are_read_unprefixed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MILVUS_URI", "http://milvus:19530")
    monkeypatch.setenv("MILVUS_TOKEN", "root:Milvus")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://kb@db/kb")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")

    settings = make()

    assert settings.resolved_milvus_uri == "http://milvus:19530"
    assert not settings.uses_milvus_lite
    assert settings.milvus_token is not None
    assert settings.milvus_token.get_secret_value() == "root:Milvus"
    assert "root:Milvus" not in repr(settings)
    assert "sk-test" not in repr(settings)
    assert settings.resolved_database_url.startswith("postgresql")


def test_embedding_model_follows_the_key_unless_overridden(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert make().resolved_embedding_model == "local:all-MiniLM-L6-v2"
    assert not make().chat_configured

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    assert make().resolved_embedding_model == "openai:text-embedding-3-small"
    assert make().chat_configured

    monkeypatch.setenv("RAGBOT_EMBEDDING_MODEL", "local:/models/e5")
    assert make().resolved_embedding_model == "local:/models/e5"


def test_local_embeddings_with_a_compatible_chat_endpoint() -> None:
    settings = make(chat_base_url="http://127.0.0.1:8000/v1")

    assert settings.resolved_embedding_model.startswith("local:")
    assert settings.chat_configured


def test_invalid_values_fail_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAGBOT_PDF_PIPELINE", "magic")

    with pytest.raises(ValidationError, match="pdf_pipeline"):
        make()


def test_reranking_and_rewriting_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from rag.cross_encoder import DEFAULT_CROSS_ENCODER_MODEL

    defaults = make()
    assert defaults.reranker == "auto"
    assert defaults.cross_encoder_model == DEFAULT_CROSS_ENCODER_MODEL
    assert defaults.rewrite_followups

    monkeypatch.setenv("RAGBOT_RERANKER", "cross-encoder")
    monkeypatch.setenv("RAGBOT_CROSS_ENCODER_MODEL", "/models/my-reranker")
    monkeypatch.setenv("RAGBOT_RERANK_CANDIDATES", "80")
    monkeypatch.setenv("RAGBOT_REWRITE_FOLLOWUPS", "false")
    settings = make()
    assert settings.reranker == "cross-encoder"
    assert settings.cross_encoder_model == "/models/my-reranker"
    assert settings.rerank_candidates == 80
    assert not settings.rewrite_followups

    monkeypatch.setenv("RAGBOT_RERANKER", "magic")
    with pytest.raises(ValidationError, match="reranker"):
        make()


def test_the_relevance_threshold_is_calibrated_per_embedding_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from rag.settings import CALIBRATED_RELEVANCE, DEFAULT_LOCAL_EMBEDDING_MODEL

    local = Settings(_env_file=None)  # type: ignore[call-arg]
    uncalibrated = Settings(_env_file=None, embedding_model="local:/models/other")  # type: ignore[call-arg]
    monkeypatch.setenv("RAGBOT_MIN_RELEVANCE", "0.42")
    explicit = Settings(_env_file=None)  # type: ignore[call-arg]

    assert local.relevance_threshold == CALIBRATED_RELEVANCE[DEFAULT_LOCAL_EMBEDDING_MODEL]
    assert uncalibrated.relevance_threshold == 0.0  # the chat model is asked instead
    assert explicit.relevance_threshold == 0.42


def test_long_annual_reports_are_admitted_by_default() -> None:
    assert Settings(_env_file=None).max_pages >= 503  # type: ignore[call-arg]


def test_the_local_model_is_quantized_unless_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    assert make().embedding_quantize is True

    monkeypatch.setenv("RAGBOT_EMBEDDING_QUANTIZE", "false")

    assert make().embedding_quantize is False
