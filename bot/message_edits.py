"""Questions that change after they were answered: an edit is answered again in the same
message; deleting the question deletes the answer."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.answering import Question, answer_question
from bot.deps import Deps
from bot.payloads import MessageDeletion, MessageEdit
from bot.text.incoming import readable
from rag.models import Answer

logger = logging.getLogger(__name__)


def answer_edited_question(
    deps: Deps, client: WebClient, edit: MessageEdit, bot_user_id: str | None
) -> Answer | None:
    """Re-answer an edited question in place; edits that change no text (unfurls) are ignored."""
    message = edit.message
    if message.from_bot or message.user is None or message.text == edit.previous_text:
        return None
    posted = deps.state.answer_to(message.channel, message.ts)
    if posted is None:
        return None  # ragbot never answered it
    text = readable(message.text, bot_user_id, lambda user: deps.directory.name(client, user))
    if not text:
        return None
    question = Question(
        channel=message.channel,
        thread_ts=posted.thread_ts,
        message_ts=message.ts,
        text=text,
        user=message.user,
        team=message.team,
    )
    logger.info("question edited in %s; answering again in place", message.channel)
    return answer_question(
        deps, client, question, bot_user_id=bot_user_id, in_place=posted.answer_ts
    )


def remove_answer_to_deleted(deps: Deps, client: WebClient, deletion: MessageDeletion) -> bool:
    """The question is gone: so is ragbot's answer to it."""
    posted = deps.state.answer_to(deletion.channel, deletion.deleted_ts)
    if posted is None:
        return False
    try:
        client.chat_delete(channel=posted.channel, ts=posted.answer_ts)
    except SlackApiError as err:
        if err.response.get("error") != "message_not_found":  # already gone: nothing to do
            logger.warning("could not delete the answer in %s", deletion.channel, exc_info=True)
            return False
    deps.state.forget_answer(deletion.channel, deletion.deleted_ts)
    logger.info("question deleted in %s; its answer was removed", deletion.channel)
    return True
