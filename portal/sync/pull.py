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
is set-based: a fixed number of statements whatever the number of cameras.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from portal import settings as portal_settings
from portal import unit_of_work
from portal.extensions import db
from portal.models import Camera, Organization, SuspendedCamera, SyncRun, Tariff, UsageInterval, utcnow
from portal.sync.locks import job_lock
from portal.watcher import Stream, WatcherClient, ms_to_datetime

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


def apply_streams(streams: list[Stream], now: datetime | None = None, bill_disabled: bool | None = None) -> PullResult:
    """Update cameras and the usage ledger from a full listing of streams (flushes, no commit).

    ``bill_disabled`` defaults to the ``BILL_DISABLED_CAMERAS`` setting.
    """
    now = now or utcnow()
    if bill_disabled is None:
        bill_disabled = portal_settings.current().watcher.bill_disabled_cameras
    result = PullResult(seen=len(streams))
    orgs: dict[int | None, int] = {
        w: i
        for w, i in db.session.execute(
            select(Organization.watcher_id, Organization.id).where(Organization.watcher_id.is_not(None))
        )
    }
    tariffs: dict[int | None, int] = {
        w: i for w, i in db.session.execute(select(Tariff.watcher_id, Tariff.id).where(Tariff.watcher_id.is_not(None)))
    }
    cameras = {c.name: c for c in db.session.scalars(select(Camera))}
    open_by_camera = {
        i.camera_id: i for i in db.session.scalars(select(UsageInterval).where(UsageInterval.ended_at.is_(None)))
    }
    new_rows: list[dict[str, Any]] = []
    camera_updates: list[dict[str, Any]] = []
    closes: list[dict[str, Any]] = []
    opens: list[dict[str, Any]] = []
    pending_opens: list[tuple[str, dict[str, Any]]] = []
    listed: set[str] = set()
    moved = {row.camera_name: row for row in db.session.scalars(select(SuspendedCamera))}
    live_ids = {row.live_preset_id for row in moved.values()}
    live_title = portal_settings.current().dunning.live_preset_title

    for stream in streams:
        listed.add(stream.name)
        org_id = orgs.get(stream.organization_id) if stream.organization_id is not None else None
        tariff_id = tariffs.get(stream.preset_id) if stream.preset_id is not None else None
        if tariff_id is None and (stream.preset_id in live_ids or (live_title and stream.preset_title == live_title)):
            row = moved.get(stream.name)
            if row is not None and row.previous_preset_id is not None:
                tariff_id = tariffs.get(row.previous_preset_id)
            else:  # moved, but the answer recording it is not committed yet: keep what is open
                camera_now = cameras.get(stream.name)
                current_open = open_by_camera.get(camera_now.id) if camera_now is not None else None
                tariff_id = current_open.tariff_id if current_open is not None else None
            if tariff_id is not None:
                result.suspended.append(stream.name)
        if stream.organization_id is not None and org_id is None:
            result.unmanaged_organizations.setdefault(str(stream.organization_id), []).append(stream.name)
        elif org_id is not None and tariff_id is None:
            label = f"{stream.preset_id} {stream.preset_title or ''}".strip() if stream.preset_id else "(none)"
            result.unknown_presets.setdefault(label, []).append(stream.name)
        billable = org_id is not None and tariff_id is not None and (bill_disabled or not stream.disabled)
        want = (org_id, tariff_id) if billable else None
        fields = {
            "title": stream.title or "",
            "organization_id": org_id,
            "tariff_id": tariff_id,
            "watcher_organization_id": stream.organization_id,
            "watcher_preset_id": stream.preset_id,
            "disabled": stream.disabled,
            "watcher_created_at": _ts(stream.created_at),
        }
        camera = cameras.get(stream.name)
        if camera is None:
            created = _ts(stream.created_at)
            start = created if created is not None and created <= now else now
            new_rows.append(
                {"name": stream.name, **fields, "first_seen_at": now, "last_seen_at": now, "missing_since": None}
            )
            result.new_cameras += 1
            if want:
                pending_opens.append(
                    (stream.name, {"organization_id": org_id, "tariff_id": tariff_id, "started_at": start})
                )
            continue
        current = open_by_camera.get(camera.id)
        have = (current.organization_id, current.tariff_id) if current is not None else None
        reappeared = camera.missing_since is not None
        if want != have:
            floor = current.started_at if current is not None else None
            at = now if reappeared else _change_time(stream, camera.last_seen_at, floor, now)
            if current is not None:
                closes.append({"id": current.id, "ended_at": at})
                result.closed += 1
            if want:
                opens.append(
                    {"camera_id": camera.id, "organization_id": org_id, "tariff_id": tariff_id, "started_at": at}
                )
        differs = reappeared or any(getattr(camera, k) != v for k, v in fields.items())
        if differs:
            result.updated_cameras += 1
        camera_updates.append({"id": camera.id, **fields, "last_seen_at": now, "missing_since": None})

    for camera in cameras.values():
        if camera.name in listed or camera.missing_since is not None:
            continue
        result.vanished += 1
        camera_updates.append({"id": camera.id, "missing_since": now})
        current = open_by_camera.get(camera.id)
        if current is not None:
            closes.append({"id": current.id, "ended_at": max(now, current.started_at)})
            result.closed += 1

    if camera_updates:
        db.session.execute(update(Camera), camera_updates)
    if new_rows:
        inserted = db.session.execute(insert(Camera).returning(Camera.id, Camera.name), new_rows).all()
        ids = {name: cid for cid, name in inserted}
        opens.extend({"camera_id": ids[name], **row} for name, row in pending_opens)
    if closes:
        db.session.execute(update(UsageInterval), closes)
    if opens:
        db.session.execute(insert(UsageInterval), [{**row, "created_at": now} for row in opens])
    result.opened = len(opens)
    db.session.flush()
    return result


def pull(client: WatcherClient, now: datetime | None = None) -> PullResult:
    """Page through all streams and apply them, under the pull lock; records a SyncRun.

    A job: the ledger changes and their SyncRun are one unit of work; when the
    pull fails, that is rolled back and the failed SyncRun is a unit of its own.
    """
    started = utcnow()
    with job_lock("watcher-pull"):
        try:
            with unit_of_work.transaction():
                streams = list(client.iter_streams(select=STREAM_FIELDS, limit=500))
                result = apply_streams(streams, now=now)
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
