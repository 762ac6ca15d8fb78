"""Dunning operations: suspend, restore, exempt, the daily run and ``on_settled``.

Services add and flush; the request or the job commits (``portal.unit_of_work``).  Every change
of suspension state queues the Watcher convergence in the outbox (``portal.sync.outbox``): the
organizations of the scope (cameras, ``portal.dunning.watcher``) and their members (``disabled``
through ``portal.extauth.policy.may_use_watcher``), so it survives a Watcher outage and converges
when Watcher is back.  Mail is only queued (``portal.mailqueue``), never sent here.

A payer's suspension covers its billing scope: the payer and every subsidiary billed to it
(``portal.billing_read.billing_scope``), each with its own window (``Suspension.payer_id`` says
whose dues or whose admin action).  Windows start and end at the instant the portal decides;
billing cuts exactly those instants out (``portal.billing_read.load_spans``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.utils import getaddresses
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import settings as portal_settings
from portal.audit import service as audit
from portal.billing_read import billing_scope
from portal.dunning import due
from portal.dunning.policy import Dues, Policy, Step, balance, next_step, suspension_date
from portal.errors import DomainError
from portal.extensions import db
from portal.models import (
    Camera,
    DunningPolicy,
    Invoice,
    InvoiceStatus,
    Membership,
    Organization,
    SuspendedCamera,
    Suspension,
    User,
    utcnow,
)


def local_today(org: Organization, now: datetime) -> date:
    """``now`` as a date in the organization's time zone."""
    return now.astimezone(ZoneInfo(org.timezone or "UTC")).date()


def policy_row(org: Organization, create: bool = False) -> DunningPolicy | None:
    """The organization's stored policy row (created on demand)."""
    row = db.session.get(DunningPolicy, org.id)
    if row is None and create:
        row = DunningPolicy(organization_id=org.id, exempt=False)
        db.session.add(row)
        db.session.flush()
    return row


def effective_policy(org: Organization, row: DunningPolicy | None = None) -> Policy:
    """The organization's overrides on top of the defaults (``DUNNING_*`` settings)."""
    defaults = portal_settings.current().dunning
    row = row if row is not None else policy_row(org)
    if row is None:
        return _default_policy()
    return Policy(
        exempt=bool(row and row.exempt),
        suspend_after_days=row.suspend_after_days
        if row and row.suspend_after_days is not None
        else defaults.suspend_after_days,
        warning_days=defaults.warning_days,
        tolerance_minor=row.tolerance_minor if row and row.tolerance_minor is not None else defaults.tolerance_minor,
        stop_recording=row.stop_recording if row and row.stop_recording is not None else defaults.stop_recording,
    )


def dues_of(payer: Organization, today: date) -> tuple[Dues, list[tuple[Invoice, int]]]:
    """What the payer owes past due on its local ``today``, less its credit (``portal.dunning.due``)."""
    found = due.overdue(db.session(), payer.id, today)
    dues = Dues(
        oldest_due=min((inv.due_date for inv, _ in found if inv.due_date is not None), default=None),
        balance=balance([(inv.currency, amount) for inv, amount in found], due.credit(db.session(), payer.id)),
    )
    return dues, found


def current_suspension(org_id: int) -> Suspension | None:
    """The organization's open suspension window, if any."""
    return db.session.scalar(
        select(Suspension).where(Suspension.organization_id == org_id, Suspension.ended_at.is_(None))
    )


def suspended_ids(org_ids: list[int] | set[int]) -> set[int]:
    """Which of ``org_ids`` are suspended now (one query)."""
    if not org_ids:
        return set()
    rows = db.session.scalars(
        select(Suspension.organization_id).where(Suspension.organization_id.in_(org_ids), Suspension.ended_at.is_(None))
    )
    return set(rows)


def recipient(org: Organization) -> str | None:
    """Where dunning mail goes: the billing contact's address, else the owner's."""
    for _name, address in getaddresses([org.billing_contact or ""]):
        if "@" in address:
            return address
    return org.owner.email if org.owner is not None else None


