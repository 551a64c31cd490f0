"""Typed errors. Each carries a short, user-facing message that is safe to show in Slack.

Callers show ``err.user_message``; the exception text itself may hold details meant for logs
(never secrets, never document text).
"""

from __future__ import annotations


class RagError(Exception):
    """Base class: something the user can be told about in one sentence."""

    user_message = "Something went wrong on my side. Please try again in a moment."

    def __init__(self, detail: str = "", *, user_message: str | None = None) -> None:
        super().__init__(detail or self.user_message)
        if user_message is not None:
            self.user_message = user_message


class ConfigurationError(RagError):
    user_message = "ragbot is not configured correctly; an administrator needs to check the logs."


class StoreUnavailableError(RagError):
    user_message = "The knowledge base is not reachable right now. Please try again shortly."


class EmbeddingModelMismatchError(ConfigurationError):
    """The data dir was built with another embedding model; never mix vectors."""


# --- ingest -----------------------------------------------------------------------------
class IngestError(RagError):
    """A document could not be added. The store is left as it was."""

    user_message = "I could not read this file."


class UnsupportedFormatError(IngestError):
    user_message = "I can't read this type of file yet."


class FileTooLargeError(IngestError):
    user_message = "This file is larger than I'm allowed to read."


class TooManyPagesError(IngestError):
    user_message = "This document has more pages than I'm allowed to read."


class EmptyDocumentError(IngestError):
    user_message = "This file has no text I could read."


class EncryptedDocumentError(IngestError):
    user_message = "This file is password-protected, so I can't read it."


class ScannedDocumentError(IngestError):
    user_message = (
        "This looks like a scanned document and text recognition (OCR) isn't enabled here, "
        "so I found no text in it."
    )


class CorruptDocumentError(IngestError):
    user_message = "This file seems to be damaged or isn't what its extension says."


class ConversionTimeoutError(IngestError):
    user_message = "This file took too long to read; it may be very large or complex."


class DocumentForgottenError(IngestError):
    """The document was removed while it was being read; it is not added back."""

    user_message = "This file was removed while I was reading it, so I didn't add it."


# --- models -----------------------------------------------------------------------------
class ModelError(RagError):
    user_message = "The language model service failed. Please try again in a moment."


class ModelTimeoutError(ModelError):
    user_message = "The language model took too long to answer. Please try again."


class ModelRateLimitedError(ModelError):
    user_message = "The language model is busy (rate limited). Please try again in a minute."


class ModelUnavailableError(ModelError):
    user_message = "The language model service is unavailable right now. Please try again later."


class ModelAuthError(ModelError):
    user_message = "The language model rejected ragbot's credentials; an administrator must fix it."


class QuestionTooLongError(RagError):
    user_message = "That question is too long for me. Please shorten it and ask again."
