"""What the portal answers Watcher's external authentication, and why (the table).

Sources (Flussonic docs, pages "authorize-watcher-user-on-external-system" = AUTH-NEW and
"backend-for-user-authorization" = AUTH-OLD):

* 200: the user may log in; Watcher replaces the password hash it holds with the hash of the
  password just used (AUTH-NEW, note).
* 403: wrong credentials; 404: user not found (both pages).  AUTH-OLD: "In case of decline,
  the user password is reset", i.e. a 403/404 wipes the password Watcher holds.
* Backend "out of reach" or not answering within 2 seconds: Watcher checks the credentials
  against its own database (both pages).  This is the only documented way to let Watcher decide
  by itself.

``FALLBACK`` is therefore answered *late* ([I] marks our inference in the table): after ``EXTERNAL_AUTH_FALLBACK_DELAY`` seconds
(default 2.5, past Watcher's documented 2 s) with ``503 Service Unavailable``.  A Watcher that
waits 2 s has given up by then and uses its own store (documented); should one wait longer, it
gets the HTTP answer for "backend unavailable", never a decline.  That a 503 on its own means
"out of reach" to Watcher is our inference, not documented; the delay is what the docs cover.

The table (case -> status -> what Watcher does -> source):

=========================================  ==========  ======================================  ========
case                                       answer      what Watcher does                       source
=========================================  ==========  ======================================  ========
enabled subscriber, right password, at     200         logs the user in and stores this        AUTH-NEW
least one membership of an organization                password's hash
enabled subscriber, wrong password         403         refuses; resets the stored password     both
subscriber disabled in the portal          FALLBACK    checks its own store, where the portal  both
                                                       pushed ``disabled: true``: refused;
                                                       the stored password stays, so
                                                       re-enabling needs no new password
enabled subscriber without any membership  FALLBACK    checks its own store; the portal        both
of an (enabled) organization                           pushes ``disabled: true`` for such
                                                       users, so refused; password kept
login the portal does not manage (Watcher  FALLBACK    decides by itself with its own store    both
administrators and other Watcher-only
users, the portal's own service account
``WATCHER_LOGIN``, portal billing admins)
check failed (database error, any error)   FALLBACK    its own store; no password is reset     both
rate limit exceeded                        503 at      its own store if it takes a 503 as      [I]
                                           once        "out of reach"; never a decline
                                                       (no delay: holding a worker 2.5 s per
                                                       excess call would let a flood take the
                                                       portal down)
empty login                                FALLBACK    its own store                           both
caller without the secret / address        401         (not Watcher, or Watcher misconfigured:  --
                                                       undocumented; never a decline)
=========================================  ==========  ======================================  ========

A suspended organization (dunning, issue 14) is not usable: :func:`usable_membership` is the one
place that says so.  A member of a suspended organization is blocked in Watcher as a whole
(``disabled: true``; Watcher has no per-organization block of a user), even if they also belong to
an organization in good standing; and the answer here is FALLBACK, never a decline, because a
decline resets the password Watcher holds (AUTH-OLD) and restoration must need no new password.
Watcher then refuses them from its own store once the push of ``disabled: true`` is delivered.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.models import User

ALLOW, DECLINE, FALLBACK = "allow", "decline", "fallback"
#: HTTP status for each answer (FALLBACK is also delayed, see the module docstring)
STATUS = {ALLOW: 200, DECLINE: 403, FALLBACK: 503}


@dataclass(frozen=True)
class Verdict:
    """An answer for Watcher and the reason recorded in the audit trail."""

    answer: str
    reason: str

    @property
    def status(self) -> int:
        """The HTTP status to send."""
        return STATUS[self.answer]


def usable_membership(user: User) -> bool:
    """True when the user belongs to at least one organization and to none that is suspended."""
    from portal.dunning.service import suspended_ids

    org_ids = {m.organization_id for m in user.memberships if m.organization is not None}
    return bool(org_ids) and not suspended_ids(org_ids)


def may_use_watcher(user: User) -> bool:
    """A subscriber the portal lets into Watcher: enabled, with a usable membership.

    The push sends ``disabled: true`` for everyone else, so Watcher refuses them by itself.
    """
    return bool(user.is_enabled) and not user.is_admin and usable_membership(user)


def decide(user: User | None, outcome: str, login: str, service_login: str) -> Verdict:
    """The verdict for one check; ``outcome`` is what :func:`portal.auth.service.authenticate` said.

    ``user`` is the portal user with that login (whatever the password), or None.
    """
    if not login:
        return Verdict(FALLBACK, "empty login")
    if service_login and login.strip().lower() == service_login.strip().lower():
        return Verdict(FALLBACK, "service account: Watcher decides")
    if user is None:
        return Verdict(FALLBACK, "not managed by the portal: Watcher decides")
    if user.is_admin:
        return Verdict(FALLBACK, "portal admin, not a Watcher user the portal manages: Watcher decides")
    if not user.is_enabled:
        return Verdict(FALLBACK, "disabled: Watcher refuses (disabled there), password kept")
    if not usable_membership(user):
        return Verdict(FALLBACK, "no organization or one suspended: Watcher refuses (disabled there), password kept")
    if outcome == "ok":
        return Verdict(ALLOW, "ok")
    return Verdict(DECLINE, "wrong password")