def _queue_watcher(org_ids: list[int]) -> None:
    """Queue the organizations and their members for convergence in Watcher."""
    from portal.sync import outbox

    orgs = list(db.session.scalars(select(Organization).where(Organization.id.in_(org_ids))))
    users = db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id).where(Membership.organization_id.in_(org_ids))
    ).unique()
    for org in orgs:
        outbox.enqueue(org, kind="dunning")
    for user in users:
        if not user.is_admin:
            outbox.enqueue(user, kind="dunning")


def _mail(kind: str, payer: Organization, **payload: object) -> None:
    from portal import mailqueue
    from portal.dunning import mail  # noqa: F401  (registers the composers)

    address = recipient(payer)
    if address:
        item = mailqueue.enqueue(
            kind, address, payload={"organization_id": payer.id, **payload}, organization_id=payer.id
        )  # on the organization's timeline like every message about its money
        mailqueue.send_after_response([item.id])


def suspend(
    payer: Organization,
    *,
    manual: bool,
    reason: str,
    actor: User | None = None,
    now: datetime | None = None,
) -> list[Suspension]:
    """Suspend ``payer`` and the organizations billed to it; returns the windows opened.

    An organization already suspended keeps its window (never two open windows, never an
    instant suspended twice).  A manual suspension of an exempt organization is refused.
    """
    now = now or utcnow()
    row = policy_row(payer)
    if manual and row is not None and row.exempt:
        raise DomainError("This organization is exempt from suspension; remove the exemption first.")
    stop = effective_policy(payer, row).stop_recording
    scope = list(billing_scope(payer).ids)
    already = suspended_ids(scope)
    opened = [
        Suspension(
            organization_id=org_id,
            payer_id=payer.id,
            manual=manual,
            stop_recording=stop,
            reason=reason[:2000],
            started_at=now,
        )
        for org_id in scope
        if org_id not in already
    ]
    if not opened:
        return []
    db.session.add_all(opened)
    db.session.flush()
    _queue_watcher([s.organization_id for s in opened])
    _mail("dunning_suspended", payer, reason=reason[:500])
    audit.record(
        "dunning.suspend",
        "organization",
        payer.id,
        summary=f"{payer.title} suspended ({'by hand' if manual else 'overdue'}): {reason}"[:500],
        after={"organizations": [s.organization_id for s in opened], "stop_recording": stop, "manual": manual},
        actor=actor,
    )
    return opened


def restore(
    payer: Organization,
    *,
    manual: bool,
    reason: str,
    actor: User | None = None,
    now: datetime | None = None,
) -> list[Suspension]:
    """End every open window ``payer`` caused; returns the windows closed."""
    now = now or utcnow()
    windows = list(
        db.session.scalars(select(Suspension).where(Suspension.payer_id == payer.id, Suspension.ended_at.is_(None)))
    )
    if not windows:
        return []
    for window in windows:
        window.ended_at = max(now, window.started_at)
    row = policy_row(payer)
    if row is not None:
        row.warned_on, row.suspend_on = None, None
    db.session.flush()
    _queue_watcher([w.organization_id for w in windows])
    _mail("dunning_restored", payer)
    audit.record(
        "dunning.restore",
        "organization",
        payer.id,
        summary=f"{payer.title} restored ({'by hand' if manual else 'balance settled'}): {reason}"[:500],
        after={"organizations": [w.organization_id for w in windows], "manual": manual},
        actor=actor,
    )
    return windows


def set_exempt(org: Organization, exempt: bool, actor: User | None = None) -> DunningPolicy:
    """Exempt the organization from automatic dunning (or lift the exemption)."""
    row = policy_row(org, create=True)
    assert row is not None
    if row.exempt != exempt:
        row.exempt = exempt
        if exempt:
            row.warned_on, row.suspend_on = None, None
        audit.record(
            "dunning.exempt",
            "organization",
            org.id,
            summary=f"{org.title}: {'exempt from' if exempt else 'subject to'} suspension",
            before={"exempt": not exempt},
            after={"exempt": exempt},
            actor=actor,
        )
    db.session.flush()
    return row


