"""Pull (Watcher -> portal): turn the streams Watcher lists into cameras and usage intervals.

The ledger rules (DESIGN.md section 4):

* a new camera opens an interval at its ``created_at``;
* a preset or organization change closes the open interval and opens the next
  one at the stream's ``last_change`` time when that change happened since the
  camera was last observed, else at the time the change is observed;
* a disabled camera's interval is closed while it is disabled (unless the
  ``BILL_DISABLED_CAMERAS`` setting says otherwise);
* a camera that vanished closes at the time it was first seen missing.

A camera on the live-only preset of a suspension (issue 14, ``portal.dunning.watcher``) is
not on an unknown tariff: it counts as still on the preset it had before (stored when it was
moved), or, if that is unknown, as still on the tariff of its open interval, so suspension and
restoration never close or reopen usage; billing cuts the suspension window out instead.

Presets that map to no tariff and organizations the portal does not manage are
reported, never guessed: such a camera is kept with no open interval.  The work
is set-based and page by page: a fixed number of statements per page of streams
(plain columns, only changed rows written, ``last_seen_at`` in one statement per
page), and memory that follows the page size, not the number of cameras.  While a
page is written the next ones are already being fetched (on Linux by a forked child
process, see :func:`_prefetched`).
"""

from __future__ import annotations

import json
import multiprocessing
import pickle
import queue
import sys
import threading
from collections.abc import Generator, Iterable, Iterator, Sequence
from contextlib import closing, suppress
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from operator import attrgetter
from typing import Any

import requests
from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    DateTime,
    Integer,
    Table,
    TextClause,
    and_,
    bindparam,
    case,
    insert,
    select,
    text,
    update,
)

from portal import collector, unit_of_work
from portal import settings as portal_settings
from portal.extensions import db
from portal.models import Camera, Organization, SuspendedCamera, SyncRun, Tariff, UsageInterval, utcnow
from portal.models.base import UTCDateTime
from portal.sync.locks import job_lock
from portal.watcher import (
    Stream,
    WatcherClient,
    WatcherError,
    WatcherUnavailable,
    ms_to_datetime,
)
from portal.watcher.paging import follow_cursors, next_cursor, parse_page

STREAM_FIELDS = ("name", "title", "disabled", "organization", "organization_id", "preset", "created_at", "last_change")


@dataclass
class PullResult:
    """Counts and findings of one pull."""

    seen: int = 0
    new_cameras: int = 0
    updated_cameras: int = 0
    opened: int = 0
    closed: int = 0
    vanished: int = 0
    unknown_presets: dict[str, list[str]] = field(default_factory=dict)
    unmanaged_organizations: dict[str, list[str]] = field(default_factory=dict)
    #: cameras on the live-only preset of a suspension, counted on their previous tariff
    suspended: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """The counters as a dict."""
        return {k: getattr(self, k) for k in ("seen", "new_cameras", "updated_cameras", "opened", "closed", "vanished")}

    @property
    def changed(self) -> bool:
        """True when the ledger or the cameras changed."""
        return any(v for k, v in self.counts().items() if k != "seen")


def _ts(ms: int | None) -> datetime | None:
    return ms_to_datetime(ms) if ms is not None else None


def _change_time(stream: Stream, previous_seen: datetime | None, floor: datetime | None, now: datetime) -> datetime:
    """When a change observed now took place: ``last_change`` if it is news, else now."""
    changed_at = _ts(stream.last_change_at)
    at = now
    if changed_at is not None and changed_at <= now and (previous_seen is None or changed_at > previous_seen):
        at = changed_at
    if floor is not None and at < floor:
        at = floor
    return at


_CAMERA_COLUMNS = (
    Camera.id,
    Camera.name,
    Camera.title,
    Camera.organization_id,
    Camera.tariff_id,
    Camera.watcher_organization_id,
    Camera.watcher_preset_id,
    Camera.disabled,
    Camera.watcher_created_at,
    Camera.last_seen_at,
    Camera.missing_since,
)
_FIELDS = (
    "title",
    "organization_id",
    "tariff_id",
    "watcher_organization_id",
    "watcher_preset_id",
    "disabled",
    "watcher_created_at",
)
#: A camera row's stored values of :data:`_FIELDS`, by name (rows of either dialect's read).
_stored = attrgetter(*_FIELDS)
_cameras: Table = Camera.__table__  # type: ignore[assignment]
_intervals: Table = UsageInterval.__table__  # type: ignore[assignment]
#: Names kept per unknown preset or unmanaged organization in a report (the count stays exact).
REPORT_NAMES = 100
#: Streams asked for per page, and the most kept in memory at once.
PAGE_SIZE = 500


