"""Ingest a file shared in Slack: check, download with the bot token, ingest, report in thread."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import httpx
from slack_sdk.errors import SlackApiError

from bot.blocks.ingest import (
    failure_blocks,
    failure_text,
    progress_blocks,
    progress_text,
    receipt_blocks,
    receipt_text,
    shared_here_text,
)
from bot.deps import Deps
from bot.payloads import SlackFile, parse_file
from bot.readable import unreadable_reason
from bot.runtime import team_runtime
from rag.errors import IngestError
from rag.models import SourceInfo

logger = logging.getLogger(__name__)

GONE_ERRORS = {"file_not_found", "file_deleted"}
DOWNLOAD_FAILED = "I couldn't download the file from Slack. Please share it again."
INTERNAL_FAILURE = "something went wrong on my side while reading it. Please try again later."
LOOKUP_FAILED = (
    ":warning: I couldn't get a file you shared from Slack just now (Slack didn't answer). "
    "Share it again in a few minutes and I'll retry."
)
NO_ACCESS = (
    ":warning: Slack doesn't let me open a file you shared here. Files shared from another "
    "organisation (Slack Connect) or in conversations I'm not in can't be read by apps; "
    "upload a copy here to add it."
)


def ingest_file_job(
    file_id: str,
    channel: str | None,
    force: bool = False,
    user: str | None = None,
    thread_ts: str | None = None,
    team: str = "",
) -> None:
    """Durable job entry point: plain arguments only (``team``: whose file, for its token)."""
    deps = team_runtime(team)
    if deps is not None:
        ingest_file(deps, file_id, channel, force=force, user=user, thread_ts=thread_ts)


def fetch_file(deps: Deps, file_id: str) -> SlackFile | None:
    """``files.info``; None when the file is gone or can't be seen by the bot."""
    try:
        response = deps.client.files_info(file=file_id)
    except SlackApiError as err:
        if err.response.get("error") in GONE_ERRORS:
            return None
        raise
    return parse_file(response.get("file"))


def ingest_file(
    deps: Deps,
    file_id: str,
    channel: str | None,
    *,
    force: bool = False,
    user: str | None = None,
    thread_ts: str | None = None,
) -> None:
    """Read a file into the knowledge base, reporting progress and the receipt in its thread.

    A file ragbot doesn't read (unknown type, an image without OCR) is skipped without a word
    (a mention explains it, see ``bot.readable``); any other failure goes privately to who
    shared it, and the public "Reading…" note is removed.

    ``user``/``thread_ts`` say who shared it and where, for when Slack won't give the file: a
    failed lookup (5xx, ``ratelimited`` after retries, network) or a file the bot may not open
    (Slack Connect ``check_file_info`` files, ``file_not_found`` right after a share) is told
    there, and the share is released so sharing the file again retries at once.
    """
    share = channel is not None and not force
    try:
        slack_file = fetch_file(deps, file_id)
    except (SlackApiError, OSError) as err:
        code = err.response.get("error") if isinstance(err, SlackApiError) else type(err).__name__
        logger.warning("files.info failed for %s: %s", file_id, code)
        if share:
            _allow_share_again(deps, file_id, channel)
            _note_failure(deps, file_id, channel, "Slack didn't hand it over; share it again.")
            _tell_sharer(deps, channel, thread_ts, user, LOOKUP_FAILED)
        return
    if slack_file is None:
        logger.info("file %s is gone or not visible to the bot; nothing to ingest", file_id)
        if share and deps.kb.document(file_id) is None:
            _allow_share_again(deps, file_id, channel)
            _note_failure(deps, file_id, channel, "Slack doesn't let me open it.")
            _tell_sharer(deps, channel, thread_ts, user, NO_ACCESS)
        return
    existing = deps.kb.document(file_id)
    scopes = sorted({*(existing.scopes if existing else ()), *([channel] if channel else [])})
    if not scopes:
        logger.info("file %s changed but is not in the knowledge base; skipped", file_id)
        return
    post_channel = channel or scopes[0]
    thread_ts = slack_file.share_ts(post_channel) or thread_ts
    if thread_ts is not None:  # the receipt's thread is a bot thread: questions there are answered
        deps.state.mark_thread(post_channel, thread_ts)
    if existing and not force:
        deps.kb.add_scopes(file_id, scopes)
        _post(deps, post_channel, thread_ts, shared_here_text(slack_file.name), None)
        return
    unreadable = unreadable_reason(deps, slack_file.name)
    if unreadable is not None:  # not a document ragbot reads: no reply (a mention explains it)
        logger.info("file %s is not a format ragbot reads; ignored", file_id)
        _note_failure(deps, file_id, channel, unreadable)
        return
    sharer = user or slack_file.user
    try:
        deps.kb.converter.check_size(slack_file.size)
    except IngestError as err:
        _note_failure(deps, file_id, channel, err.user_message)
        _tell_sharer(
            deps, post_channel, thread_ts, sharer, failure_text(slack_file.name, err.user_message)
        )
        return
    progress_ts = _post(
        deps,
        post_channel,
        thread_ts,
        progress_text(slack_file.name),
        progress_blocks(slack_file.name),
    )
    report = _Reporter(deps, post_channel, progress_ts, thread_ts, sharer)
    try:
        data = download(deps, slack_file)
        if data is None:
            _allow_share_again(deps, file_id, channel)
            _note_failure(deps, file_id, channel, DOWNLOAD_FAILED)
            report.failed(slack_file.name, DOWNLOAD_FAILED)
            return
        receipt = deps.kb.ingest_bytes(
            data,
            SourceInfo(slack_file.name, url=slack_file.permalink),
            doc_id=file_id,
            scopes=scopes,
            origin=file_id,
            progress=report.step_for(slack_file.name),
        )
    except IngestError as err:
        logger.info("file %s not ingested: %s", file_id, type(err).__name__)
        _note_failure(deps, file_id, channel, err.user_message)
        report.failed(slack_file.name, err.user_message)
        return
    except Exception:
        logger.exception("ingesting file %s failed", file_id)
        _allow_share_again(deps, file_id, channel)
        _note_failure(deps, file_id, channel, INTERNAL_FAILURE)
        report.failed(slack_file.name, INTERNAL_FAILURE)
        return
    logger.info("file %s ingested: %s, %d chunks", file_id, receipt.outcome, receipt.chunks)
    report.final(receipt_text(receipt), receipt_blocks(receipt))


