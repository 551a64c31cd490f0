"""The stand-in's side of "Add to Slack": apps, authorization codes, bot tokens per team.

What Slack does, as its reference for ``oauth.v2.access`` and its token-rotation guide describe:

* The person approving the install on slack.com gets redirected to the app's redirect URL with a
  one-time ``code`` (valid ten minutes). `FakeOAuth.authorize` plays that person and returns the
  code.
* ``oauth.v2.access`` exchanges the code: client credentials as HTTP Basic auth or as
  ``client_id``/``client_secret`` arguments; ``redirect_uri`` must match the one the
  authorization used, when it used one. Errors: ``invalid_client_id``, ``bad_client_secret``,
  ``invalid_code`` (unknown, used or expired), ``bad_redirect_uri``, ``invalid_grant_type``,
  ``invalid_refresh_token``. The answer carries ``access_token`` (``xoxb-``), ``token_type``
  ``bot``, ``scope``, ``bot_user_id``, ``app_id``, ``team``, ``enterprise`` (null outside
  Enterprise Grid), ``is_enterprise_install`` and ``authed_user`` (the installer; no user
  token, as the app asks for no user scopes).
* With token rotation on (``token_rotation_enabled`` in the manifest) the bot token expires
  (``xoxe.xoxb-`` with ``expires_in``, 12 hours) and comes with a ``refresh_token`` (``xoxe-``);
  ``grant_type=refresh_token`` trades it for a new pair, and the used refresh token stops working.
  An expired access token answers ``token_expired``.
* Uninstalling revokes the team's tokens: calls with them answer ``token_revoked``.
"""

from __future__ import annotations

import base64
import itertools
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.fakes.slack_server import SlackCall

APP_ID = "A1"
CODE_TTL_S = 600
ROTATING_TOKEN_TTL_S = 12 * 3600


class OAuthError(Exception):
    """An ``{"ok": false, "error": <code>}`` answer of ``oauth.v2.access``."""


@dataclass
class OAuthApp:
    client_id: str
    client_secret: str
    scopes: tuple[str, ...]
    token_rotation: bool = False
    token_ttl_s: int = ROTATING_TOKEN_TTL_S


@dataclass(frozen=True)
class Grant:
    """What one person approved: the app in one workspace (or a whole organisation)."""

    client_id: str
    team_id: str
    team_name: str
    user: str
    enterprise_id: str | None
    enterprise_name: str | None
    org_wide: bool
    redirect_uri: str | None
    expires_at: float


@dataclass
class IssuedToken:
    team_id: str  # the workspace (or, org-wide, the organisation's id) the token works in
    grant: Grant
    expires_at: float | None = None
    revoked: bool = False


