"""The admin's attention list: what needs a person before the next bill goes out.

Each kind is one query that returns its first ``LISTED`` rows together with the full
count (a window ``count(*) OVER ()``), so the page cost is fixed whatever the data.
Items carry the endpoint they should link to; the template links only when that
endpoint is installed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext, ngettext
from sqlalchemy import Select, and_, exists, func, or_, select

from portal.extensions import db
from portal.models import Camera, Organization, OutboxItem, SyncRun, Tariff, organization_tariffs
from portal.models.sync import OutboxState

#: Rows listed per kind (the heading shows the full count).
LISTED = 25
#: A pending outbox row that has failed this often is shown as stuck.
STUCK_ATTEMPTS = 3


@dataclass(frozen=True)
class AttentionItem:
    """One thing to look at: a label, a detail line and where to fix it."""

    label: str
    detail: str
    endpoint: str | None = None
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AttentionGroup:
    """All items of one kind (``total`` may exceed the listed ``items``)."""

    kind: str
    title: str
    total: int
    items: list[AttentionItem]

    @property
    def more(self) -> int:
        """How many items exist beyond the listed ones."""
        return self.total - len(self.items)


def attention_list() -> list[AttentionGroup]:
    """Every non-empty attention group, in a fixed order (six queries in all)."""
    groups = [
        _tariff_not_allowed(),
        _unmapped_presets(),
        _unmanaged_organizations(),
        _failed_outbox(),
        _failed_pull(),
        _without_owner(),
    ]
    return [group for group in groups if group.total]


def _present_cameras() -> Select[Any]:
    """Cameras Watcher still reports, with the whole-result count."""
    return select(Camera.id, Camera.name, Camera.title, func.count().over().label("total")).where(
        Camera.missing_since.is_(None)
    )


def _camera_label(name: str, title: str) -> str:
    return f"{title} ({name})" if title and title != name else name


def _tariff_not_allowed() -> AttentionGroup:
    allowed = exists().where(
        organization_tariffs.c.organization_id == Camera.organization_id,
        organization_tariffs.c.tariff_id == Camera.tariff_id,
    )
    rows = db.session.execute(
        _present_cameras()
        .add_columns(Organization.id, Organization.title, Tariff.name)
        .join(Organization, Organization.id == Camera.organization_id)
        .join(Tariff, Tariff.id == Camera.tariff_id)
        .where(~allowed)
        .order_by(Organization.title, Camera.name)
        .limit(LISTED)
    ).all()
    items = [
        AttentionItem(
            _camera_label(name, title),
            gettext("%(organization)s: tariff %(tariff)s is not allowed", organization=org_title, tariff=tariff),
            "organizations.edit",
            {"organization_id": org_id},
        )
        for _, name, title, _, org_id, org_title, tariff in rows
    ]
    return AttentionGroup(
        "tariff_not_allowed",
        gettext("Cameras on a tariff their organization is not allowed"),
        rows[0].total if rows else 0,
        items,
    )


def _unmapped_presets() -> AttentionGroup:
    rows = db.session.execute(
        _present_cameras()
        .add_columns(Camera.watcher_preset_id, Organization.id, Organization.title)
        .join(Organization, Organization.id == Camera.organization_id)
        .where(Camera.watcher_preset_id.is_not(None), Camera.tariff_id.is_(None))
        .order_by(Organization.title, Camera.name)
        .limit(LISTED)
    ).all()
    items = [
        AttentionItem(
            _camera_label(name, title),
            gettext(
                "%(organization)s: Watcher preset #%(preset)s maps to no tariff", organization=org_title, preset=preset
            ),
            "tariffs.index",
        )
        for _, name, title, _, preset, _org_id, org_title in rows
    ]
    return AttentionGroup(
        "unmapped_preset",
        gettext("Cameras whose Watcher preset maps to no tariff"),
        rows[0].total if rows else 0,
        items,
    )


def _unmanaged_organizations() -> AttentionGroup:
    rows = db.session.execute(
        _present_cameras()
        .add_columns(Camera.watcher_organization_id)
        .where(Camera.organization_id.is_(None))
        .order_by(Camera.name)
        .limit(LISTED)
    ).all()
    items = [
        AttentionItem(
            _camera_label(name, title),
            gettext("in Watcher organization #%(id)s, which the portal does not manage", id=worg)
            if worg is not None
            else gettext("in no organization the portal manages"),
            "sync.reconcile",
        )
        for _, name, title, _, worg in rows
    ]
    return AttentionGroup(
        "unmanaged_organization",
        gettext("Cameras in Watcher organizations the portal does not manage"),
        rows[0].total if rows else 0,
        items,
    )


def _failed_outbox() -> AttentionGroup:
    stuck = or_(
        OutboxItem.state == OutboxState.FAILED,
        and_(OutboxItem.state == OutboxState.PENDING, OutboxItem.attempts >= STUCK_ATTEMPTS),
    )
    rows = db.session.execute(
        select(
            OutboxItem.id,
            OutboxItem.kind,
            OutboxItem.object_type,
            OutboxItem.object_id,
            OutboxItem.state,
            OutboxItem.attempts,
            OutboxItem.last_error,
            func.count().over().label("total"),
        )
        .where(stuck)
        .order_by(OutboxItem.id)
        .limit(LISTED)
    ).all()
    items = [
        AttentionItem(
            f"{kind} {object_type} #{object_id}",
            ngettext("%(state)s, %(num)d attempt", "%(state)s, %(num)d attempts", attempts, state=gettext(state))
            + (f": {error}" if error else ""),
            "sync.index",
        )
        for _, kind, object_type, object_id, state, attempts, error, _ in rows
    ]
    return AttentionGroup(
        "sync_failed", gettext("Changes not delivered to Watcher"), rows[0].total if rows else 0, items
    )


def _failed_pull() -> AttentionGroup:
    last = db.session.execute(
        select(SyncRun.id, SyncRun.ok, SyncRun.started_at, SyncRun.error)
        .where(SyncRun.direction == "pull")
        .order_by(SyncRun.started_at.desc(), SyncRun.id.desc())
        .limit(1)
    ).first()
    if last is None or last.ok is not False:
        return AttentionGroup("pull_failed", gettext("Last camera pull from Watcher failed"), 0, [])
    when = last.started_at.strftime("%Y-%m-%d %H:%M UTC")
    item = AttentionItem(
        gettext("Pull started %(when)s", when=when), last.error or gettext("failed without a message"), "sync.index"
    )
    return AttentionGroup("pull_failed", gettext("Last camera pull from Watcher failed"), 1, [item])


def _without_owner() -> AttentionGroup:
    rows = db.session.execute(
        select(Organization.id, Organization.title, func.count().over().label("total"))
        .where(Organization.owner_id.is_(None))
        .order_by(Organization.title)
        .limit(LISTED)
    ).all()
    items = [
        AttentionItem(
            title, gettext("has no owner to settle its bills"), "organizations.edit", {"organization_id": org_id}
        )
        for org_id, title, _ in rows
    ]
    return AttentionGroup("no_owner", gettext("Organizations without an owner"), rows[0].total if rows else 0, items)
