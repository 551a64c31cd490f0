"""The chat model (OpenAI or any OpenAI-compatible endpoint), with errors made typed.

The OpenAI SDK already retries connection errors, 408/409/429 and 5xx with exponential backoff
and honours ``Retry-After``; ``RAGBOT_MAX_RETRIES`` bounds it. What still fails is translated to
``rag.errors.ModelError`` subclasses, whose ``user_message`` is safe to show.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from typing import Any

import openai
from pydantic import SecretStr

from rag.errors import (
    ConfigurationError,
    ModelAuthError,
    ModelError,
    ModelRateLimitedError,
    ModelTimeoutError,
    ModelUnavailableError,
)
from rag.settings import Settings

logger = logging.getLogger(__name__)

Message = dict[str, str]


def make_openai_client(
    settings: Settings, *, api_key: SecretStr | None, base_url: str | None
) -> openai.OpenAI:
    """One client per purpose, reused for every request (connection pooling)."""
    if api_key is None and base_url is None:
        raise ConfigurationError("OPENAI_API_KEY is not set.")
    return openai.OpenAI(
        # Local OpenAI-compatible servers often need no key; the SDK insists on one.
        api_key=api_key.get_secret_value() if api_key else "not-needed",
        base_url=base_url,
        timeout=settings.request_timeout_s,
        max_retries=settings.max_retries,
    )


@contextlib.contextmanager
def translate_openai_errors() -> Iterator[None]:
    """Turn OpenAI SDK exceptions into typed errors with user-facing messages."""
    try:
        yield
    except openai.APITimeoutError as exc:
        raise ModelTimeoutError("model request timed out") from exc
    except openai.RateLimitError as exc:
        raise ModelRateLimitedError(f"model rate limited (HTTP {exc.status_code})") from exc
    except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
        raise ModelAuthError(f"model rejected credentials (HTTP {exc.status_code})") from exc
    except openai.APIStatusError as exc:
        if exc.status_code >= 500:
            raise ModelUnavailableError(f"model service error (HTTP {exc.status_code})") from exc
        raise ModelError(f"model request rejected (HTTP {exc.status_code})") from exc
    except openai.APIConnectionError as exc:
        raise ModelUnavailableError(f"model connection failed ({type(exc).__name__})") from exc
    except openai.OpenAIError as exc:
        raise ModelError(f"model call failed ({type(exc).__name__})") from exc


class ChatModel:
    """Chat completions, streamed or whole."""

    def __init__(
        self, model: str, client: Any, *, temperature: float = 0.1, max_tokens: int = 800
    ) -> None:
        self.model = model
        self.client = client
        self.temperature = temperature
        self.max_tokens = max_tokens

    @classmethod
    def from_settings(cls, settings: Settings) -> ChatModel:
        client = make_openai_client(
            settings,
            api_key=settings.chat_api_key or settings.openai_api_key,
            base_url=settings.chat_base_url or settings.openai_base_url,
        )
        return cls(
            settings.chat_model,
            client,
            temperature=settings.chat_temperature,
            max_tokens=settings.chat_max_tokens,
        )

    def for_short_replies(
        self, *, max_tokens: int, timeout_s: float, max_retries: int = 1
    ) -> ChatModel:
        """The same model and connection pool for a quick side call (a rerank, a rewrite): a
        deterministic, short reply that gives up soon, so the question is not held up."""
        client = self.client
        if hasattr(client, "with_options"):  # the OpenAI SDK; shares the HTTP connection pool
            client = client.with_options(timeout=timeout_s, max_retries=max_retries)
        return ChatModel(self.model, client, temperature=0.0, max_tokens=max_tokens)

    def complete(self, messages: Sequence[Message]) -> str:
        with translate_openai_errors():
            response = self.client.chat.completions.create(
                model=self.model,
                messages=list(messages),
                temperature=self.temperature,
                max_tokens=self.max_tokens,
            )
        return response.choices[0].message.content or ""

    def stream(self, messages: Sequence[Message]) -> Iterator[str]:
        """Yield text deltas. A stream cut mid-answer raises ``ModelUnavailableError``."""
        with translate_openai_errors():
            stream = self.client.chat.completions.create(
                model=self.model,
                messages=list(messages),
                temperature=self.temperature,
                max_tokens=self.max_tokens,
                stream=True,
            )
            finished = False
            with contextlib.closing(stream):
                for event in stream:
                    if not event.choices:
                        continue
                    choice = event.choices[0]
                    if choice.delta and choice.delta.content:
                        yield choice.delta.content
                    if choice.finish_reason:
                        finished = True
            if not finished:
                raise ModelUnavailableError("model stream ended before the answer was complete")
