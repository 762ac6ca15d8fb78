"""Dunning mail (issue 14): the warning before suspension and the suspended / restored notices.

Queued by :mod:`portal.dunning.service` in the unit of work that decides (``portal.mailqueue``),
composed here at delivery time from the row's payload, sent after commit with retries: never
inside a request.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from portal.extensions import db
from portal.forms import format_minor_plain
from portal.mailqueue import composer
from portal.models import MailItem, Organization


def _org(item: MailItem) -> Organization | None:
    org_id = (item.payload or {}).get("organization_id")
    return db.session.get(Organization, org_id) if isinstance(org_id, int) else None


@composer("dunning_warning")
def warning_message(item: MailItem) -> tuple[str, str] | None:
    """The warning: what is overdue and the day the service will be suspended."""
    org = _org(item)
    if org is None:
        return None
    payload = item.payload or {}
    amounts = ", ".join(
        f"{format_minor_plain(int(amount), currency)} {currency}"
        for currency, amount in sorted((payload.get("balance") or {}).items())
    )
    day = date.fromisoformat(str(payload.get("suspend_on")))
    subject = _("Payment overdue: %(org)s will be suspended on %(day)s", org=org.title, day=day.isoformat())
    body = _(
        "Hello,\n\nthe account %(org)s has an overdue balance of %(amounts)s.\n"
        "Unless it is paid, the video surveillance service will be suspended on %(day)s "
        "(dates in %(zone)s): nobody will be able to sign in to the cameras until the balance is settled.\n\n"
        "If you have paid already, please ignore this message.\n",
        org=org.title,
        amounts=amounts or "-",
        day=day.isoformat(),
        zone=org.timezone,
    )
    return subject, body


@composer("dunning_suspended")
def suspended_message(item: MailItem) -> tuple[str, str] | None:
    """The notice that the service is suspended."""
    org = _org(item)
    if org is None:
        return None
    subject = _("Service suspended: %(org)s", org=org.title)
    body = _(
        "Hello,\n\nthe video surveillance service of %(org)s is suspended: sign-in to the cameras is blocked.\n"
        "It is restored automatically once the overdue balance is settled.\n",
        org=org.title,
    )
    return subject, body


@composer("dunning_restored")
def restored_message(item: MailItem) -> tuple[str, str] | None:
    """The notice that the service is back."""
    org = _org(item)
    if org is None:
        return None
    subject = _("Service restored: %(org)s", org=org.title)
    body = _("Hello,\n\nthe video surveillance service of %(org)s is restored. Thank you.\n", org=org.title)
    return subject, body
