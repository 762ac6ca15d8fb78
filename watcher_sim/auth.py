"""Login, JWT access tokens, refresh tokens and the external authentication backend.

Access tokens are RS256 JWTs carrying ``sub`` (user id), ``session``, ``iat`` and
``exp``; the signing key is generated once and kept in the store's meta table, so
tokens survive a restart. Refresh tokens are UUIDs stored in ``sessions``.
"""

from __future__ import annotations

import base64
import binascii
import time
import uuid
from typing import Any

import requests
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey
from werkzeug.security import check_password_hash, generate_password_hash

from watcher_sim.config import SimConfig
from watcher_sim.errors import ApiError
from watcher_sim.store import Store, now_ms

PASSWORD_METHOD = "pbkdf2:sha256:50000"


def hash_password(password: str) -> str:
    """Hash a password the way the simulator stores it."""
    return generate_password_hash(password, method=PASSWORD_METHOD)


def unauthorized(title: str, code: str = "unauthorized") -> ApiError:
    """A 401 error."""
    return ApiError(401, title, code)


class Authenticator:
    """Checks credentials and issues/validates tokens for one store and config."""

    def __init__(self, store: Store, config: SimConfig) -> None:
        self.store = store
        self.config = config
        pem = store.get_meta("jwt_private_key")
        if pem is None:
            key = RSAKey.generate_key(2048)
            store.set_meta("jwt_private_key", key.as_pem(private=True).decode())
        else:
            key = RSAKey.import_key(pem)
        self.key = key

    # -- credentials ------------------------------------------------------------
    def check_password(self, login: str, password: str) -> dict[str, Any]:
        """Return the user for valid credentials, else raise a 401.

        With an external authentication backend configured, every login (administrators
        included: the docs list no exemption) is first sent to it, as the published docs
        describe: 200 allows and stores the hash of this password; 403 or 404 declines and
        resets the stored password ("In case of decline, the user password is reset"); no
        answer within ``external_auth_timeout`` (2 s) or an unreachable backend falls back to
        the local store.  Any other status is treated as "out of reach" too (an inference:
        the docs name only 200/403/404).
        """
        user = self.store.user_by_name(login)
        if user is None:
            raise unauthorized("Invalid login or password", "invalid_credentials")
        verdict = None
        if self.config.external_auth_url:
            verdict = self._ask_backend(self.config.external_auth_url, login, password)
        if verdict is True:
            self.store.user_update(user["id"], user["name"], _data(user), hash_password(password))
        elif verdict is False:
            self.store.clear_password(user["id"])
            raise unauthorized("Invalid login or password", "invalid_credentials")
        elif not user["password_hash"] or not check_password_hash(user["password_hash"], password):
            raise unauthorized("Invalid login or password", "invalid_credentials")
        return self._usable(user)

    def _ask_backend(self, url: str, login: str, password: str) -> bool | None:
        """GET url?login=&password=: 200 -> True, 403/404 -> False, else None (fallback)."""
        try:
            resp = requests.get(
                url,
                params={"login": login, "password": password},
                timeout=self.config.external_auth_timeout,
            )
        except requests.RequestException:
            return None
        if resp.status_code == 200:
            return True
        if resp.status_code in (403, 404):
            return False
        return None

    def _usable(self, user: dict[str, Any]) -> dict[str, Any]:
        if user.get("disabled"):
            raise unauthorized("User is disabled", "user_disabled")
        return user

    # -- tokens -----------------------------------------------------------------
    def login(self, authorization: str | None) -> dict[str, str]:
        """Handle ``POST .../login``: Basic -> new session, Bearer refresh -> new access."""
        scheme, _, value = (authorization or "").partition(" ")
        if scheme.lower() == "basic":
            user = self.check_password(*_basic(value))
            refresh, session = str(uuid.uuid4()), str(uuid.uuid4())
            with self.store.tx() as db:
                db.execute(
                    "INSERT INTO sessions (refresh_token, session, user_id, created_at) VALUES (?, ?, ?, ?)",
                    (refresh, session, user["id"], now_ms()),
                )
            return {"access_token": self._issue(user, session), "refresh_token": refresh}
        if scheme.lower() == "bearer" and value:
            with self.store.tx() as db:
                row = db.execute(
                    "SELECT session, user_id FROM sessions WHERE refresh_token = ?",
                    (value.strip(),),
                ).fetchone()
            if row is None:
                raise unauthorized("Invalid refresh token", "invalid_refresh_token")
            user = self.store.user_get(int(row["user_id"]))
            if user is None:
                raise unauthorized("User no longer exists", "invalid_refresh_token")
            self._usable(user)
            return {"access_token": self._issue(user, str(row["session"])), "refresh_token": value.strip()}
        raise unauthorized("Credentials required: HTTP Basic or a refresh token")

    def _issue(self, user: dict[str, Any], session: str) -> str:
        now = time.time()
        claims = {
            "sub": str(user["id"]),
            "name": user["name"],
            "session": session,
            "iat": int(now),
            "exp": int(now + self.config.token_ttl),
            "exp_ms": int((now + self.config.token_ttl) * 1000),
        }
        return jwt.encode({"alg": "RS256", "typ": "JWT"}, claims, self.key)

    def current_user(self, authorization: str | None) -> dict[str, Any]:
        """Resolve the caller of an ordinary API call (Bearer access token or Basic)."""
        scheme, _, value = (authorization or "").partition(" ")
        if scheme.lower() == "basic":
            return self.check_password(*_basic(value))
        if scheme.lower() != "bearer" or not value:
            raise unauthorized("Authorization required")
        try:
            claims = jwt.decode(value.strip(), self.key, algorithms=["RS256"]).claims
        except (JoseError, ValueError, binascii.Error):
            raise unauthorized("Invalid access token", "invalid_token") from None
        # exp_ms gives sub-second TTLs (tests use 1 s); plain exp is the standard claim.
        if now_ms() >= int(claims.get("exp_ms", int(claims.get("exp", 0)) * 1000)):
            raise unauthorized("Access token expired", "token_expired")
        user = self.store.user_get(int(claims.get("sub", 0)))
        if user is None:
            raise unauthorized("User no longer exists", "invalid_token")
        return self._usable(user)


def _basic(value: str) -> tuple[str, str]:
    try:
        login, sep, password = base64.b64decode(value.strip()).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise unauthorized("Malformed Basic credentials") from None
    if not sep or not login:
        raise unauthorized("Malformed Basic credentials")
    return login, password


def _data(user: dict[str, Any]) -> dict[str, Any]:
    """The JSON part of a user row (without the column fields)."""
    return {k: v for k, v in user.items() if k not in ("id", "name", "password_hash")}
