"""Typed settings: built and validated once by :func:`portal.create_app`, handed to services.

``portal.config.load_config`` reads the environment into Flask's config mapping
(Flask and its extensions need that); :class:`Settings` is the typed, frozen view
of the part the portal's own services use.  Services never read
``current_app.config``: they take a ``Settings`` (views pass :func:`current`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, current_app

from portal.billing import ProrationMode
from portal.config import ConfigError, check_billing, number

EXTENSION_KEY = "portal.settings"


@dataclass(frozen=True)
class WatcherSettings:
    """How to reach Watcher and how hard to try."""

    url: str = ""
    login: str = ""
    password: str = ""
    timeout: float = 10.0
    quick_timeout: float = 3.0
    retries: int = 3
    backoff: float = 0.5
    dispatch_on_commit: bool = True
    outbox_backoff: float = 5.0
    outbox_max_attempts: int = 20
    bill_disabled_cameras: bool = False

    @property
    def configured(self) -> bool:
        """True when a Watcher URL is set."""
        return bool(self.url)


@dataclass(frozen=True)
class BillingSettings:
    """Invoicing rules: proration, tax, due days (PDFs are stored in the database: portal/documents)."""

    proration: ProrationMode = ProrationMode.SECOND
    tax_bp: int = 0
    due_days: int = 14


@dataclass(frozen=True)
class CacheSettings:
    """The Usages statement cache: shared through Redis when ``CACHE_REDIS_URL`` is set."""

    redis_url: str = ""
    #: A running period is rated as of the last whole ``live_seconds`` (0: never cache it).
    live_seconds: int = 60


@dataclass(frozen=True)
class MailSettings:
    """The SMTP server outgoing mail goes through."""

    server: str = "127.0.0.1"
    port: int = 25
    use_tls: bool = False
    username: str = ""
    password: str = ""
    sender: str = "billing@localhost"


@dataclass(frozen=True)
class DunningSettings:
    """The default dunning policy (issue 14); an organization may override the first four.

    * ``suspend_after_days``: days past the oldest overdue invoice's due date before suspension;
    * ``warning_days``: the warning e-mail goes out at least this many days before suspension;
    * ``tolerance_minor``: an overdue balance up to this (minor units, any currency) is tolerated;
    * ``stop_recording``: suspension also moves cameras to the live-only preset (recording stops);
    * ``bill_suspended``: False (default): a suspended organization's cameras are not billed
      while it is suspended (the windows are cut out of the billable spans by the read model);
    * ``live_preset_title``: the title of the live-only preset the portal keeps in Watcher.
    """

    suspend_after_days: int = 30
    warning_days: int = 7
    tolerance_minor: int = 0
    stop_recording: bool = False
    bill_suspended: bool = False
    live_preset_title: str = "Suspended (live only)"


@dataclass(frozen=True)
class ReminderSettings:
    """When payment reminders go out, in days from the due date (in the organization's time zone)."""

    days_before_due: tuple[int, ...] = (3,)
    days_after_due: tuple[int, ...] = (1, 7, 14)


def _days(config: Mapping[str, Any], name: str, default: str) -> tuple[int, ...]:
    """A comma-separated list of day counts (``"1, 7, 14"``; empty: none), sorted and unique."""
    raw = config.get(name, default)
    parts = raw if isinstance(raw, (list, tuple)) else str(raw or "").split(",")
    try:
        days = sorted({int(str(part).strip()) for part in parts if str(part).strip()})
    except ValueError as exc:
        raise ConfigError(f"{name} must be a comma-separated list of whole days, got {raw!r}") from exc
    if any(day < 1 or day > 365 for day in days):
        raise ConfigError(f"{name}: every day count must be between 1 and 365, got {raw!r}")
    return tuple(days)


@dataclass(frozen=True)
class JobSettings:
    """Where jobs go when they fan out over hosts (``JOB_BROKER_URL``; empty = in-process)."""

    broker_url: str = ""
    namespace: str = "portal"
    batch_size: int = 100
    heartbeat_seconds: int = 30
    maintenance_percent: int = 10
    time_limit_seconds: int = 3600
    wait_seconds: int = 6 * 3600

    @property
    def fan_out(self) -> bool:
        """True when a broker is configured."""
        return bool(self.broker_url)


@dataclass(frozen=True)
class Settings:
    """Everything the services read from the configuration, typed and validated."""

    default_timezone: str = "UTC"
    default_currency: str = "EUR"
    public_url: str = "http://127.0.0.1:5000"
    secret_key: str = ""
    credentials_key: str = ""
    watcher: WatcherSettings = WatcherSettings()
    billing: BillingSettings = BillingSettings()
    mail: MailSettings = MailSettings()
    dunning: DunningSettings = DunningSettings()
    reminders: ReminderSettings = ReminderSettings()
    cache: CacheSettings = CacheSettings()
    jobs: JobSettings = JobSettings()

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        """Build and validate from a Flask config mapping; raises :class:`ConfigError`."""
        tax_bp, due_days = number(config, "INVOICE_TAX_BP", 0, int), number(config, "INVOICE_DUE_DAYS", 14, int)
        proration = ProrationMode(check_billing(str(config.get("BILLING_PRORATION") or ""), tax_bp, due_days))
        timezone = str(config.get("DEFAULT_TIMEZONE") or "UTC")
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"DEFAULT_TIMEZONE is not a known time zone: {timezone!r}") from exc
        return cls(
            default_timezone=timezone,
            default_currency=str(config.get("DEFAULT_CURRENCY") or "EUR"),
            public_url=str(config.get("PUBLIC_URL") or "http://127.0.0.1:5000"),
            secret_key=str(config.get("SECRET_KEY") or ""),
            credentials_key=str(config.get("CREDENTIALS_KEY") or ""),
            watcher=_watcher(config),
            jobs=_jobs(config),
            billing=BillingSettings(
                proration=proration,
                tax_bp=tax_bp,
                due_days=due_days,
            ),
            mail=MailSettings(
                server=str(config.get("MAIL_SERVER") or "127.0.0.1"),
                port=number(config, "MAIL_PORT", 25, int),
                use_tls=bool(config.get("MAIL_USE_TLS")),
                username=str(config.get("MAIL_USERNAME") or ""),
                password=str(config.get("MAIL_PASSWORD") or ""),
                sender=str(config.get("MAIL_FROM") or "billing@localhost"),
            ),
            dunning=_dunning(config),
            reminders=ReminderSettings(
                days_before_due=_days(config, "REMINDER_DAYS_BEFORE_DUE", "3"),
                days_after_due=_days(config, "REMINDER_DAYS_AFTER_DUE", "1,7,14"),
            ),
            cache=_cache(config),
        )


