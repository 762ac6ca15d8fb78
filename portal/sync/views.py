"""Admin pages: Sync (runs, outbox backlog, Sync now) and Reconciliation (drift, repair)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from portal import unit_of_work
from portal.extensions import db
from portal.forms import ConfirmForm
from portal.inputs import strict_int
from portal.models import MAIL_FAILED, MAIL_PENDING, MailItem, OutboxItem, SyncRun
from portal.models.sync import OutboxState
from portal.pagination import paginate
from portal.security import admin_required
from portal.sync import outbox, service
from portal.sync.connection import watcher_configured
from portal.sync.locks import LockBusy
from portal.watcher import WatcherError

bp = Blueprint("sync", __name__, url_prefix="/admin/sync")


def mail_status() -> dict[str, Any]:
    """The mail queue at a glance: rows waiting, rows given up, and the newest error with its time."""
    counts: dict[str, int] = dict(
        db.session.execute(  # type: ignore[arg-type]  # (state, count) rows
            select(MailItem.state, func.count()).group_by(MailItem.state)
        ).all()
    )
    last = db.session.scalar(
        select(MailItem)
        .where(MailItem.last_error.is_not(None))
        .order_by(MailItem.last_error_at.desc(), MailItem.id.desc())
        .limit(1)
    )
    return {"pending": counts.get(MAIL_PENDING, 0), "failed": counts.get(MAIL_FAILED, 0), "last": last}


def _last(direction: str) -> SyncRun | None:
    return db.session.scalar(
        select(SyncRun)
        .where(SyncRun.direction == direction)
        .order_by(SyncRun.started_at.desc(), SyncRun.id.desc())
        .limit(1)
    )


@bp.route("/")
@admin_required
def index() -> str:
    """Last runs, and the outbox rows not yet delivered."""
    show_done = request.args.get("done") == "1"
    query = select(OutboxItem).order_by(OutboxItem.id.desc())
    if not show_done:
        query = query.where(OutboxItem.state != OutboxState.DONE)
    page = paginate(query)
    runs = list(
        db.session.scalars(
            select(SyncRun)
            .where(SyncRun.direction.in_(("pull", "push")))
            .order_by(SyncRun.started_at.desc(), SyncRun.id.desc())
            .limit(10)
        )
    )
    failing_count, failing = outbox.failing()
    return render_template(
        "sync/index.html",
        page=page,
        runs=runs,
        last_pull=_last("pull"),
        last_push=_last("push"),
        backlog=outbox.backlog_count(),
        form=ConfirmForm(),
        configured=watcher_configured(),
        show_done=show_done,
        awaiting=service.presets_awaiting_confirmation(),
        failing_count=failing_count,
        failing=failing,
        mail=mail_status(),
    )


@bp.route("/presets/confirm", methods=["POST"])
@admin_required
def confirm_presets() -> Response:
    """The admin confirms re-pushing the presets a migration changed."""
    if ConfirmForm().validate_on_submit():
        queued = service.confirm_presets()
        flash(ngettext("%(num)d preset queued for Watcher.", "%(num)d presets queued for Watcher.", queued), "success")
    return redirect(url_for("sync.index"))


@bp.route("/now", methods=["POST"])
@admin_required
def sync_now() -> Response:
    """Deliver the outbox and pull streams now."""
    if ConfirmForm().validate_on_submit():
        if not watcher_configured():
            flash(_("Watcher is not configured (WATCHER_URL is empty)."), "danger")
            return redirect(url_for("sync.index"))
        try:
            pushed = service.run_dispatch()
            pulled = service.run_pull()
        except LockBusy:
            flash(_("A sync is already running; try again in a moment."), "warning")
        except WatcherError as error:
            unit_of_work.refuse(
                error,
                category="danger",
                message=_("Watcher could not be reached or refused: %(error)s", error=error.title or error),
            )
        else:
            flash(
                _(
                    "Pushed %(delivered)s (failed %(failed)s); pulled %(seen)s cameras, "
                    "%(opened)s intervals opened, %(closed)s closed.",
                    delivered=pushed.delivered,
                    failed=pushed.failed,
                    seen=pulled.seen,
                    opened=pulled.opened,
                    closed=pulled.closed,
                ),
                "success" if not pushed.failed else "warning",
            )
    return redirect(url_for("sync.index"))


@bp.route("/outbox/<int:item_id>/retry", methods=["POST"])
@admin_required
def retry(item_id: int) -> Response:
    """Make one outbox row due now and try it."""
    if ConfirmForm().validate_on_submit():
        if unit_of_work.run_job(outbox.retry, item_id) is None:
            abort(404)
        if watcher_configured():
            service.run_dispatch()
        flash(_("Retried."), "info")
    return redirect(url_for("sync.index"))


@bp.route("/reconcile")
@admin_required
def reconcile() -> str:
    """The last reconciliation's list of drifts."""
    return render_template(
        "sync/reconcile.html", run=_last("reconcile"), form=ConfirmForm(), configured=watcher_configured()
    )


@bp.route("/reconcile/run", methods=["POST"])
@admin_required
def reconcile_run() -> Response:
    """Compare the portal with Watcher now."""
    if ConfirmForm().validate_on_submit():
        if not watcher_configured():
            flash(_("Watcher is not configured (WATCHER_URL is empty)."), "danger")
            return redirect(url_for("sync.reconcile"))
        try:
            drifts = service.run_reconcile()
        except WatcherError as error:
            unit_of_work.refuse(
                error,
                category="danger",
                message=_("Watcher could not be reached or refused: %(error)s", error=error.title or error),
            )
        else:
            flash(
                ngettext("%(num)d difference(s) found.", "%(num)d difference(s) found.", len(drifts))
                if drifts
                else _("Portal and Watcher are in step."),
                "warning" if drifts else "success",
            )
    return redirect(url_for("sync.reconcile"))


@bp.route("/reconcile/repair", methods=["POST"])
@admin_required
def repair() -> Response:
    """Re-push one object (``object_type``/``object_id`` in the form) or all drifting ones."""
    if ConfirmForm().validate_on_submit():
        run = _last("reconcile")
        object_type, object_id = request.form.get("object_type"), request.form.get("object_id", "")
        target_id = strict_int(object_id)
        if object_type and target_id is not None:
            if not unit_of_work.run_job(service.repair, object_type, target_id):
                abort(404)
            queued = 1
        else:
            from portal.sync.reconcile import Drift

            drifts = [Drift(**d) for d in (run.report.get("drifts", []) if run else [])]
            queued = unit_of_work.run_job(service.repair_all, drifts)
        result = service.run_dispatch() if watcher_configured() else None
        if result is not None and result.failed:
            flash(
                _(
                    "Queued %(queued)s; %(failed)s could not be delivered yet: %(error)s",
                    queued=queued,
                    failed=result.failed,
                    error=result.errors[0],
                ),
                "warning",
            )
        else:
            flash(
                _("Queued %(queued)s for re-push, delivered %(delivered)s.", queued=queued, delivered=result.delivered)
                if result
                else _("Queued %(queued)s for re-push.", queued=queued),
                "success",
            )
        if watcher_configured():
            try:
                service.run_reconcile()
            except WatcherError:
                pass  # the repair is queued; the next reconciliation shows what is left
    return redirect(url_for("sync.reconcile"))
