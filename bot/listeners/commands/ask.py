"""``/ask <question>``: an ephemeral answer with a button to share it in the channel.

The reply goes through the command's ``response_url``, so ``/ask`` works in any conversation,
including those the bot is not a member of (a DM between two people, a private channel without
the bot), where ``chat.postEphemeral`` would fail. There it also says how to add the bot.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.access import search_scopes
from bot.blocks.answer import answer_fallback, ask_blocks, worded
from bot.blocks.common import context
from bot.blocks.errors import error_text
from bot.deps import Deps
from bot.payloads import parse_command
from bot.respond import reply
from rag.errors import RagError

logger = logging.getLogger(__name__)

USAGE = "Ask me something: `/ask what is our refund policy?`"
LOOKING = ":mag: Looking that up…"
NOT_A_MEMBER = (
    "I'm not a member of this conversation, so I can only search documents shared with me "
    "here before. To let me read files shared here, add me: `/invite @ragbot` in a channel, "
    "or ask me in a channel I'm in or in a direct message with me."
)


def handle_ask(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, deps: Deps
) -> None:
    command = parse_command(body)
    if command is None or not command.text:
        ack(text=USAGE)
        return
    ack(text=LOOKING)  # within 3 s, before any database or search work
    member = bot_is_member(deps, client, command.channel)
    try:
        scopes = search_scopes(deps, client, command.channel) if member else [command.channel]
        answer = worded(deps.kb.ask(command.text, scopes=scopes))
        answer_id = deps.state.save_answer(command.channel, command.user, answer)
        blocks = ask_blocks(answer, answer_id)
        if not member:
            blocks.append(context(NOT_A_MEMBER))
        message: dict[str, Any] = {"text": answer_fallback(answer), "blocks": blocks}
    except RagError as err:
        logger.warning("/ask failed in %s: %s", command.channel, type(err).__name__)
        message = {"text": error_text(err.user_message)}
    except Exception:
        logger.exception("/ask failed in %s", command.channel)
        message = {"text": error_text()}
    reply(
        respond, command.response_url, response_type="ephemeral", replace_original=True, **message
    )


def bot_is_member(deps: Deps, client: WebClient, channel: str) -> bool:
    """Whether the bot is in ``channel`` (Slack hides private conversations it isn't in)."""
    info = deps.directory.channel(client, channel)
    return info is not None and bool(info.get("is_member") or info.get("is_im"))
