"""Replies through a ``response_url`` (slash commands, buttons), never failing the handler."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from slack_bolt import Respond

logger = logging.getLogger(__name__)


def usable_response_url(url: str | None) -> bool:
    parts = urlsplit(url or "")
    return parts.scheme in ("https", "http") and bool(parts.netloc)


def reply(respond: Respond, response_url: str | None, **message: Any) -> bool:
    """Send ``message`` through the ``response_url``; False (logged, no text) when it can't be."""
    if not usable_response_url(response_url):
        logger.warning("the request carried no usable response_url; reply dropped")
        return False
    try:
        respond(**message)
    except Exception as err:  # expired, refused or unreachable: nothing left to tell the user
        logger.warning("could not reply through the response_url: %s", type(err).__name__)
        return False
    return True