def set_policy(
    org: Organization,
    suspend_after_days: int | None,
    tolerance_minor: int | None,
    stop_recording: bool | None,
    actor: User | None = None,
) -> DunningPolicy:
    """Set the organization's overrides (None: the default)."""
    row = policy_row(org, create=True)
    assert row is not None
    fields = ("suspend_after_days", "tolerance_minor", "stop_recording")
    before = audit.snapshot(row, fields)
    row.suspend_after_days, row.tolerance_minor, row.stop_recording = (
        suspend_after_days,
        tolerance_minor,
        stop_recording,
    )
    audit.record(
        "dunning.policy",
        "organization",
        org.id,
        summary=f"{org.title}: dunning policy changed",
        before=before,
        after=audit.snapshot(row, fields),
        actor=actor,
    )
    db.session.flush()
    return row


def evaluate(payer: Organization, now: datetime) -> Step:
    """Take today's step for one payer (warn, suspend, restore, clear or nothing)."""
    today = local_today(payer, now)
    row = policy_row(payer)
    policy = effective_policy(payer, row)
    dues, _found = dues_of(payer, today)
    windows = list(
        db.session.scalars(select(Suspension).where(Suspension.payer_id == payer.id, Suspension.ended_at.is_(None)))
    )
    step = next_step(
        policy,
        dues,
        today,
        suspended=bool(windows),
        automatic=bool(windows) and not any(w.manual for w in windows),
        warned_on=row.warned_on if row is not None else None,
    )
    if step is Step.WARN:
        assert dues.oldest_due is not None
        row = row or policy_row(payer, create=True)
        assert row is not None
        row.warned_on = today
        row.suspend_on = suspension_date(policy, dues.oldest_due, today, today)
        _mail(
            "dunning_warning",
            payer,
            suspend_on=row.suspend_on.isoformat(),
            balance={currency: amount for currency, amount in sorted(dues.balance.items()) if amount > 0},
        )
        audit.record(
            "dunning.warn",
            "organization",
            payer.id,
            summary=f"{payer.title}: warned, suspension on {row.suspend_on.isoformat()}",
        )
    elif step is Step.SUSPEND:
        suspend(payer, manual=False, reason=f"overdue since {dues.oldest_due}", now=now)
    elif step is Step.RESTORE:
        restore(payer, manual=False, reason="balance settled", now=now)
    elif step is Step.CLEAR and row is not None:
        row.warned_on, row.suspend_on = None, None
    db.session.flush()
    return step


@dataclass
class RunResult:
    """What one daily run did, per step."""

    steps: dict[str, list[str]] = field(default_factory=dict)

    def count(self, step: Step) -> int:
        """How many payers took ``step``."""
        return len(self.steps.get(step.value, []))


def _candidates(now: datetime) -> list[Organization]:
    """Payers worth evaluating: overdue invoices, a warning out, or a suspension they caused."""
    latest = now.date() + timedelta(days=1)  # due dates are local: the widest zone is a day ahead
    ids = set(
        db.session.scalars(
            select(Invoice.organization_id)
            .where(Invoice.status == InvoiceStatus.ISSUED.value, Invoice.due_date < latest)
            .distinct()
        )
    )
    ids |= set(db.session.scalars(select(DunningPolicy.organization_id).where(DunningPolicy.warned_on.is_not(None))))
    ids |= set(db.session.scalars(select(Suspension.payer_id).where(Suspension.ended_at.is_(None)).distinct()))
    if not ids:
        return []
    return list(db.session.scalars(select(Organization).where(Organization.id.in_(ids)).order_by(Organization.id)))


