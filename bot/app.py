"""Build the Bolt app: one client, global middleware, listeners. Nothing else happens here."""

from __future__ import annotations

from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from slack_bolt import App

from bot.deps import Deps
from bot.listeners import register_listeners
from bot.middleware import DropMalformedPayloads, dedupe_events, inject_deps


def build_app(deps: Deps, *, listener_executor: Executor | None = None) -> App:
    """The app; ``listener_executor`` replaces the listeners' thread pool (tests track it)."""
    secret = deps.settings.slack_signing_secret
    oauth: dict[str, Any] = {}
    if deps.installations is not None:  # "Add to Slack": Bolt's OAuth flow and installations
        oauth = {
            "installation_store": deps.installations.store,
            "oauth_settings": deps.installations.oauth_settings(),
            "authorize": deps.installations.authorize(),
        }
    app = App(
        **oauth,
        client=deps.client,
        signing_secret=secret.get_secret_value() if secret else "",
        request_verification_enabled=secret is not None,
        process_before_response=False,  # ack first; listeners run on Bolt's worker threads
        # Listeners mostly wait on Slack and the model: size the pool for a burst of questions
        # (Bolt's default of 10 answered 50 simultaneous questions in waves).
        listener_executor=listener_executor
        or ThreadPoolExecutor(
            max_workers=deps.settings.listener_threads, thread_name_prefix="bolt-listener"
        ),
    )
    app.use(DropMalformedPayloads())
    app.use(dedupe_events(deps))
    app.use(inject_deps(deps))
    register_listeners(app)
    return app