def _dunning(config: Mapping[str, Any]) -> DunningSettings:
    """The default dunning policy, validated."""
    dunning = DunningSettings(
        suspend_after_days=number(config, "DUNNING_SUSPEND_AFTER_DAYS", 30, int),
        warning_days=number(config, "DUNNING_WARNING_DAYS", 7, int),
        tolerance_minor=number(config, "DUNNING_TOLERANCE_MINOR", 0, int),
        stop_recording=bool(config.get("DUNNING_STOP_RECORDING", False)),
        bill_suspended=bool(config.get("DUNNING_BILL_SUSPENDED", False)),
        live_preset_title=str(config.get("DUNNING_LIVE_PRESET_TITLE") or "Suspended (live only)")[:100],
    )
    if not 0 <= dunning.suspend_after_days <= 365 or not 0 <= dunning.warning_days <= 365:
        raise ConfigError("DUNNING_SUSPEND_AFTER_DAYS and DUNNING_WARNING_DAYS must be between 0 and 365")
    if dunning.tolerance_minor < 0:
        raise ConfigError("DUNNING_TOLERANCE_MINOR must not be negative")
    return dunning


def _cache(config: Mapping[str, Any]) -> CacheSettings:
    """The statement cache's settings, validated."""
    live = number(config, "USAGES_LIVE_SECONDS", 60, int)
    if not 0 <= live <= 3600:
        raise ConfigError("USAGES_LIVE_SECONDS must be between 0 and 3600")
    return CacheSettings(redis_url=str(config.get("CACHE_REDIS_URL") or ""), live_seconds=live)


