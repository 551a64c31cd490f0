"""A running bot for end-to-end tests: real Bolt over HTTP, real kb, FakeSlack and FakeOpenAI."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bot.app import build_app
from bot.bootstrap import start_runtime, stop_runtime
from bot.deps import Deps
from bot.jobs.queue import RUN_ONCE, JobQueue
from bot.server import HttpServer
from bot.settings import BotSettings
from rag.embeddings import Embedder
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_requests import (
    FORM,
    JSON,
    app_mention_event,
    block_action_body,
    event_callback_body,
    message_event,
    message_shortcut_body,
    post_to_app,
    slash_command_body,
)
from tests.fakes.slack_server import BOT_USER_ID, FakeSlack

SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
SAMPLES = Path(__file__).resolve().parents[2] / "samples"
_file_ids = itertools.count(1)

Message = dict[str, Any]


def bot_settings(data_dir: Path, slack: FakeSlack, openai: FakeOpenAI, **extra: Any) -> BotSettings:
    """Settings for a test bot; ``extra`` overrides any of them (``openai_api_key=None``)."""
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SECRET,
        "slack_api_url": slack.base_url,
        "openai_api_key": "sk-test",
        "openai_base_url": openai.base_url,
        "embedding_model": "local:all-MiniLM-L6-v2",
        "chat_model": "gpt-4o-mini",
        "max_retries": 0,
        "stream_update_s": 0.05,
        "warm_up": False,
    }
    return BotSettings(_env_file=None, **{**values, **extra})  # type: ignore[call-arg]


class TrackedExecutor(ThreadPoolExecutor):
    """The listeners' thread pool, counting the work it has not finished yet."""

    def __init__(self, max_workers: int) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="bolt-listener")
        self._unfinished = 0
        self._changed = threading.Condition()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._changed:
            self._unfinished += 1
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._finished(None)
            raise
        future.add_done_callback(self._finished)
        return future

    def _finished(self, _future: Future[Any] | None) -> None:
        with self._changed:
            self._unfinished -= 1
            self._changed.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self._unfinished == 0, max(timeout, 0))