class Puller:
    """One pull, fed page by page: memory follows the page, not the number of cameras.

    Each page costs a fixed number of statements: one read of its cameras and their
    open intervals as plain columns, bulk writes of what changed, and ONE ``UPDATE``
    of ``last_seen_at`` for every camera it listed.  :meth:`finish` then marks the
    cameras no page listed as vanished, set-based.  Flushes, never commits.
    """

    def __init__(self, now: datetime | None = None, bill_disabled: bool | None = None) -> None:
        self.now = now or utcnow()
        if bill_disabled is None:
            bill_disabled = portal_settings.current().watcher.bill_disabled_cameras
        self.bill_disabled = bill_disabled
        self.result = PullResult()
        self.orgs: dict[int, int] = {
            w: i
            for w, i in db.session.execute(
                select(Organization.watcher_id, Organization.id).where(Organization.watcher_id.is_not(None))
            )
        }
        self.tariffs: dict[int, int] = {
            w: i
            for w, i in db.session.execute(select(Tariff.watcher_id, Tariff.id).where(Tariff.watcher_id.is_not(None)))
        }
        # cameras moved to the live-only preset by a suspension: name -> the preset they had before
        self.moved: dict[str, int | None] = {
            name: previous
            for name, previous in db.session.execute(
                select(SuspendedCamera.camera_name, SuspendedCamera.previous_preset_id)
            )
        }
        self.live_ids = set(db.session.scalars(select(SuspendedCamera.live_preset_id).distinct()))
        self.live_title = portal_settings.current().dunning.live_preset_title

    def _on_live_preset(self, stream: Stream) -> bool:
        return stream.preset_id in self.live_ids or bool(self.live_title and stream.preset_title == self.live_title)

    def _suspended_tariffs(self, streams: Sequence[Stream]) -> dict[str, int | None]:
        """The tariff each stream on the live-only preset counts on: its previous preset's, or
        (moved but not yet recorded) its open interval's; one statement only when needed."""
        found: dict[str, int | None] = {}
        unrecorded: list[str] = []
        for stream in streams:
            if stream.preset_id is not None and stream.preset_id in self.tariffs or not self._on_live_preset(stream):
                continue
            previous = self.moved.get(stream.name)
            if previous is not None:
                found[stream.name] = self.tariffs.get(previous)
            else:
                unrecorded.append(stream.name)
        if unrecorded:
            found.update(
                db.session.execute(
                    select(Camera.name, UsageInterval.tariff_id)
                    .join(UsageInterval, and_(UsageInterval.camera_id == Camera.id, UsageInterval.ended_at.is_(None)))
                    .where(_among(_cameras.c.name, unrecorded))
                ).tuples()
            )
        return found

    def _report_suspended(self, name: str) -> None:
        if len(self.result.suspended) < REPORT_NAMES:
            self.result.suspended.append(name)

    def _report(self, found: dict[str, list[str]], key: str, name: str) -> None:
        names = found.setdefault(key, [])
        if len(names) < REPORT_NAMES:
            names.append(name)

    def page(self, streams: Sequence[Stream]) -> None:
        """Apply one page of the listing."""
        if not streams:
            return
        now, result = self.now, self.result
        result.seen += len(streams)
        wanted: list[tuple[Stream, int | None, int | None, tuple[int, int] | None]] = []
        suspended = self._suspended_tariffs(streams)
        for stream in streams:
            org_id = self.orgs.get(stream.organization_id) if stream.organization_id is not None else None
            tariff_id = self.tariffs.get(stream.preset_id) if stream.preset_id is not None else None
            if tariff_id is None and suspended.get(stream.name) is not None:
                tariff_id = suspended[stream.name]
                self._report_suspended(stream.name)
            if stream.organization_id is not None and org_id is None:
                self._report(result.unmanaged_organizations, str(stream.organization_id), stream.name)
            elif org_id is not None and tariff_id is None:
                label = f"{stream.preset_id} {stream.preset_title or ''}".strip() if stream.preset_id else "(none)"
                self._report(result.unknown_presets, label, stream.name)
            billable = org_id is not None and tariff_id is not None and (self.bill_disabled or not stream.disabled)
            want = (org_id, tariff_id) if billable and org_id is not None and tariff_id is not None else None
            wanted.append((stream, org_id, tariff_id, want))
        postgres = _postgres()
        # PostgreSQL has already touched the unchanged cameras and written the new ones, and
        # answers only the known cameras that need work; elsewhere every known camera is answered.
        if postgres:
            new_cameras, opened, rows = _write_page_pg(wanted, now)
            result.new_cameras += new_cameras
            result.opened += opened
        else:
            rows = _read_page(wanted)

        new_rows: list[dict[str, Any]] = []
        camera_updates: list[dict[str, Any]] = []
        seen_ids: list[int] = []
        closes: list[dict[str, Any]] = []
        opens: list[dict[str, Any]] = []
        pending_opens: list[tuple[str, dict[str, Any]]] = []
        for stream, org_id, tariff_id, want in wanted:
            camera = rows.get(stream.name)
            if camera is None and postgres:
                continue  # unchanged (its last_seen_at is set) or new (written)
            values = (
                stream.title or "",
                org_id,
                tariff_id,
                stream.organization_id,
                stream.preset_id,
                stream.disabled,
                _ts(stream.created_at),
            )
            fields = dict(zip(_FIELDS, values, strict=True))
            if camera is None:
                result.new_cameras += 1
                created = values[-1]
                start = created if created is not None and created <= now else now
                new_rows.append(
                    {"name": stream.name, **fields, "first_seen_at": now, "last_seen_at": now, "missing_since": None}
                )
                if want:
                    pending_opens.append(
                        (stream.name, {"organization_id": want[0], "tariff_id": want[1], "started_at": start})
                    )
                continue
            have = (camera.open_org, camera.open_tariff) if camera.open_id is not None else None
            reappeared = camera.missing_since is not None
            if want != have:
                floor = camera.open_start if camera.open_id is not None else None
                at = now if reappeared else _change_time(stream, camera.last_seen_at, floor, now)
                if camera.open_id is not None:
                    closes.append({"id": camera.open_id, "ended_at": at})
                    result.closed += 1
                if want:
                    opens.append(
                        {
                            "camera_id": camera.id,
                            "organization_id": want[0],
                            "tariff_id": want[1],
                            "started_at": at,
                            "created_at": now,
                        }
                    )
            changed = reappeared or _stored(camera) != values
            if changed or postgres:  # PostgreSQL answered it for its interval: seen in the same write
                result.updated_cameras += int(changed)
                camera_updates.append({"id": camera.id, **fields, "last_seen_at": now, "missing_since": None})
            else:
                seen_ids.append(camera.id)

        if postgres:  # new cameras are written and unchanged ones touched already
            _write_changes_pg(camera_updates, closes, opens)
            result.opened += len(opens)
            return
        if seen_ids:  # set-based: one statement for every unchanged camera of the page
            db.session.execute(
                update(Camera)
                .where(_among(_cameras.c.id, seen_ids))
                .values(last_seen_at=now)
                .execution_options(synchronize_session=False)
            )
        if camera_updates:
            _bulk_update(_cameras, camera_updates)
        if new_rows:
            ids = dict(_bulk_insert(_cameras, new_rows, returning=("name", "id")))
            opens.extend({"camera_id": ids[name], **row, "created_at": now} for name, row in pending_opens)
        if closes:
            _bulk_update(_intervals, closes)
        if opens:
            _bulk_insert(_intervals, opens)
        result.opened += len(opens)

    def finish(self) -> PullResult:
        """Close the cameras no page listed (vanished), set-based; returns the result."""
        now = self.now
        if _postgres():
            vanished, closed = db.session.execute(text(_VANISHED_PG), {"now": now}).one()
        else:
            unseen = and_(Camera.missing_since.is_(None), Camera.last_seen_at != now)
            closing = db.session.execute(
                update(UsageInterval)
                .where(UsageInterval.ended_at.is_(None), UsageInterval.camera_id.in_(select(Camera.id).where(unseen)))
                .values(ended_at=case((UsageInterval.started_at > now, UsageInterval.started_at), else_=now))
                .execution_options(synchronize_session=False)
            )
            marking = db.session.execute(
                update(Camera).where(unseen).values(missing_since=now).execution_options(synchronize_session=False)
            )
            closed, vanished = getattr(closing, "rowcount", 0), getattr(marking, "rowcount", 0)
        self.result.closed += int(closed or 0)
        self.result.vanished += int(vanished or 0)
        db.session.flush()
        return self.result


