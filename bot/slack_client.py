"""The one Web API client: bot token, base URL override, retries on 429 / 5xx / network errors."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.settings import BotSettings


def quiet_logger(name: str) -> logging.Logger:
    """A logger that stays at INFO unless someone set its level: at DEBUG, slack_sdk logs every
    request body (message text); tokens are redacted, text is not."""
    logger = logging.getLogger(name)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    return logger


def make_client(settings: BotSettings) -> WebClient:
    quiet_logger("slack_sdk.webhook.client")  # Bolt's respond(): it would log reply bodies
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    base_url = settings.slack_api_url or WebClient.BASE_URL
    return WebClient(
        token=token,
        base_url=base_url if base_url.endswith("/") else base_url + "/",
        timeout=30,
        logger=quiet_logger("bot.slack_api"),
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=3),  # honours Retry-After
            ConnectionErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )
