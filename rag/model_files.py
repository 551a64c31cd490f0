"""Model weights on this machine: where Docling's PDF models live, whether they are there, and
``download_models`` (``ragbot models download``) to fetch them once so the machine can then run
offline.

Docling's own downloader puts its models in ``DOCLING_ARTIFACTS_PATH`` or, by default,
``~/.cache/docling/models`` (``DOCLING_CACHE_DIR``); ``rag.convert`` points the standard pipeline
there when the layout model is found in it. Embedding and reranker models named by the settings
go to the Hugging Face cache, where sentence-transformers looks for them.
"""

from __future__ import annotations

import errno
import functools
import importlib.util
import os
from collections.abc import Callable
from pathlib import Path

from rag.errors import RagError
from rag.settings import Settings

LAYOUT_MODEL_REPO = "docling-project/docling-layout-heron"
STANDARD_PIPELINE_PACKAGES = ("torch", "docling_ibm_models")
PDF_MODELS_EXTRA_HINT = "the pdf-models extra (from a clone: pip install '.[pdf-models]')"


# Raised by huggingface_hub, httpx and requests when no connection can be made (by name, so this
# module needs none of them to import).
NETWORK_ERRORS = {"LocalEntryNotFoundError", "TransportError", "ConnectionError", "Timeout"}


class ModelDownloadError(RagError):
    user_message = "I could not download the models."


def docling_models_dir() -> Path:
    from docling.datamodel.settings import settings as docling_settings

    folder = docling_settings.artifacts_path or docling_settings.cache_dir / "models"
    return Path(folder).expanduser()


def downloaded_layout_model() -> Path | None:
    """The folder Docling's downloader put the layout model in, if it did."""
    folder = docling_models_dir() / LAYOUT_MODEL_REPO.replace("/", "--")
    return folder if (folder / "model.safetensors").is_file() else None


def standard_pipeline_packages_installed() -> bool:
    return all(importlib.util.find_spec(name) for name in STANDARD_PIPELINE_PACKAGES)


def layout_model_available() -> bool:
    """The layout model is on disk: downloaded by ``ragbot models download`` or cached by an
    earlier first use (checked with ``local_files_only``, so this never waits on the network)."""
    if downloaded_layout_model() is not None:
        return True
    try:
        from huggingface_hub import snapshot_download

        snapshot_download(LAYOUT_MODEL_REPO, local_files_only=True)
    except Exception:  # LocalEntryNotFoundError and friends: not cached locally
        return False
    return True


def standard_pdf_models_available() -> bool:
    """True when Docling's layout pipeline can run without downloading anything."""
    return standard_pipeline_packages_installed() and layout_model_available()


def hub_models(settings: Settings) -> list[str]:
    """Hugging Face models the settings name that don't ship in a wheel (embeddings, reranker)."""
    from rag.embeddings import resolve_local_model

    names = []
    kind, _, _ = settings.resolved_embedding_model.partition(":")
    if kind == "local":
        names.append(resolve_local_model(settings.resolved_embedding_model))
    if settings.reranker == "cross-encoder":
        names.append(settings.cross_encoder_model)
    return [name for name in names if not Path(name).expanduser().exists()]


def download_models(settings: Settings, report: Callable[[str], None]) -> Path:
    """Fetch Docling's layout, table-structure and OCR models (Docling's downloader) and the
    Hugging Face models the settings name; returns Docling's models folder.

    Raises ``ModelDownloadError`` with one sentence when downloads are switched off or the
    network can't be reached.
    """
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on"):
        message = "Downloads are switched off (HF_HUB_OFFLINE=1); unset it and try again."
        raise ModelDownloadError(message, user_message=message)
    from docling.utils.model_downloader import download_models as docling_download

    folder = docling_models_dir()
    with_ocr = importlib.util.find_spec("rapidocr") is not None
    kinds = "layout, table and OCR" if with_ocr else "layout and table"
    report(f"Docling's {kinds} models → {folder}")
    _fetch(
        lambda: docling_download(
            output_dir=folder,
            with_layout=True,
            with_tableformer=True,
            with_rapidocr=with_ocr,
            rapidocr_models=["onnxruntime:en"] if with_ocr else None,
            with_code_formula=False,
            with_picture_classifier=False,
        )
    )
    for name in hub_models(settings):
        report(f"{name} → the Hugging Face cache")
        _fetch(functools.partial(_hub_snapshot, name))
    return folder


def _hub_snapshot(name: str) -> None:
    from huggingface_hub import snapshot_download

    repo = name if "/" in name else f"sentence-transformers/{name}"
    snapshot_download(repo)


def _fetch(step: Callable[[], object]) -> None:
    try:
        step()
    except Exception as exc:  # one sentence for the person, the exception's class for the logs
        raise ModelDownloadError(type(exc).__name__, user_message=_why(exc)) from exc


def _why(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return "I could not download the models: the disk is full."
    names = {cls.__name__ for cls in type(exc).__mro__}
    if isinstance(exc, OSError | TimeoutError) or names & NETWORK_ERRORS:
        return (
            "I could not download the models: the model hub can't be reached. Check the "
            "network connection (or HTTPS_PROXY) and try again."
        )
    return "I could not download the models."