#: PostgreSQL: the cameras no page listed are marked missing and their open intervals closed
#: in one statement: one scan of the cameras, then the open intervals of just those by the
#: one-open-interval index (joined the other way round, every open interval is looked at).
_VANISHED_PG = """
WITH vanished AS (
    UPDATE cameras SET missing_since = :now
    WHERE missing_since IS NULL AND last_seen_at <> :now
    RETURNING id
), closed AS (
    UPDATE usage_intervals
    SET ended_at = CASE WHEN started_at > CAST(:now AS timestamptz) THEN started_at ELSE CAST(:now AS timestamptz) END
    WHERE ended_at IS NULL AND camera_id = ANY(ARRAY(SELECT id FROM vanished))
    RETURNING 1
)
SELECT (SELECT count(*) FROM vanished), (SELECT count(*) FROM closed)
"""


def _read_page(wanted: Sequence[tuple[Stream, Any, Any, Any]]) -> dict[str, Any]:
    """The page's known cameras and their open intervals as plain columns, by name."""
    return {
        row.name: row
        for row in db.session.execute(
            select(
                *_CAMERA_COLUMNS,
                UsageInterval.id.label("open_id"),
                UsageInterval.organization_id.label("open_org"),
                UsageInterval.tariff_id.label("open_tariff"),
                UsageInterval.started_at.label("open_start"),
            )
            .outerjoin(UsageInterval, and_(UsageInterval.camera_id == Camera.id, UsageInterval.ended_at.is_(None)))
            .where(_among(_cameras.c.name, [w[0].name for w in wanted]))
        )
    }


