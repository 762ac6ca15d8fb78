"""The Usages statement cache: one rated report per organization, period, mode, language and
ledger stamp.

The ledger stamp (:mod:`portal.models.ledger`) is replaced by database triggers in the same
transaction as any change to usage, prices, invoices or the organizations' billing fields, so
a key names exactly one state of the ledger: a stale figure cannot be served, whatever host or
worker cached it.  The stamp is read BEFORE the statement is rated, so an entry may at worst
hold figures newer than its key, never older.

A period that is over in every time zone is rated once per stamp.  A running period is rated
as of the last whole ``USAGES_LIVE_SECONDS`` (the page says "as of"); 0 rates it afresh on
every request.  Entries live in Redis when ``CACHE_REDIS_URL`` is set (shared by every worker
and host), else in a small in-process LRU (correct too, since keys carry the database's stamp;
only not shared).
"""

from __future__ import annotations

import logging
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import select

from portal import settings
from portal.billing import Period
from portal.billing_read import Scope
from portal.extensions import db
from portal.models import LEDGER_ROW, LedgerStamp, Organization
from portal.usages.report import UsageReport

log = logging.getLogger(__name__)

EXTENSION_KEY = "portal.usages.cache"
PREFIX = "portal:usages:v1:"
#: In-process entries kept per worker (a 1,000-camera report is a few MB).
MEMORY_ENTRIES = 32
#: Redis entries expire after a day unused (a new stamp makes them unreachable anyway).
REDIS_TTL = 86_400
#: The latest UTC offset in use (UTC-12): a period is over everywhere once it is over there.
_LAST_ZONE = "Etc/GMT+12"


@dataclass(frozen=True)
class Entry:
    """What is kept: the report and the instant it was rated at."""

    report: UsageReport
    rated_at: datetime


class _Memory:
    """A small thread-safe LRU."""

    def __init__(self, size: int) -> None:
        self.size, self.items, self.lock = size, OrderedDict[str, Entry](), threading.Lock()

    def get(self, key: str) -> Entry | None:
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
            return found

    def put(self, key: str, entry: Entry) -> None:
        with self.lock:
            self.items[key] = entry
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


class _Redis:
    """Entries pickled into Redis (the ORM organization is not stored: it is put back on read)."""

    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2)

    def get(self, key: str) -> Entry | None:
        raw = self.client.get(PREFIX + key)
        return pickle.loads(bytes(raw)) if raw else None  # type: ignore[arg-type]  # noqa: S301  (ours only)

    def put(self, key: str, entry: Entry) -> None:
        self.client.set(PREFIX + key, pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL), ex=REDIS_TTL)

    def clear(self) -> None:
        for key in self.client.scan_iter(PREFIX + "*"):
            self.client.delete(key)


def _store() -> _Memory | _Redis:
    store = current_app.extensions.get(EXTENSION_KEY)
    if store is None:
        url = settings.current().cache.redis_url
        store = _Redis(url) if url else _Memory(MEMORY_ENTRIES)
        current_app.extensions[EXTENSION_KEY] = store
    return store


def clear() -> None:
    """Forget every entry (benchmarks; never needed for correctness)."""
    _store().clear()


def current_stamp() -> str | None:
    """The ledger's current stamp (None before the first change: nothing is cached then)."""
    return db.session.scalar(select(LedgerStamp.stamp).where(LedgerStamp.id == LEDGER_ROW))


def rating_instant(period: Period, now: datetime, live_seconds: int) -> datetime | None:
    """The instant to rate ``period`` at for a cacheable report, or None when it is not cacheable.

    An ended period is rated at its end in the latest zone (any later instant gives the same
    figures); a running one at ``now`` floored to ``live_seconds``.
    """
    over = period.bounds(_LAST_ZONE)[1] + timedelta(days=1)
    if now >= over:
        return over
    if live_seconds <= 0:
        return None
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % live_seconds, timezone.utc)


def _portable(report: UsageReport) -> UsageReport:
    """The report without its ORM organization (it is put back from the request's own)."""
    return replace(report, scope=Scope(None, report.scope.orgs, report.scope.titles))  # type: ignore[arg-type]


def cached_report(
    org: Organization,
    period: Period,
    now: datetime,
    language: str,
    compute: Callable[[datetime], UsageReport],
) -> tuple[UsageReport, datetime]:
    """The report of ``org`` over ``period`` and the instant it was rated at.

    ``compute(at)`` rates it at ``at`` (a miss, or when the period cannot be cached).
    """
    config = settings.current()
    at = rating_instant(period, now, config.cache.live_seconds)
    stamp = current_stamp() if at is not None else None
    if at is None or stamp is None:
        return compute(now), now
    key = f"{org.id}:{period.start}:{period.end}:{config.billing.proration}:{language}:{at.isoformat()}:{stamp}"
    store = _store()
    try:
        entry = store.get(key)
    except Exception:  # a cache outage costs speed, never the page
        log.exception("statement cache unavailable")
        entry, store = None, _Memory(1)
    if entry is None:
        entry = Entry(compute(at), at)
        try:
            store.put(key, Entry(_portable(entry.report), at) if isinstance(store, _Redis) else entry)
        except Exception:
            log.exception("statement cache unavailable")
    report = entry.report
    if report.scope.payer is not org:
        report = replace(report, scope=Scope(org, report.scope.orgs, report.scope.titles))
    return report, entry.rated_at if entry.rated_at < now else now
