"""Many workspaces: installations through Bolt's OAuth flow, a Web API client per team.

Installations and OAuth states live in the project database, in slack_sdk's own SQLAlchemy stores
(tables created by the bot's migrations). Each team's documents and state are keyed by its
*team key*: the enterprise id of an org-wide (Enterprise Grid) installation, else the team id.
Work that runs outside a request (durable jobs) stores the team key and asks ``client_for`` for
the team's bot token when it runs, refreshing a rotating token first.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.errors import SlackTokenRotationError
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import Engine, and_, desc, select

from bot.constants import BOT_SCOPES
from bot.settings import BotSettings

if TYPE_CHECKING:
    from bot.deps import Deps

logger = logging.getLogger(__name__)

OAUTH_STATE_EXPIRATION_S = 600
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"


class TeamNotInstalledError(Exception):
    """The team has no installation (it uninstalled the app, or revoked the bot token)."""


def team_key(enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool) -> str:
    """Whose documents: the organisation's for an org-wide install, else the workspace's."""
    if is_enterprise_install and enterprise_id:
        return enterprise_id
    return team_id or enterprise_id or ""


@dataclass(frozen=True)
class InstalledTeam:
    """One installation as the operator sees it (never its tokens)."""

    key: str
    team_id: str | None
    team_name: str | None
    enterprise_id: str | None
    enterprise_name: str | None
    is_enterprise_install: bool
    bot_user_id: str | None
    scopes: str | None
    token_rotation: bool
    token_expires_at: datetime | None
    installed_at: datetime

    def to_dict(self) -> dict[str, object]:
        data = dict(self.__dict__)
        for name in ("token_expires_at", "installed_at"):
            value = data[name]
            data[name] = value.isoformat() if isinstance(value, datetime) else None
        return data


class Installations:
    """The app's installations: slack_sdk's stores on the project database."""

    def __init__(self, settings: BotSettings, engine: Engine, client: WebClient) -> None:
        if settings.slack_client_id is None or settings.slack_client_secret is None:
            raise ValueError("installations need SLACK_CLIENT_ID and SLACK_CLIENT_SECRET")
        self.settings = settings
        self.client_id = settings.slack_client_id
        self.client_secret = settings.slack_client_secret.get_secret_value()
        self.store = SQLAlchemyInstallationStore(
            client_id=self.client_id, engine=engine, logger=logging.getLogger("bot.installations")
        )
        self.state_store = SQLAlchemyOAuthStateStore(
            expiration_seconds=OAUTH_STATE_EXPIRATION_S,
            engine=engine,
            logger=logging.getLogger("bot.oauth_state"),
        )
        self.client = client  # no token: oauth.v2.access and refreshes
        self.rotator = TokenRotator(
            client_id=self.client_id, client_secret=self.client_secret, client=client
        )
        self._rotation = threading.Lock()

    def authorize(self) -> InstallationStoreAuthorize:
        """Bolt's authorization from the installations, refreshing tokens through ``rotate``."""
        return _Authorize(self)

    def oauth_settings(self) -> OAuthSettings:
        """Bolt's OAuth flow: ``/slack/install`` and ``/slack/oauth_redirect``, state checked."""
        return OAuthSettings(
            client_id=self.client_id,
            client_secret=self.client_secret,
            scopes=list(BOT_SCOPES),
            redirect_uri=self.settings.slack_redirect_uri,
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
            installation_store=self.store,
            state_store=self.state_store,
            state_expiration_seconds=OAUTH_STATE_EXPIRATION_S,
            token_rotation_expiration_minutes=self.settings.token_rotation_minutes,
        )

    # --- one team ---------------------------------------------------------------------------
    def find(self, key: str) -> Installation | None:
        """The latest installation of a team key (a workspace id or an org-wide install's
        enterprise id)."""
        row = self._latest(key)
        if row is None:
            return None
        enterprise_id, team_id, org_wide = row
        return self.store.find_installation(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=org_wide
        )

    def client_for(self, key: str) -> WebClient:
        """A client with the team's bot token, refreshed first when it is about to expire.

        Raises ``TeamNotInstalledError`` when the team has no installation with a bot token.
        """
        installation = self.find(key)
        if installation is None or installation.bot_token is None:
            raise TeamNotInstalledError(key)
        installation = self.rotate(installation) or installation
        return client_with_token(self.client, installation.bot_token)

    def rotate(self, installation: Installation) -> Installation | None:
        """Refresh the tokens when they expire within ``RAGBOT_TOKEN_ROTATION_MINUTES``.

        Returns the installation with the tokens to use now, or None when ``installation``'s
        are still good. A refresh token works once: refreshes in this process take turns and
        start from the stored tokens, and when another process used the refresh token first,
        the tokens it stored are used.
        """
        if installation.bot_refresh_token is None and installation.user_refresh_token is None:
            return None
        with self._rotation:
            current = self._stored(installation) or installation
            try:
                rotated = self.rotator.perform_token_rotation(
                    installation=current,
                    minutes_before_expiration=self.settings.token_rotation_minutes,
                )
            except SlackTokenRotationError:
                again = self._stored(installation)
                if again is None or again.bot_token == current.bot_token:
                    raise
                return again  # another process refreshed them first
            if rotated is not None:
                self.store.save(rotated)
                logger.info("refreshed the bot token of %s", _key_of(rotated))
                return rotated
        return current if current.bot_token != installation.bot_token else None

    def _stored(self, installation: Installation) -> Installation | None:
        return self.store.find_installation(
            enterprise_id=installation.enterprise_id,
            team_id=installation.team_id,
            is_enterprise_install=installation.is_enterprise_install,
        )

    def forget(self, key: str) -> None:
        """Delete every installation (bot and user tokens) of the team."""
        row = self._latest(key)
        if row is None:
            return
        enterprise_id, team_id, _ = row
        self.store.delete_all(enterprise_id=enterprise_id, team_id=team_id)

    def _latest(self, key: str) -> tuple[str | None, str | None, bool] | None:
        c = self.store.installations.c
        own = c.enterprise_id == key if key.startswith("E") else c.team_id == key
        org_wide = key.startswith("E")
        query = (
            select(c.enterprise_id, c.team_id, c.is_enterprise_install)
            .where(and_(c.client_id == self.client_id, own))
            .where(c.is_enterprise_install.is_(org_wide))
            .order_by(desc(c.installed_at))
            .limit(1)
        )
        with self.store.engine.connect() as connection:
            row = connection.execute(query).first()
        return (row[0], row[1], bool(row[2])) if row is not None else None

    # --- every team -------------------------------------------------------------------------
    def teams(self) -> list[InstalledTeam]:
        """The latest installation of each team, oldest team first (no tokens)."""
        c = self.store.installations.c
        query = (
            select(self.store.installations)
            .where(c.client_id == self.client_id)
            .order_by(c.installed_at)
        )
        latest: dict[str, InstalledTeam] = {}
        with self.store.engine.connect() as connection:
            for row in connection.execute(query).mappings():
                key = team_key(row["enterprise_id"], row["team_id"], row["is_enterprise_install"])
                latest[key] = InstalledTeam(
                    key=key,
                    team_id=row["team_id"],
                    team_name=row["team_name"],
                    enterprise_id=row["enterprise_id"],
                    enterprise_name=row["enterprise_name"],
                    is_enterprise_install=bool(row["is_enterprise_install"]),
                    bot_user_id=row["bot_user_id"],
                    scopes=row["bot_scopes"],
                    token_rotation=row["bot_refresh_token"] is not None,
                    token_expires_at=row["bot_token_expires_at"],
                    installed_at=row["installed_at"],
                )
        return list(latest.values())