#: The page's parameters, one JSON array each: the stream's name, the camera fields but
#: ``watcher_created_at`` (sent as ``created_ms``), and the organization and tariff it wants.
_PAGE_COLUMNS = ("name", *_FIELDS[:-1], "created_ms", "want_org", "want_tariff")
_ZIPPED = ", ".join(f"json_array_elements_text(CAST(:{key} AS json))" for key in _PAGE_COLUMNS)
_NAMES = ", ".join(_PAGE_COLUMNS)
_PAGE_PG = f"""
WITH v AS (
    SELECT name, title, CAST(organization_id AS integer) AS organization_id, CAST(tariff_id AS integer) AS tariff_id,
           CAST(watcher_organization_id AS integer) AS watcher_organization_id,
           CAST(watcher_preset_id AS integer) AS watcher_preset_id, CAST(disabled AS boolean) AS disabled,
           timestamptz 'epoch' + CAST(created_ms AS bigint) * interval '1 millisecond' AS watcher_created_at,
           CAST(want_org AS integer) AS want_org, CAST(want_tariff AS integer) AS want_tariff
    FROM ROWS FROM ({_ZIPPED}) AS u({_NAMES})
), c AS (
    SELECT c.id, v.name, c.title, c.organization_id, c.tariff_id, c.watcher_organization_id, c.watcher_preset_id,
           c.disabled, c.watcher_created_at, c.last_seen_at, c.missing_since,
           i.id AS open_id, i.organization_id AS open_org, i.tariff_id AS open_tariff, i.started_at AS open_start,
           (c.id IS NOT NULL AND c.missing_since IS NULL
            AND (c.title, c.organization_id, c.tariff_id, c.watcher_organization_id, c.watcher_preset_id,
                 c.disabled, c.watcher_created_at)
                IS NOT DISTINCT FROM (v.title, v.organization_id, v.tariff_id, v.watcher_organization_id,
                                      v.watcher_preset_id, v.disabled, v.watcher_created_at)
            AND (i.organization_id, i.tariff_id) IS NOT DISTINCT FROM (v.want_org, v.want_tariff)) AS same
    FROM v
    LEFT JOIN LATERAL (SELECT * FROM cameras WHERE cameras.name = v.name LIMIT 1) AS c ON true
    LEFT JOIN LATERAL (SELECT * FROM usage_intervals AS o WHERE o.camera_id = c.id AND o.ended_at IS NULL LIMIT 1) AS i
        ON true
), touched AS (
    UPDATE cameras SET last_seen_at = :now WHERE id = ANY(ARRAY(SELECT id FROM c WHERE same))
), fresh AS (
    INSERT INTO cameras (name, title, organization_id, tariff_id, watcher_organization_id, watcher_preset_id,
                         disabled, watcher_created_at, first_seen_at, last_seen_at, missing_since)
    SELECT v.name, v.title, v.organization_id, v.tariff_id, v.watcher_organization_id, v.watcher_preset_id,
           v.disabled, v.watcher_created_at, :now, :now, NULL
    FROM v JOIN c ON c.name = v.name AND c.id IS NULL
    RETURNING id, name
), opened AS (
    INSERT INTO usage_intervals (camera_id, organization_id, tariff_id, started_at, created_at)
    SELECT fresh.id, v.want_org, v.want_tariff,
           CASE WHEN v.watcher_created_at <= CAST(:now AS timestamptz) THEN v.watcher_created_at
                ELSE CAST(:now AS timestamptz) END,
           :now
    FROM fresh JOIN v ON v.name = fresh.name
    WHERE v.want_org IS NOT NULL AND v.want_tariff IS NOT NULL
    RETURNING 1
)
SELECT k.new_cameras, k.opened, c.*
FROM (SELECT (SELECT count(*) FROM fresh) AS new_cameras, (SELECT count(*) FROM opened) AS opened) AS k
LEFT JOIN c ON c.id IS NOT NULL AND NOT c.same
"""