def run(now: datetime | None = None) -> RunResult:
    """The daily run over every candidate payer (idempotent: a second run the same day does nothing).

    Also re-queues suspended organizations that stop recording and have a camera the pull found
    that was never moved to the live-only preset (added in Watcher during the suspension).
    """
    now = now or utcnow()
    result = RunResult()
    for payer in _candidates(now):
        step = evaluate(payer, now)
        if step is not Step.NOTHING:
            result.steps.setdefault(step.value, []).append(payer.title)
    unmoved = _unmoved_cameras()
    if unmoved:
        from portal.sync import outbox

        for org in db.session.scalars(select(Organization).where(Organization.id.in_(unmoved))):
            outbox.enqueue(org, kind="dunning")
        result.steps.setdefault("recheck", []).extend(sorted(str(org_id) for org_id in unmoved))
    return result


def _unmoved_cameras() -> set[int]:
    """Organizations suspended with ``stop_recording`` that have a present camera not yet moved (one query)."""
    stopping = select(Suspension.organization_id).where(
        Suspension.ended_at.is_(None), Suspension.stop_recording.is_(True)
    )
    moved = select(SuspendedCamera.camera_name)
    return set(
        db.session.scalars(
            select(Camera.organization_id)
            .where(
                Camera.organization_id.in_(stopping),
                Camera.missing_since.is_(None),
                Camera.name.not_in(moved),
            )
            .distinct()
        )
    )


def on_settled(session: Session, org_id: int) -> Step | None:
    """Re-evaluate a payer at once after a payment settled something (the payments' hook calls it)."""
    payer = session.get(Organization, org_id)
    return evaluate(payer, utcnow()) if payer is not None else None


@dataclass(frozen=True)
class Counts:
    """The admin dashboard's figures."""

    suspended: int
    to_suspend_tomorrow: int


def counts(now: datetime | None = None) -> Counts:
    """Organizations suspended now, and payers whose suspension date is tomorrow (their local date).

    A fixed number of statements whatever the number of organizations (the dashboard's rule).
    """
    now = now or utcnow()
    suspended_now = set(db.session.scalars(select(Suspension.organization_id).where(Suspension.ended_at.is_(None))))
    dues_rows = due.overdue_by_payer(db.session(), now.date() + timedelta(days=1))
    payer_ids = sorted(set(dues_rows) - suspended_now)
    if not payer_ids:
        return Counts(suspended=len(suspended_now), to_suspend_tomorrow=0)
    orgs = {o.id: o for o in db.session.scalars(select(Organization).where(Organization.id.in_(payer_ids)))}
    rows = {
        r.organization_id: r
        for r in db.session.scalars(select(DunningPolicy).where(DunningPolicy.organization_id.in_(payer_ids)))
    }
    held = due.credits(db.session(), payer_ids)
    tomorrow = 0
    for payer_id in payer_ids:
        payer, row = orgs[payer_id], rows.get(payer_id)
        today = local_today(payer, now)
        policy = effective_policy(payer, row) if row is not None else _default_policy()
        found = [(day, currency, amount) for day, currency, amount in dues_rows[payer_id] if day < today]
        dues = Dues(
            oldest_due=min((day for day, _c, _a in found), default=None),
            balance=balance([(currency, amount) for _d, currency, amount in found], held.get(payer_id, {})),
        )
        if policy.exempt or dues.oldest_due is None or not dues.above(policy.tolerance_minor):
            continue
        day = suspension_date(policy, dues.oldest_due, row.warned_on if row else None, today)
        tomorrow += day == today + timedelta(days=1)
    return Counts(suspended=len(suspended_now), to_suspend_tomorrow=tomorrow)


def _default_policy() -> Policy:
    """The settings' policy, for an organization without a policy row."""
    defaults = portal_settings.current().dunning
    return Policy(
        exempt=False,
        suspend_after_days=defaults.suspend_after_days,
        warning_days=defaults.warning_days,
        tolerance_minor=defaults.tolerance_minor,
        stop_recording=defaults.stop_recording,
    )