class Bot:
    """The app in HTTP mode on 127.0.0.1; helpers send signed Slack requests to it."""

    def __init__(
        self, settings: BotSettings, slack: FakeSlack, openai: FakeOpenAI, embedder: Embedder
    ) -> None:
        self.slack, self.openai = slack, openai
        self.deps: Deps = start_runtime(settings, embedder=embedder)
        self.listeners = TrackedExecutor(settings.listener_threads)
        self.server = HttpServer(build_app(self.deps, listener_executor=self.listeners)).start()
        self.url = f"{self.server.url}/slack/events"
        self.last_response_url = ""  # of the latest slash command, button or shortcut

    def stop(self) -> None:
        self.server.stop()
        stop_runtime(self.deps)
        self.listeners.shutdown(wait=False)

    def wait_idle(self, timeout: float = 60.0) -> None:
        """Until every request sent so far has been handled to the end: no listener running and
        no one-off job (ingestion, fetch) left in the job store. Then nothing more will happen
        by itself, so checks that something did *not* happen can't be early."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            assert self.listeners.wait_idle(remaining), "listeners still running"
            jobs = one_off_jobs(self.deps.jobs)
            if not jobs and self.listeners.wait_idle(0):
                return
            assert time.monotonic() < deadline, f"jobs still pending: {jobs}"
            time.sleep(0.05)

    # --- requests -------------------------------------------------------------------------
    def send_event(
        self, event: dict[str, Any], *, event_id: str | None = None, retry_num: int | None = None
    ) -> int:
        body = event_callback_body(event, event_id=event_id)
        status, _ = post_to_app(self.url, body, JSON, SECRET, retry_num=retry_num)
        return status

    def command(
        self,
        command: str,
        text: str,
        channel: str = "C1",
        user: str = "U1",
        response_url: str | None = None,
    ) -> Any:
        """Run a slash command; its ``response_url`` is served by the stand-in Slack.

        Returns the acknowledgement's body, or (when the command was acknowledged empty) the
        first reply posted to the ``response_url``.
        """
        self.last_response_url = response_url or self.slack.response_url()
        status, body = post_to_app(
            self.url,
            slash_command_body(
                command,
                text,
                channel_id=channel,
                user_id=user,
                response_url=self.last_response_url,
            ),
            FORM,
            SECRET,
        )
        assert status == 200, body
        if body:
            return json.loads(body) if body.startswith("{") else {"text": body}
        return self.slack.wait_response(self.last_response_url)[-1]  # acked empty, then replied

    def click(
        self,
        action_id: str,
        value: str,
        channel: str,
        user: str = "U1",
        message_ts: str | None = None,
    ) -> int:
        self.last_response_url = self.slack.response_url("actions")
        status, _ = post_to_app(
            self.url,
            block_action_body(
                action_id,
                value,
                channel_id=channel,
                user_id=user,
                message_ts=message_ts,
                response_url=self.last_response_url,
            ),
            FORM,
            SECRET,
        )
        return status

    def message_shortcut(
        self, callback_id: str, channel: str, message_ts: str, user: str = "U1"
    ) -> int:
        """Use a message shortcut on a stored message (its files included, as Slack sends)."""
        self.last_response_url = self.slack.response_url("actions")
        body = message_shortcut_body(
            callback_id,
            self.slack.message(channel, message_ts),
            channel_id=channel,
            user_id=user,
            response_url=self.last_response_url,
        )
        status, _ = post_to_app(self.url, body, FORM, SECRET)
        return status

    def told_privately(self, user: str, text: str, timeout: float = 60.0) -> dict[str, Any]:
        """The first ``chat.postEphemeral`` to ``user`` whose text contains ``text``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for call in self.slack.calls_to("chat.postEphemeral"):
                if call.params.get("user") == user and text in str(call.params.get("text")):
                    return call.params
            time.sleep(0.05)
        told = [c.params.get("text") for c in self.slack.calls_to("chat.postEphemeral")]
        raise AssertionError(f"nothing private to {user} about {text!r}; told: {told}")

    def mention(
        self, text: str, channel: str, *, thread_ts: str | None = None, user: str = "U1"
    ) -> str:
        """Post ``@ragbot text`` (stored in FakeSlack too); returns the message ts."""
        full = f"<@{BOT_USER_ID}> {text}"
        ts = self.slack.add_message(channel, None, user, full, thread_ts=thread_ts)
        assert (
            self.send_event(
                app_mention_event(full, channel=channel, user=user, ts=ts, thread_ts=thread_ts)
            )
            == 200
        )
        return ts

    def say(
        self,
        text: str,
        channel: str,
        *,
        thread_ts: str | None = None,
        channel_type: str = "channel",
        user: str = "U1",
    ) -> str:
        ts = self.slack.add_message(channel, None, user, text, thread_ts=thread_ts)
        event = message_event(
            text, channel=channel, user=user, ts=ts, thread_ts=thread_ts, channel_type=channel_type
        )
        assert self.send_event(event) == 200
        return ts

    def share_file(
        self,
        path: Path | str,
        channel: str,
        *,
        name: str | None = None,
        content: bytes | None = None,
        filetype: str = "",
        file_id: str | None = None,
        size: int | None = None,
        thread_ts: str | None = None,
        slack_connect: bool = False,
        text: str = "",
        user: str = "U1",
    ) -> str:
        """Upload a file to ``channel`` the way Slack announces it: file_shared + message.

        ``file_id`` re-shares a known file (or picks the id); ``size`` is what Slack reports;
        ``thread_ts`` shares it as a reply in that thread; ``slack_connect`` as a file from
        another organisation (the message carries a ``check_file_info`` stub); ``text`` is the
        message the file was shared with.
        """
        file_id = file_id or new_file_id()
        path = Path(path)
        data = content if content is not None else path.read_bytes()
        file_name = name or path.name
        if self.slack.has_file(file_id):  # the same file shared again, maybe elsewhere
            obj = self.slack.share_file(file_id, channel)
        else:
            obj = self.slack.add_file(
                file_id,
                file_name,
                data,
                filetype or path.suffix.lstrip("."),
                channels=[channel],
                size=size,
                user=user,
                thread_ts=thread_ts,
                slack_connect=slack_connect,
            )
        share_ts = obj["shares"][next(iter(obj["shares"]))][channel][0]["ts"]
        self.slack.add_message(channel, share_ts, user, text, thread_ts=thread_ts, files=[file_id])
        assert (
            self.send_event(
                {
                    "type": "file_shared",
                    "file_id": file_id,
                    "user_id": user,
                    "file": {"id": file_id},
                    "channel_id": channel,
                    "event_ts": share_ts,
                }
            )
            == 200
        )
        assert (
            self.send_event(
                message_event(
                    text,
                    channel=channel,
                    user=user,
                    ts=share_ts,
                    thread_ts=thread_ts,
                    subtype="file_share",
                    files=[self.slack.message_file(file_id)],
                )
            )
            == 200
        )
        return file_id

    def unshare_file(self, file_id: str, channel: str) -> None:
        """Remove a file from ``channel``; Slack's ``file_unshared`` carries only the file id."""
        self.slack.unshare_file(file_id, channel)
        event = {"type": "file_unshared", "file_id": file_id, "file": {"id": file_id}}
        assert self.send_event(event) == 200

    # --- waiting on what the bot posted ---------------------------------------------------
    def wait_message(
        self, channel: str, predicate: Callable[[Message], bool], timeout: float = 60.0
    ) -> Message:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.slack.messages_in(channel):
                if (
                    message.get("bot_id")
                    and predicate(message)
                    and not self.slack.is_streaming(channel, message["ts"])
                ):
                    return message
            time.sleep(0.05)
        texts = [m.get("text") for m in self.slack.messages_in(channel)]
        raise AssertionError(f"no matching bot message in {channel}; messages: {texts}")

    def wait_receipt(self, channel: str, name: str, timeout: float = 90.0) -> Message:
        return self.wait_message(
            channel,
            lambda m: (
                name in m.get("text", "")
                and (
                    "Added" in m["text"]
                    or "couldn't add" in m["text"]
                    or "Updated" in m["text"]
                    or "Already" in m["text"]
                )
            ),
            timeout,
        )

    def wait_answer(
        self, channel: str, thread_ts: str, after: int = 0, timeout: float = 30.0
    ) -> Message:
        """The bot's reply number ``after`` in the thread (0 = first), once complete."""

        def replies() -> list[Message]:
            return [
                m
                for m in self.slack.thread(channel, thread_ts)
                if m.get("bot_id")
                and m["ts"] != thread_ts
                and not self.slack.is_streaming(channel, m["ts"])
                and not m.get("text", "").startswith(":hourglass")
            ]

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = replies()
            if len(found) > after:
                return found[after]
            time.sleep(0.05)
        raise AssertionError(
            f"no answer #{after} in {channel}/{thread_ts}: "
            f"{[m.get('text') for m in self.slack.thread(channel, thread_ts)]}"
        )


def one_off_jobs(queue: JobQueue) -> list[str]:
    """Ingestion and fetch jobs still in the store (a run removes its job when it is over)."""
    return [job.id for job in queue.scheduler.get_jobs() if job.func_ref == RUN_ONCE]


def new_file_id() -> str:
    return f"F{next(_file_ids):06d}{int(time.time() * 1000) % 100000}"


def block_text(message: Message) -> str:
    return json.dumps(message.get("blocks") or [])