def _write_page_pg(wanted: Sequence[tuple[Stream, Any, Any, Any]], now: datetime) -> tuple[int, int, dict[str, Any]]:
    """PostgreSQL: one statement per page that sets ``last_seen_at`` of the unchanged cameras,
    inserts the new cameras with their opening intervals (at ``created_at`` when it is known
    and past, else now) and answers how many it inserted, and the known cameras that need
    work (changed or reappeared) with their open intervals.

    The page goes as one JSON array per column (cheap to build and to parse); the database
    compares each camera and its open interval with what the stream wants, so Python looks
    only at the changes.
    """
    rows = [
        (
            stream.name,
            stream.title or "",
            org_id,
            tariff_id,
            stream.organization_id,
            stream.preset_id,
            stream.disabled,
            stream.created_at,
            want[0] if want else None,
            want[1] if want else None,
        )
        for stream, org_id, tariff_id, want in wanted
    ]
    params = {key: json.dumps(values) for key, values in zip(_PAGE_COLUMNS, zip(*rows, strict=True), strict=True)}
    result = db.session.execute(text(_PAGE_PG), {**params, "now": now}).all()
    return result[0].new_cameras, result[0].opened, {row.name: row for row in result if row.name is not None}


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _among(column: Column[Any], values: list[Any]) -> ColumnElement[bool] | TextClause:
    """``column IN values``; on PostgreSQL ``= ANY(array)`` built from one JSON parameter.

    One parameter whatever the count (cheap to send and parse), and the array form lets
    the planner look the page up in the column's index instead of scanning the table.
    """
    if not _postgres():
        return column.in_(values)
    pg_type = "integer" if isinstance(column.type, Integer) else "text"
    name = f"{column.table.name}.{column.name}"
    return text(
        f"{name} = ANY(ARRAY(SELECT CAST(value AS {pg_type}) FROM json_array_elements_text(CAST(:among AS json))))"
    ).bindparams(among=json.dumps(values))


def _pg_type(column: Column[Any]) -> str:
    kind = column.type
    if isinstance(kind, UTCDateTime | DateTime):
        return "timestamptz"
    if isinstance(kind, Boolean):
        return "boolean"
    if isinstance(kind, Integer):
        return "integer"
    return "text"


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _recordset(table: Table, keys: list[str], rows: list[dict[str, Any]], param: str) -> tuple[str, str]:
    """``json_to_recordset(:param) AS v(key type, ...)`` and its one value: a page of rows as JSON."""
    columns = ", ".join(f"{k} {_pg_type(table.c[k])}" for k in keys)
    stamps = [k for k in keys if _pg_type(table.c[k]) == "timestamptz"]
    data = json.dumps([{**row, **{k: _json_value(row[k]) for k in stamps}} for row in rows])
    return f"json_to_recordset(CAST(:{param} AS json)) AS v({columns})", data


