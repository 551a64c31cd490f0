"""Build the Bolt app: one client, global middleware, listeners. Nothing else happens here."""

from __future__ import annotations

from slack_bolt import App

from bot.deps import Deps
from bot.listeners import register_listeners
from bot.middleware import DropMalformedPayloads, dedupe_events, inject_deps


def build_app(deps: Deps) -> App:
    secret = deps.settings.slack_signing_secret
    app = App(
        client=deps.client,
        signing_secret=secret.get_secret_value() if secret else "",
        request_verification_enabled=secret is not None,
        process_before_response=False,  # ack first; listeners run on Bolt's worker threads
    )
    app.use(DropMalformedPayloads())
    app.use(dedupe_events(deps))
    app.use(inject_deps(deps))
    register_listeners(app)
    return app
