"""Pending Watcher passwords, encrypted at rest with Fernet until delivered.

The key is ``CREDENTIALS_KEY`` (a Fernet key; required in production).  In
development and tests it is derived from ``SECRET_KEY`` so nothing needs
setting up.  Plain passwords are never stored and never logged.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

from portal import settings


class CredentialError(RuntimeError):
    """A stored credential cannot be decrypted (wrong or rotated key)."""


def _fernet() -> Fernet:
    current = settings.current()
    key = current.credentials_key
    if not key:
        digest = hashlib.sha256(("credentials:" + current.secret_key).encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    try:
        return Fernet(key.encode())
    except ValueError as exc:
        raise CredentialError("CREDENTIALS_KEY is not a valid Fernet key") from exc


def seal(password: str) -> bytes:
    """Encrypt a password for storage in the outbox."""
    return _fernet().encrypt(password.encode("utf-8"))


def unseal(token: bytes) -> str:
    """Decrypt a password sealed by :func:`seal`."""
    try:
        return _fernet().decrypt(bytes(token)).decode("utf-8")
    except InvalidToken as exc:
        raise CredentialError("a pending credential cannot be decrypted with the current key") from exc