def _insert_sql(table: Table, rows: list[dict[str, Any]], param: str) -> tuple[str, str]:
    """PostgreSQL: ``INSERT`` of a page of rows from one JSON parameter, and that parameter's value."""
    keys = list(rows[0])
    source, data = _recordset(table, keys, rows, param)
    return f"INSERT INTO {table.name} ({', '.join(keys)}) SELECT {', '.join(keys)} FROM {source}", data


def _update_sql(table: Table, rows: list[dict[str, Any]], param: str) -> tuple[str, str]:
    """PostgreSQL: ``UPDATE`` of a page of rows by ``id`` from one JSON parameter, and its value."""
    keys = list(rows[0])
    source, data = _recordset(table, keys, rows, param)
    sets = ", ".join(f"{k} = v.{k}" for k in keys if k != "id")
    # the ANY(ARRAY(..)) lets the planner fetch the page's rows by primary key (no table scan)
    ids = f"ANY(ARRAY(SELECT CAST(e->>'id' AS integer) FROM json_array_elements(CAST(:{param} AS json)) AS e))"
    return f"UPDATE {table.name} AS t SET {sets} FROM {source} WHERE t.id = v.id AND t.id = {ids}", data


def _bulk_insert(
    table: Table, rows: list[dict[str, Any]], returning: tuple[str, str] | None = None
) -> list[tuple[Any, Any]]:
    """Insert a page of rows in one statement (not PostgreSQL: it writes a page its own way);
    optionally return two columns."""
    stmt = insert(table)
    result = db.session.execute(stmt.returning(*(table.c[k] for k in returning)) if returning else stmt, rows)
    return [(row[0], row[1]) for row in result] if returning else []


def _bulk_update(table: Table, rows: list[dict[str, Any]]) -> None:
    """Update a page of rows by ``id`` in one statement (not PostgreSQL: see :func:`_write_changes_pg`)."""
    values: dict[str, Any] = {k: bindparam(f"v_{k}") for k in rows[0] if k != "id"}
    stmt = update(table).where(table.c.id == bindparam("v_id")).values(values)
    db.session.execute(stmt, [{f"v_{k}": v for k, v in row.items()} for row in rows])


def _write_changes_pg(
    camera_updates: list[dict[str, Any]], closes: list[dict[str, Any]], opens: list[dict[str, Any]]
) -> None:
    """PostgreSQL: a page's changed cameras, closed intervals and opened intervals in one
    statement (its three parts as data-modifying ``WITH`` queries).  The opening waits for
    the closing (it reads the closing's count first), so a camera's next interval is
    inserted only once the one it replaces is no longer open."""
    parts: dict[str, str] = {}
    params: dict[str, str] = {}
    if camera_updates:
        parts["changed"], params["cameras"] = _update_sql(_cameras, camera_updates, "cameras")
    if closes:
        parts["closed"], params["closes"] = _update_sql(_intervals, closes, "closes")
    if opens:
        sql, params["opens"] = _insert_sql(_intervals, opens, "opens")
        parts["opened"] = sql + " WHERE (SELECT count(*) FROM closed) >= 0" if closes else sql
    if parts:
        queries = ", ".join(f"{name} AS ({sql} RETURNING 1)" for name, sql in parts.items())
        counts = ", ".join(f"(SELECT count(*) FROM {name})" for name in parts)
        db.session.execute(text(f"WITH {queries} SELECT {counts}"), params)


def apply_streams(
    streams: Iterable[Stream], now: datetime | None = None, bill_disabled: bool | None = None
) -> PullResult:
    """Update cameras and the usage ledger from a full listing of streams (flushes, no commit).

    ``bill_disabled`` defaults to the ``BILL_DISABLED_CAMERAS`` setting.
    """
    puller = Puller(now, bill_disabled)
    items = iter(streams)
    while chunk := tuple(islice(items, PAGE_SIZE)):
        puller.page(chunk)
    return puller.finish()