def _note_failure(deps: Deps, file_id: str, channel: str | None, reason: str) -> None:
    """Remember why, for a question asked together with the file (it waits for the file)."""
    if channel is not None:
        deps.state.note_file_failure(file_id, channel, reason)


def _tell_sharer(
    deps: Deps, channel: str | None, thread_ts: str | None, user: str | None, text: str
) -> None:
    """Say why a shared file can't be read, privately to who shared it (in the file's thread
    when known); in the thread only when that person is unknown."""
    if channel is None:
        return
    try:
        if user is not None:
            deps.client.chat_postEphemeral(
                channel=channel, user=user, text=text, thread_ts=thread_ts
            )
        elif thread_ts is not None:
            deps.client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text)
    except SlackApiError:
        logger.warning("could not report an unreadable file in %s", channel, exc_info=True)


def _allow_share_again(deps: Deps, file_id: str, channel: str | None) -> None:
    """After a failure the user is told to share again; that share must not be deduped away."""
    if channel is not None:
        deps.state.release(f"file:{file_id}:{channel}")


def download(deps: Deps, slack_file: SlackFile) -> bytes | None:
    """Fetch ``url_private_download`` with the bot token; None on any HTTP failure."""
    if not slack_file.download_url:
        return None
    limit = deps.settings.max_file_bytes
    headers = {"Authorization": f"Bearer {deps.client.token}"}
    try:
        with httpx.stream(
            "GET", slack_file.download_url, headers=headers, follow_redirects=True, timeout=60
        ) as response:
            if response.status_code != 200:
                logger.warning("download of %s: HTTP %d", slack_file.file_id, response.status_code)
                return None
            if "text/html" in response.headers.get("content-type", "") and not (
                slack_file.name.lower().endswith((".html", ".htm"))
            ):
                logger.warning("download of %s returned a login page", slack_file.file_id)
                return None
            chunks: list[bytes] = []
            total = 0
            for chunk in response.iter_bytes():
                total += len(chunk)
                if total > limit:
                    deps.kb.converter.check_size(total)
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.HTTPError:
        logger.warning("download of %s failed", slack_file.file_id, exc_info=True)
        return None


def _post(
    deps: Deps, channel: str, thread_ts: str | None, text: str, blocks: list | None
) -> str | None:
    try:
        response = deps.client.chat_postMessage(
            channel=channel, thread_ts=thread_ts, text=text, blocks=blocks
        )
    except SlackApiError:
        logger.exception("could not post in %s", channel)
        return None
    ts = response.get("ts")
    return ts if isinstance(ts, str) else None


class _Reporter:
    """Updates the progress message (at most once a second), then turns it into the result."""

    def __init__(
        self,
        deps: Deps,
        channel: str,
        ts: str | None,
        thread_ts: str | None,
        sharer: str | None = None,
    ) -> None:
        self.deps, self.channel, self.ts, self.thread_ts = deps, channel, ts, thread_ts
        self.sharer = sharer
        self._last = 0.0

    def step_for(self, name: str) -> Callable[[str], None]:
        def step(text: str) -> None:
            now = time.monotonic()
            if self.ts is None or now - self._last < 1.0:
                return
            self._last = now
            self._update(progress_text(name, text), progress_blocks(name, text))

        return step

    def final(self, text: str, blocks: list) -> None:
        if self.ts is None:
            _post(self.deps, self.channel, self.thread_ts, text, blocks)
        else:
            self._update(text, blocks)

    def failed(self, name: str, reason: str) -> None:
        """A failure goes to who shared the file, not the channel: the progress note goes."""
        if self.sharer is None:  # nobody to tell privately: say it where the progress was
            self.final(failure_text(name, reason), failure_blocks(name, reason))
            return
        if self.ts is not None:
            try:
                self.deps.client.chat_delete(channel=self.channel, ts=self.ts)
            except SlackApiError:
                logger.warning("could not remove the progress note in %s", self.channel)
            self.ts = None
        _tell_sharer(
            self.deps, self.channel, self.thread_ts, self.sharer, failure_text(name, reason)
        )

    def _update(self, text: str, blocks: list) -> None:
        if self.ts is None:
            return
        try:
            self.deps.client.chat_update(channel=self.channel, ts=self.ts, text=text, blocks=blocks)
        except SlackApiError:
            logger.warning("could not update progress message in %s", self.channel, exc_info=True)