@dataclass
class FakeOAuth:
    """Installations of apps into teams of the stand-in Slack."""

    server: Any  # the FakeSlack
    apps: dict[str, OAuthApp] = field(default_factory=dict)
    tokens: dict[str, IssuedToken] = field(default_factory=dict)
    _codes: dict[str, Grant] = field(default_factory=dict)
    _refresh_tokens: dict[str, Grant] = field(default_factory=dict)
    _seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- what tests do --------------------------------------------------------------------
    def register_app(
        self,
        client_id: str,
        client_secret: str,
        scopes: tuple[str, ...] | None = None,
        *,
        token_rotation: bool = False,
        token_ttl_s: int = ROTATING_TOKEN_TTL_S,
    ) -> OAuthApp:
        """``token_ttl_s``: how long a rotating token lives (Slack: 12 hours)."""
        scopes = scopes or tuple(sorted(self.server.scopes))
        app = OAuthApp(client_id, client_secret, scopes, token_rotation, token_ttl_s)
        self.apps[client_id] = app
        return app

    def authorize(
        self,
        client_id: str,
        team_id: str,
        *,
        team_name: str | None = None,
        user: str = "U1",
        enterprise_id: str | None = None,
        enterprise_name: str | None = None,
        org_wide: bool = False,
        redirect_uri: str | None = None,
    ) -> str:
        """The installer clicks "Allow": returns the code Slack puts in the redirect."""
        code = f"{int(time.time())}.{secrets.token_hex(8)}"
        with self._lock:
            self._codes[code] = Grant(
                client_id,
                team_id,
                team_name or f"Team {team_id}",
                user,
                enterprise_id,
                enterprise_name,
                org_wide,
                redirect_uri,
                time.time() + CODE_TTL_S,
            )
        return code

    def uninstall(self, team_id: str) -> None:
        """The team removes the app: every token issued to it is revoked."""
        with self._lock:
            for issued in self.tokens.values():
                if issued.team_id == team_id:
                    issued.revoked = True
            for token, grant in list(self._refresh_tokens.items()):
                if _key(grant) == team_id:
                    del self._refresh_tokens[token]

    def expire_tokens(self, team_id: str) -> None:
        """Let the team's rotating tokens run out (12 hours pass)."""
        with self._lock:
            for issued in self.tokens.values():
                if issued.team_id == team_id and issued.expires_at is not None:
                    issued.expires_at = time.time() - 1

    def live_tokens(self, team_id: str) -> list[str]:
        with self._lock:
            return [
                token
                for token, issued in self.tokens.items()
                if issued.team_id == team_id and self._refusal(issued) is None
            ]

    # --- what the server asks -------------------------------------------------------------
    def team_of(self, token: str | None) -> str | None:
        with self._lock:
            issued = self.tokens.get(token or "")
            return issued.team_id if issued else None

    def identity(self, token: str | None) -> Grant | None:
        with self._lock:
            issued = self.tokens.get(token or "")
            return issued.grant if issued else None

    def refusal(self, token: str | None) -> str | None:
        """``token_revoked`` / ``token_expired`` for a token issued here that no longer works."""
        with self._lock:
            issued = self.tokens.get(token or "")
            return self._refusal(issued) if issued else None

    @staticmethod
    def _refusal(issued: IssuedToken) -> str | None:
        if issued.revoked:
            return "token_revoked"
        if issued.expires_at is not None and issued.expires_at < time.time():
            return "token_expired"
        return None

    # --- oauth.v2.access ------------------------------------------------------------------
    def access(self, call: SlackCall) -> dict[str, Any]:
        app = self._client(call)
        grant_type = call.params.get("grant_type") or "authorization_code"
        with self._lock:
            if grant_type == "authorization_code":
                grant = self._redeem_code(call.params)
            elif grant_type == "refresh_token":
                grant = self._redeem_refresh_token(call.params)
            else:
                raise OAuthError("invalid_grant_type")
            if grant.client_id != app.client_id:
                raise OAuthError(
                    "invalid_code" if grant_type != "refresh_token" else "invalid_refresh_token"
                )
            return self._issue(app, grant)

    def _client(self, call: SlackCall) -> OAuthApp:
        client_id, client_secret = _basic_auth(call.headers.get("authorization", ""))
        client_id = client_id or call.params.get("client_id")
        client_secret = client_secret or call.params.get("client_secret")
        app = self.apps.get(str(client_id or ""))
        if app is None:
            raise OAuthError("invalid_client_id")
        if client_secret != app.client_secret:
            raise OAuthError("bad_client_secret")
        return app

    def _redeem_code(self, params: dict[str, Any]) -> Grant:
        grant = self._codes.pop(str(params.get("code") or ""), None)
        if grant is None or grant.expires_at < time.time():
            raise OAuthError("invalid_code")
        if grant.redirect_uri is not None and params.get("redirect_uri") != grant.redirect_uri:
            raise OAuthError("bad_redirect_uri")
        return grant

    def _redeem_refresh_token(self, params: dict[str, Any]) -> Grant:
        grant = self._refresh_tokens.pop(str(params.get("refresh_token") or ""), None)
        if grant is None:
            raise OAuthError("invalid_refresh_token")
        return grant

    def _issue(self, app: OAuthApp, grant: Grant) -> dict[str, Any]:
        n = next(self._seq)
        key = _key(grant)
        answer: dict[str, Any] = {
            "ok": True,
            "app_id": APP_ID,
            "authed_user": {"id": grant.user},
            "scope": ",".join(app.scopes),
            "token_type": "bot",
            "bot_user_id": "UBOT",
            "team": None if grant.org_wide else {"id": grant.team_id, "name": grant.team_name},
            "enterprise": (
                {"id": grant.enterprise_id, "name": grant.enterprise_name}
                if grant.enterprise_id
                else None
            ),
            "is_enterprise_install": grant.org_wide,
        }
        if app.token_rotation:
            token = f"xoxe.xoxb-1-{key}-{n}-{secrets.token_hex(6)}"
            refresh = f"xoxe-1-{key}-{n}-{secrets.token_hex(6)}"
            self._refresh_tokens[refresh] = grant
            self.tokens[token] = IssuedToken(key, grant, time.time() + app.token_ttl_s)
            answer |= {
                "access_token": token,
                "refresh_token": refresh,
                "expires_in": app.token_ttl_s,
            }
        else:
            token = f"xoxb-{key}-{n}-{secrets.token_hex(6)}"
            self.tokens[token] = IssuedToken(key, grant)
            answer["access_token"] = token
        return answer


def _key(grant: Grant) -> str:
    """The id a token works in: the organisation for org-wide installs, else the workspace."""
    return grant.enterprise_id if grant.org_wide and grant.enterprise_id else grant.team_id


def _basic_auth(header: str) -> tuple[str | None, str | None]:
    if not header.startswith("Basic "):
        return None, None
    try:
        decoded = base64.b64decode(header.removeprefix("Basic ")).decode()
    except ValueError:
        return None, None
    client_id, _, client_secret = decoded.partition(":")
    return client_id, client_secret
