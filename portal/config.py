"""Settings from the environment.

``PORTAL_ENV`` selects the profile: ``development`` (default), ``testing`` or
``production``.  Production refuses to start without the secrets it needs, so a
forgotten variable fails at boot instead of at the first login.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from portal.passwords import DEFAULT_METHOD, check_method

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"

#: Variables that must be set when PORTAL_ENV=production.
REQUIRED_IN_PRODUCTION = (
    "SECRET_KEY",
    "DATABASE_URL",
    "CREDENTIALS_KEY",
    "WATCHER_URL",
    "WATCHER_LOGIN",
    "WATCHER_PASSWORD",
    "EXTERNAL_AUTH_SECRET",
)


class ConfigError(RuntimeError):
    """Raised at start-up when the configuration cannot work."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


N = TypeVar("N", int, float)


def number(values: Mapping[str, Any], name: str, default: N, kind: type[N]) -> N:
    """``values[name]`` as an ``int`` or ``float`` (``default`` when unset); raises :class:`ConfigError`."""
    raw = values.get(name)
    if raw is None or raw == "":
        return default
    try:
        return kind(raw)
    except (TypeError, ValueError) as exc:
        article = "an integer" if kind is int else "a number"
        raise ConfigError(f"{name} must be {article}, got {raw!r}") from exc


def _int(env: Mapping[str, Any], name: str, default: int) -> int:
    return number(env, name, default, int)


def check_billing(proration: str, tax_bp: int, due_days: int) -> str:
    """Validate the invoicing settings; returns the proration mode normalised (``second``/``day``)."""
    proration = (proration or "second").strip().lower()
    if proration not in {"second", "day"}:
        raise ConfigError(f"BILLING_PRORATION must be second or day, not {proration!r}")
    if not 0 <= tax_bp <= 10_000:
        raise ConfigError("INVOICE_TAX_BP is in basis points: 0 to 10000 (1900 = 19 %)")
    if not 0 <= due_days <= 365:
        raise ConfigError("INVOICE_DUE_DAYS must be between 0 and 365")
    return proration


def _check_fernet_key(key: str) -> None:
    """Refuse a CREDENTIALS_KEY that is not a Fernet key now, not at the first password push."""
    from cryptography.fernet import Fernet

    try:
        Fernet(key.encode())
    except ValueError as exc:
        raise ConfigError(
            "CREDENTIALS_KEY must be a Fernet key (32 url-safe base64-encoded bytes): "
            "python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'"
        ) from exc


