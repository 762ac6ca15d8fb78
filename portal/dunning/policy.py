"""Pure dunning decisions: no Flask, no ORM, dates are the organization's local dates.

The sequence for a payer whose overdue balance exceeds the tolerance: a warning goes out
``warning_days`` before the suspension date, the suspension date is ``suspend_after_days`` after
the oldest overdue invoice's due date and never earlier than ``warning_days`` after the warning
(so nobody is suspended without notice), and a settled balance restores an automatic
suspension.  "Don't block what is already paid": the balance is what is open minus the credit
the payer holds, per currency, so credit covering everything due means nothing to dun.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class Step(StrEnum):
    """What the daily run does for one payer."""

    NOTHING = "nothing"
    WARN = "warn"
    SUSPEND = "suspend"
    RESTORE = "restore"
    CLEAR = "clear"  # paid after a warning: forget it


@dataclass(frozen=True)
class Policy:
    """One organization's effective policy (its overrides on top of the settings' defaults)."""

    exempt: bool
    suspend_after_days: int
    warning_days: int
    tolerance_minor: int
    stop_recording: bool


@dataclass(frozen=True)
class Dues:
    """What a payer owes on a day: the oldest overdue due date and the balance per currency."""

    oldest_due: date | None
    balance: dict[str, int]

    def above(self, tolerance_minor: int) -> bool:
        """True when some currency's overdue balance exceeds the tolerance."""
        return self.oldest_due is not None and any(amount > tolerance_minor for amount in self.balance.values())


def balance(open_amounts: list[tuple[str, int]], credit: dict[str, int]) -> dict[str, int]:
    """Overdue amounts per currency less the credit held in that currency (never below zero)."""
    totals: dict[str, int] = {}
    for currency, amount in open_amounts:
        totals[currency] = totals.get(currency, 0) + amount
    return {currency: max(0, amount - credit.get(currency, 0)) for currency, amount in totals.items()}


def suspension_date(policy: Policy, oldest_due: date, warned_on: date | None, today: date) -> date:
    """The day the payer will be suspended: N days past due, and ``warning_days`` after the warning.

    Not yet warned: the warning would go out today at the earliest.
    """
    earliest = oldest_due + timedelta(days=policy.suspend_after_days)
    warned = warned_on if warned_on is not None else max(today, earliest - timedelta(days=policy.warning_days))
    return max(earliest, warned + timedelta(days=policy.warning_days))


def next_step(
    policy: Policy, dues: Dues, today: date, *, suspended: bool, automatic: bool, warned_on: date | None
) -> Step:
    """The step for a payer on local date ``today``.

    ``suspended``: an open suspension caused by this payer; ``automatic``: it was the run's
    doing (an admin's manual suspension is only lifted by an admin).
    """
    if not dues.above(policy.tolerance_minor):
        if suspended and automatic:
            return Step.RESTORE
        return Step.CLEAR if warned_on is not None else Step.NOTHING
    if policy.exempt or suspended:
        return Step.NOTHING
    assert dues.oldest_due is not None
    due_day = suspension_date(policy, dues.oldest_due, warned_on, today)
    if warned_on is None:
        return Step.WARN if today >= due_day - timedelta(days=policy.warning_days) else Step.NOTHING
    return Step.SUSPEND if today >= due_day else Step.NOTHING
