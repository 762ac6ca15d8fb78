"""Password hashing: production keeps a strong work factor; only the tests choose a cheap one."""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.security import check_password_hash

from portal.config import ConfigError, load_config
from portal.extensions import db
from portal.models import User
from portal.passwords import DEFAULT_METHOD, burn_check, check_method, hash_password

PRODUCTION = {
    "PORTAL_ENV": "production",
    "SECRET_KEY": "x" * 40,
    "DATABASE_URL": "postgresql://db/billing",
    "CREDENTIALS_KEY": "Tm90LWEtcmVhbC1rZXktYnV0LTMyLWJ5dGVzLWxvbmc=",
    "WATCHER_URL": "http://w",
    "WATCHER_LOGIN": "admin",
    "WATCHER_PASSWORD": "pw",
    "EXTERNAL_AUTH_SECRET": "s",
}


def test_production_default_is_strong_scrypt() -> None:
    config = load_config(PRODUCTION)
    assert config["PASSWORD_HASH_METHOD"] == DEFAULT_METHOD == "scrypt:32768:8:1"
    assert load_config({})["PASSWORD_HASH_METHOD"] == DEFAULT_METHOD  # development too
    with Flask(__name__).app_context() as ctx:
        ctx.app.config.update(config)
        stored = hash_password("correct horse")
    assert stored.startswith("scrypt:32768:8:1$") and check_password_hash(stored, "correct horse")


@pytest.mark.parametrize("weak", ["pbkdf2:sha256:1000", "scrypt:16:8:1", "scrypt:16384"])
def test_production_refuses_a_weak_method(weak: str) -> None:
    with pytest.raises(ConfigError, match="PASSWORD_HASH_METHOD"):
        load_config({**PRODUCTION, "PASSWORD_HASH_METHOD": weak})
    assert load_config({"PASSWORD_HASH_METHOD": weak})["PASSWORD_HASH_METHOD"] == weak  # fine elsewhere


@pytest.mark.parametrize("bad", ["md5", "scrypt:1000:8:1", "pbkdf2:sha1:1000", "plain"])
def test_unknown_or_broken_methods_are_refused(bad: str) -> None:
    assert check_method(bad, production=False)
    with pytest.raises(ConfigError, match="PASSWORD_HASH_METHOD"):
        load_config({"PASSWORD_HASH_METHOD": bad})


def test_strong_methods_pass_in_production() -> None:
    for method in ("scrypt", "scrypt:32768:8:1", "scrypt:65536:8:2", "pbkdf2:sha256:600000", "pbkdf2"):
        assert check_method(method, production=True) is None, method


def test_tests_use_the_cheap_method_and_hashes_carry_it(app: Flask) -> None:
    with app.app_context():
        assert app.config["PASSWORD_HASH_METHOD"] == "pbkdf2:sha256:1000"
        user = User(email="h@example.com", role="subscriber")
        user.set_password("secret-pass-1")
        db.session.add(user)
        db.session.commit()
        assert user.password_hash.startswith("pbkdf2:sha256:1000$")
        assert user.check_password("secret-pass-1") and not user.check_password("other")
        burn_check("whatever")  # the unknown-user path works with the configured method