def _watcher(config: Mapping[str, Any]) -> WatcherSettings:
    """The Watcher part of the settings, validated."""
    watcher = WatcherSettings(
        url=str(config.get("WATCHER_URL") or ""),
        login=str(config.get("WATCHER_LOGIN") or ""),
        password=str(config.get("WATCHER_PASSWORD") or ""),
        timeout=number(config, "WATCHER_TIMEOUT", 10.0, float),
        quick_timeout=number(config, "WATCHER_QUICK_TIMEOUT", 3.0, float),
        retries=number(config, "WATCHER_RETRIES", 3, int),
        backoff=number(config, "WATCHER_BACKOFF", 0.5, float),
        dispatch_on_commit=bool(config.get("WATCHER_DISPATCH_ON_COMMIT", True)),
        outbox_backoff=number(config, "OUTBOX_BACKOFF", 5.0, float),
        outbox_max_attempts=number(config, "OUTBOX_MAX_ATTEMPTS", 20, int),
        bill_disabled_cameras=bool(config.get("BILL_DISABLED_CAMERAS", False)),
    )
    if watcher.timeout <= 0 or watcher.quick_timeout <= 0:
        raise ConfigError("WATCHER_TIMEOUT and WATCHER_QUICK_TIMEOUT must be positive")
    if watcher.retries < 0 or watcher.backoff < 0 or watcher.outbox_backoff < 0:
        raise ConfigError("WATCHER_RETRIES, WATCHER_BACKOFF and OUTBOX_BACKOFF_SECONDS must not be negative")
    if watcher.outbox_max_attempts < 1:
        raise ConfigError("OUTBOX_MAX_ATTEMPTS must be at least 1")
    return watcher


def _jobs(config: Mapping[str, Any]) -> JobSettings:
    """The job-queue part of the settings, validated."""
    jobs = JobSettings(
        broker_url=str(config.get("JOB_BROKER_URL") or ""),
        namespace=str(config.get("JOB_NAMESPACE") or "portal"),
        batch_size=number(config, "JOB_BATCH_SIZE", 100, int),
        heartbeat_seconds=number(config, "JOB_HEARTBEAT_SECONDS", 30, int),
        maintenance_percent=number(config, "JOB_MAINTENANCE_PERCENT", 10, int),
        time_limit_seconds=number(config, "JOB_TIME_LIMIT_SECONDS", 3600, int),
        wait_seconds=number(config, "JOB_WAIT_SECONDS", 6 * 3600, int),
    )
    if jobs.broker_url and not jobs.broker_url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("JOB_BROKER_URL must be a Redis URL (redis://host:6379/0), or empty to run jobs in-process")
    if jobs.batch_size < 1 or jobs.heartbeat_seconds < 1 or jobs.time_limit_seconds < 1 or jobs.wait_seconds < 1:
        raise ConfigError("JOB_BATCH_SIZE and the JOB_*_SECONDS settings must be positive")
    if not 1 <= jobs.maintenance_percent <= 100:
        raise ConfigError("JOB_MAINTENANCE_PERCENT must be between 1 and 100")
    return jobs


def install(app: Flask) -> Settings:
    """Validate ``app.config`` once and keep the settings on the app (called by ``create_app``)."""
    settings = Settings.from_config(app.config)
    app.extensions[EXTENSION_KEY] = settings
    return settings


def current() -> Settings:
    """The settings of the current app (for views, CLI commands and the job runner)."""
    settings: Settings = current_app.extensions[EXTENSION_KEY]
    return settings