def load_config(env: dict[str, str] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from ``env`` (defaults to ``os.environ``)."""
    env = dict(os.environ if env is None else env)
    profile = env.get("PORTAL_ENV", "development")
    if profile not in {"development", "testing", "production"}:
        raise ConfigError(f"PORTAL_ENV must be development, testing or production, not {profile!r}")
    production = profile == "production"
    if production:
        missing = [name for name in REQUIRED_IN_PRODUCTION if not env.get(name)]
        if missing:
            raise ConfigError("Missing required settings for production: " + ", ".join(missing))
        if len(env["SECRET_KEY"]) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters in production")

    if production:
        _check_fernet_key(env["CREDENTIALS_KEY"])
    tax_bp = _int(env, "INVOICE_TAX_BP", 0)
    due_days = _int(env, "INVOICE_DUE_DAYS", 14)
    proration = check_billing(env.get("BILLING_PRORATION") or "second", tax_bp, due_days)

    password_hash_method = (env.get("PASSWORD_HASH_METHOD") or DEFAULT_METHOD).strip()
    problem = check_method(password_hash_method, production)
    if problem:
        raise ConfigError(f"PASSWORD_HASH_METHOD {password_hash_method!r}: {problem}")

    if not 1 <= _int(env, "REMEMBER_DAYS", 14) <= 90:
        raise ConfigError("REMEMBER_DAYS (how long 'keep me signed in' lasts) must be between 1 and 90")

    database_url = env.get("DATABASE_URL") or f"sqlite:///{INSTANCE / 'portal.sqlite'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://") :]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]

    return {
        "PORTAL_ENV": profile,
        "SECRET_KEY": env.get("SECRET_KEY") or "dev-only-secret-key-change-me-0123456789",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), default=production),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), default=production),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": timedelta(days=_int(env, "REMEMBER_DAYS", 14)),
        "PERMANENT_SESSION_LIFETIME": _int(env, "SESSION_LIFETIME_SECONDS", 8 * 3600),
        "WTF_CSRF_ENABLED": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "PASSWORD_HASH_METHOD": password_hash_method,
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "30 per minute"),  # failed sign-ins per address
        "BOOTSTRAP_SERVE_LOCAL": True,
        "BOOTSTRAP_BOOTSWATCH_THEME": None,
        "PER_PAGE": _int(env, "PER_PAGE", 25),
        "DEFAULT_TIMEZONE": env.get("DEFAULT_TIMEZONE", "UTC"),
        "DEFAULT_CURRENCY": env.get("DEFAULT_CURRENCY", "EUR"),
        "CREDENTIALS_KEY": env.get("CREDENTIALS_KEY", ""),
        "WATCHER_URL": env.get("WATCHER_URL", ""),
        "WATCHER_LOGIN": env.get("WATCHER_LOGIN", ""),
        "WATCHER_PASSWORD": env.get("WATCHER_PASSWORD", ""),
        "WATCHER_TIMEOUT": _int(env, "WATCHER_TIMEOUT", 10),
        "WATCHER_QUICK_TIMEOUT": _int(env, "WATCHER_QUICK_TIMEOUT", 3),
        "WATCHER_RETRIES": _int(env, "WATCHER_RETRIES", 3),
        "WATCHER_BACKOFF": number(env, "WATCHER_BACKOFF", 0.5, float),
        "WATCHER_DISPATCH_ON_COMMIT": _bool(env.get("WATCHER_DISPATCH_ON_COMMIT"), default=True),
        "OUTBOX_BACKOFF": _int(env, "OUTBOX_BACKOFF_SECONDS", 5),
        "OUTBOX_MAX_ATTEMPTS": _int(env, "OUTBOX_MAX_ATTEMPTS", 20),
        "BILL_DISABLED_CAMERAS": _bool(env.get("BILL_DISABLED_CAMERAS")),
        "BILLING_PRORATION": proration,
        "INVOICE_TAX_BP": tax_bp,
        "INVOICE_DUE_DAYS": due_days,
        "REMINDER_DAYS_BEFORE_DUE": env.get("REMINDER_DAYS_BEFORE_DUE", "3"),
        "REMINDER_DAYS_AFTER_DUE": env.get("REMINDER_DAYS_AFTER_DUE", "1,7,14"),
        "EXTERNAL_AUTH_SECRET": env.get("EXTERNAL_AUTH_SECRET", ""),
        "EXTERNAL_AUTH_ALLOWED_IPS": env.get("EXTERNAL_AUTH_ALLOWED_IPS", ""),
        "EXTERNAL_AUTH_RATE_LIMIT": env.get("EXTERNAL_AUTH_RATE_LIMIT", "120 per minute"),
        # seconds before the "let Watcher decide" answer: past Watcher's documented 2 s wait
        "EXTERNAL_AUTH_FALLBACK_DELAY": _int(env, "EXTERNAL_AUTH_FALLBACK_DELAY_MS", 2500) / 1000,
        "MAIL_SERVER": env.get("MAIL_SERVER", "127.0.0.1"),
        "MAIL_PORT": _int(env, "MAIL_PORT", 25),
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD", ""),
        "MAIL_FROM": env.get("MAIL_FROM", "billing@localhost"),
        "MAIL_SEND_AFTER_RESPONSE": _bool(env.get("MAIL_SEND_AFTER_RESPONSE"), default=True),
        "MAIL_MAX_ATTEMPTS": _int(env, "MAIL_MAX_ATTEMPTS", 10),
        "MAIL_BACKOFF_SECONDS": _int(env, "MAIL_BACKOFF_SECONDS", 30),
        "PUBLIC_URL": env.get("PUBLIC_URL", "http://127.0.0.1:5000"),
        # dunning (issue 14): defaults of every organization's policy, see portal/settings.py
        "DUNNING_SUSPEND_AFTER_DAYS": _int(env, "DUNNING_SUSPEND_AFTER_DAYS", 30),
        "DUNNING_WARNING_DAYS": _int(env, "DUNNING_WARNING_DAYS", 7),
        "DUNNING_TOLERANCE_MINOR": _int(env, "DUNNING_TOLERANCE_MINOR", 0),
        "DUNNING_STOP_RECORDING": _bool(env.get("DUNNING_STOP_RECORDING")),
        "DUNNING_BILL_SUSPENDED": _bool(env.get("DUNNING_BILL_SUSPENDED")),
        "DUNNING_LIVE_PRESET_TITLE": env.get("DUNNING_LIVE_PRESET_TITLE", "Suspended (live only)"),
        "CACHE_REDIS_URL": env.get("CACHE_REDIS_URL", ""),
        "USAGES_LIVE_SECONDS": _int(env, "USAGES_LIVE_SECONDS", 60),
        "DOCUMENTS_RENDER_IN_PROCESS": _bool(env.get("DOCUMENTS_RENDER_IN_PROCESS"), default=True),
        # jobs over several hosts: empty = everything runs in-process (see portal/jobs)
        "JOB_BROKER_URL": env.get("JOB_BROKER_URL", ""),
        "JOB_NAMESPACE": env.get("JOB_NAMESPACE", "portal"),
        "JOB_BATCH_SIZE": _int(env, "JOB_BATCH_SIZE", 100),
        "JOB_HEARTBEAT_SECONDS": _int(env, "JOB_HEARTBEAT_SECONDS", 30),
        "JOB_MAINTENANCE_PERCENT": _int(env, "JOB_MAINTENANCE_PERCENT", 10),
        "JOB_TIME_LIMIT_SECONDS": _int(env, "JOB_TIME_LIMIT_SECONDS", 3600),
        "JOB_WAIT_SECONDS": _int(env, "JOB_WAIT_SECONDS", 6 * 3600),
    }