class _Authorize(InstallationStoreAuthorize):
    """Bolt's installation-store authorization, with refreshes done by ``Installations.rotate``
    (Bolt's own would race a durable job refreshing the same refresh token)."""

    def __init__(self, installations: Installations) -> None:
        super().__init__(
            logger=logging.getLogger("bot.authorize"),
            installation_store=installations.store,
            client_id=installations.client_id,
            client_secret=installations.client_secret,
            token_rotation_expiration_minutes=installations.settings.token_rotation_minutes,
            client=installations.client,
        )
        self.installations = installations

    def _rotate_and_save_tokens_if_necessary(
        self, installation: Installation | None
    ) -> Installation | None:
        return self.installations.rotate(installation) if installation is not None else None


def _key_of(installation: Installation) -> str:
    return team_key(
        installation.enterprise_id,
        installation.team_id,
        bool(installation.is_enterprise_install),
    )


def client_with_token(base: WebClient, token: str | None) -> WebClient:
    """A client like ``base`` (URL, timeout, retries, logger) with another token."""
    return WebClient(
        token=token,
        base_url=base.base_url,
        timeout=base.timeout,
        logger=base.logger,
        retry_handlers=list(base.retry_handlers),
    )


def team_left(deps: Deps) -> None:
    """The team uninstalled the app or revoked its bot token: its tokens and queued work go,
    and with ``RAGBOT_FORGET_DOCUMENTS_ON_UNINSTALL`` its documents, answers and feedback."""
    if deps.installations is not None:
        deps.installations.forget(deps.team)
    if deps.team:
        deps.jobs.cancel_team()
    if deps.settings.forget_documents_on_uninstall:
        removed = deps.kb.forget_tenant()
        deps.state.forget_team()
        logger.info("team %s left: %d document(s) forgotten", deps.team or "(default)", removed)
    else:
        logger.info("team %s left: tokens deleted, documents kept", deps.team or "(default)")
