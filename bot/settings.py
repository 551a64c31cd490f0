"""The bot's settings: ``rag.Settings`` plus the Slack tokens and the bot's schedules."""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr

from rag.settings import Settings


def _env(name: str) -> AliasChoices:
    """Accept an unprefixed conventional env var name (and the field name for kwargs)."""
    return AliasChoices(name, name.lower())


class MissingSlackConfigError(Exception):
    """A token the chosen mode needs is not set; the message names it."""


class BotSettings(Settings):
    """One object for the whole running bot (``RAGBOT_`` prefix, ``SLACK_*`` unprefixed)."""

    slack_bot_token: SecretStr | None = Field(None, validation_alias=_env("SLACK_BOT_TOKEN"))
    slack_app_token: SecretStr | None = Field(None, validation_alias=_env("SLACK_APP_TOKEN"))
    slack_signing_secret: SecretStr | None = Field(
        None, validation_alias=_env("SLACK_SIGNING_SECRET")
    )
    slack_client_id: str | None = Field(None, validation_alias=_env("SLACK_CLIENT_ID"))
    slack_client_secret: SecretStr | None = Field(
        None, validation_alias=_env("SLACK_CLIENT_SECRET")
    )
    slack_redirect_uri: str | None = Field(
        None,
        validation_alias=_env("SLACK_REDIRECT_URI"),
        description="Many workspaces: the public https://…/slack/oauth_redirect URL, when the "
        "app lists more than one redirect URL.",
    )
    slack_api_url: str | None = Field(
        None, validation_alias=_env("SLACK_API_URL"), description="Web API base URL override."
    )
    port: int = Field(3000, ge=0, le=65535, validation_alias=_env("PORT"))
    host: str = Field("0.0.0.0", description="HTTP mode: interface to listen on.")

    ingest_workers: int = Field(2, ge=1, le=16, description="Ingestion jobs run in parallel.")
    reconcile_interval_min: float = Field(
        60.0, gt=0, description="Minutes between checks that Slack files still exist."
    )
    url_refresh_interval_h: float = Field(
        24.0, gt=0, description="Hours between re-fetches of documents added with /docs add."
    )
    stream_update_s: float = Field(
        1.0, gt=0, description="Post-then-update fallback: seconds between message updates."
    )
    thread_history_messages: int = Field(
        20,
        ge=0,
        le=200,
        description="Earlier messages of a thread passed along with a follow-up question.",
    )
    listener_threads: int = Field(
        64, ge=4, le=512, description="Slack events handled at once (questions being answered)."
    )
    run_jobs: bool = Field(
        True,
        description="Run background jobs in this process. Set false on web processes when "
        "`ragbot worker` processes run them (shared DATABASE_URL).",
    )
    socket_mode_ping_s: float = Field(
        10.0,
        gt=0,
        description="Socket Mode: seconds between pings; a connection whose pong doesn't come "
        "within as long again is replaced.",
    )
    job_poll_s: float = Field(2.0, gt=0, description="How often a worker re-reads the job store.")
    global_docs_in_shared_channels: bool = Field(
        False,
        description="Search documents ingested outside Slack (global) in Slack Connect channels "
        "too (off: only what was shared in such a channel is searched there).",
    )
    docs_forget_anyone: bool = Field(
        False,
        description="Let anyone run /docs forget (off: only who shared the document and "
        "workspace admins/owners).",
    )
    warm_up: bool = Field(
        True, description="Load the embedding model at start-up (in the background)."
    )
    token_rotation_minutes: int = Field(
        120,
        ge=1,
        le=11 * 60,
        description="Many workspaces with token rotation: refresh a bot token this many minutes "
        "before it expires.",
    )
    forget_documents_on_uninstall: bool = Field(
        False,
        description="Many workspaces: when a team uninstalls the app (or revokes its bot token), "
        "delete its documents, answers and feedback too (off: only its tokens are deleted).",
    )

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @property
    def multi_workspace(self) -> bool:
        """Installed by many teams through OAuth (client id and secret, no bot token)."""
        return self.slack_bot_token is None and (
            self.slack_client_id is not None or self.slack_client_secret is not None
        )

    def require_slack(self) -> None:
        """Fail fast, naming every missing token, before anything starts."""
        if self.slack_client_id or self.slack_client_secret:
            self._require_oauth()
            return
        missing = [] if self.slack_bot_token else ["SLACK_BOT_TOKEN"]
        if not self.socket_mode and not self.slack_signing_secret:
            missing.append("SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode)")
        if missing:
            raise MissingSlackConfigError("missing " + ", ".join(missing))
        app_token = self.slack_app_token.get_secret_value() if self.slack_app_token else None
        if app_token is not None and not app_token.startswith("xapp-"):
            raise MissingSlackConfigError(
                "SLACK_APP_TOKEN must be an app-level token (xapp-…) with the connections:write "
                "scope, from the app's Basic Information page"
            )

    def _require_oauth(self) -> None:
        if self.slack_bot_token is not None:
            raise MissingSlackConfigError(
                "set either SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and "
                "SLACK_CLIENT_SECRET (installed by many workspaces through OAuth), not both"
            )
        if self.socket_mode:
            raise MissingSlackConfigError(
                "installing in many workspaces runs over HTTP (the OAuth redirect is a web page): "
                "unset SLACK_APP_TOKEN and set SLACK_SIGNING_SECRET"
            )
        names = ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_SIGNING_SECRET")
        values = (self.slack_client_id, self.slack_client_secret, self.slack_signing_secret)
        missing = [name for name, value in zip(names, values, strict=True) if not value]
        if missing:
            raise MissingSlackConfigError("missing " + ", ".join(missing))