def pull(client: WatcherClient, now: datetime | None = None) -> PullResult:
    """Page through all streams and apply them, under the pull lock; records a SyncRun.

    A job: the ledger changes and their SyncRun are one unit of work; when the
    pull fails, that is rolled back and the failed SyncRun is a unit of its own.
    """
    started = utcnow()
    with job_lock("watcher-pull"):
        try:
            with unit_of_work.transaction():
                with collector.paused():  # pages make no cycles; see portal.collector
                    puller = Puller(now)
                    for page in _prefetched(client):
                        puller.page(page)
                    result = puller.finish()
                db.session.add(
                    SyncRun(
                        direction="pull",
                        started_at=started,
                        finished_at=utcnow(),
                        ok=True,
                        counts=result.counts(),
                        report={
                            "unknown_presets": result.unknown_presets,
                            "unmanaged_organizations": result.unmanaged_organizations,
                        },
                    )
                )
        except Exception as error:
            with unit_of_work.transaction():
                db.session.add(
                    SyncRun(
                        direction="pull",
                        started_at=started,
                        finished_at=utcnow(),
                        ok=False,
                        error=(getattr(error, "title", None) or str(error))[:2000],
                    )
                )
            raise
    return result


def _prefetched(client: WatcherClient) -> Iterator[tuple[Stream, ...]]:
    """The pages of the listing, fetched ahead while the caller writes, parsed here.

    Watcher serves the pages one after another (each ``next`` comes with the page before
    it), so the pull can be no faster than that chain of requests, and everything else is
    done beside it.  On Linux the requests are sent from a forked child process, so the
    caller's Python never holds up a request (a thread waits for the interpreter lock
    after each network read, and the writing of a page kept it waiting for most of its
    own duration); elsewhere a thread sends them.  Either way a fetch error is raised
    here, and a caller that stops early stops the fetching too.
    """
    fetch = _fetch_in_child if sys.platform.startswith("linux") else _fetch_in_thread
    with closing(fetch(client)) as messages:
        for kind, item in messages:
            if kind == _DONE:
                return
            if kind == _ERROR:
                raise item
            yield parse_page(item, "streams", Stream.parse).items


def _bodies(client: WatcherClient) -> Iterator[Any]:
    """Every page of the listing as its decoded body, following ``next``."""
    return follow_cursors(
        lambda cursor: client.list_streams_body(select=STREAM_FIELDS, limit=PAGE_SIZE, cursor=cursor), next_cursor
    )


#: What the fetching side hands over: a page's body, the end, or the error it stopped on.
_PAGE, _DONE, _ERROR = "page", "done", "error"
#: Bytes of pages the child may have fetched ahead of the caller (the pipe's buffer).
_AHEAD = 1 << 20


def _send_pages(client: WatcherClient, sender: Any) -> None:
    """In the child: its own HTTP connections, then every page down the pipe."""
    client.session = requests.Session()  # never the parent's pooled sockets
    try:
        for body in _bodies(client):
            sender.send((_PAGE, body))
        sender.send((_DONE, None))
    except BrokenPipeError:
        pass  # the parent stopped reading: nobody to tell
    except BaseException as error:  # handed to the parent
        with suppress(BrokenPipeError):
            try:
                sender.send((_ERROR, error))
            except (pickle.PicklingError, TypeError, AttributeError):  # sent as its text instead
                sender.send((_ERROR, WatcherError(str(error))))
    finally:
        sender.close()


def _fetch_in_child(client: WatcherClient) -> Generator[tuple[str, Any], None, None]:
    import fcntl  # POSIX, as fork is

    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    with suppress(AttributeError, OSError):  # Linux: room for several pages ahead
        fcntl.fcntl(sender.fileno(), fcntl.F_SETPIPE_SZ, _AHEAD)
    child = context.Process(target=_send_pages, args=(client, sender), name="watcher-pull-fetch", daemon=True)
    child.start()
    sender.close()
    try:
        while True:
            try:
                yield receiver.recv()
            except EOFError:
                raise WatcherUnavailable("the process fetching the streams ended unexpectedly") from None
    finally:
        receiver.close()
        if child.is_alive():
            child.terminate()
        child.join()


def _fetch_in_thread(client: WatcherClient, depth: int = 2) -> Generator[tuple[str, Any], None, None]:
    bodies: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                bodies.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def fetch() -> None:
        try:
            for body in _bodies(client):
                if not put((_PAGE, body)):
                    return
            put((_DONE, None))
        except BaseException as error:  # handed to the caller's thread
            put((_ERROR, error))

    worker = threading.Thread(target=fetch, name="watcher-pull-fetch", daemon=True)
    worker.start()
    try:
        while True:
            yield bodies.get()
    finally:
        stop.set()
        worker.join()
