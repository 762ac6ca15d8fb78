"""Password hashing with a work factor taken from the settings.

Production hashes with scrypt at werkzeug's strong default cost (N=2**15, r=8, p=1).  The test
configuration picks a cheap method through ``PASSWORD_HASH_METHOD`` so that hundreds of logins and
factories do not spend seconds each; a stored hash carries its own method, so checking works
whatever the setting was when it was made.
"""

from __future__ import annotations

import re

from flask import current_app, has_app_context
from werkzeug.security import check_password_hash, generate_password_hash

#: What production uses unless told otherwise: scrypt, N=32768, r=8, p=1.
DEFAULT_METHOD = "scrypt:32768:8:1"
#: The cheapest settings production accepts.
MIN_SCRYPT_N = 2**15
MIN_PBKDF2_ITERATIONS = 600_000

_SCRYPT = re.compile(r"^scrypt(?::(\d+)(?::(\d+)(?::(\d+))?)?)?$")
_PBKDF2 = re.compile(r"^pbkdf2(?::(sha256|sha512)(?::(\d+))?)?$")
_dummy_hashes: dict[str, str] = {}


def check_method(method: str, production: bool) -> str | None:
    """Return why ``method`` cannot be used (``None`` when it can); production refuses weak ones."""
    if scrypt := _SCRYPT.match(method):
        n, r, p = (int(g) if g else d for g, d in zip(scrypt.groups(), (2**15, 8, 1), strict=True))
        if n < 2 or n & (n - 1) or r < 1 or p < 1:
            return "scrypt needs N a power of two, r >= 1 and p >= 1"
        if production and n < MIN_SCRYPT_N:
            return f"production needs scrypt N >= {MIN_SCRYPT_N}"
        return None
    if pbkdf2 := _PBKDF2.match(method):
        iterations = int(pbkdf2.group(2) or 1_000_000)
        if iterations < 1:
            return "pbkdf2 needs at least one iteration"
        if production and iterations < MIN_PBKDF2_ITERATIONS:
            return f"production needs pbkdf2 with >= {MIN_PBKDF2_ITERATIONS} iterations"
        return None
    return "use scrypt[:N:r:p] or pbkdf2[:sha256|sha512[:iterations]]"


def current_method() -> str:
    """The configured hash method (the strong default outside an app context)."""
    if has_app_context():
        return str(current_app.config.get("PASSWORD_HASH_METHOD") or DEFAULT_METHOD)
    return DEFAULT_METHOD


def hash_password(password: str) -> str:
    """Hash ``password`` with the configured method."""
    return generate_password_hash(password, method=current_method())


def verify_password(stored_hash: str, password: str) -> bool:
    """Compare ``password`` with a stored hash (whatever method made it)."""
    return check_password_hash(stored_hash, password)


def burn_check(password: str) -> None:
    """Spend what checking a real hash costs, for an unknown user (constant-time logins)."""
    method = current_method()
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash("not-a-real-password", method=method)
    check_password_hash(_dummy_hashes[method], password)
