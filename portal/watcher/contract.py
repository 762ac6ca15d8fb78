"""Contract test against a Watcher: run it before going live (``make contract``).

``python -m portal.watcher.contract --url URL --login LOGIN`` (password from
``WATCHER_PASSWORD``) logs in to both APIs with the portal's service account, then creates
one uniquely prefixed preset, user, organization and membership, reads each back (values,
rights, allowed presets, the user's own login on the client API with the same password),
pages the streams read-only, and finally deletes exactly what it created (the preset is
soft-deleted: the v3 API publishes no preset DELETE).  It touches nothing else: every
write names an id it got from its own create.  It prints one line per check and exits
non-zero if any failed.

It proves only what it exercises, with the portal's own client and request bodies; see the
README section "Connecting a real Watcher" for what it cannot prove.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import requests

from .client import WatcherClient
from .errors import WatcherError, WatcherNotFound
from .types import MEMBER_FLAGS, OrganizationSpec, PresetSpec, UserSpec

DAY, GB = 86_400, 1_000_000_000
#: rights the service account keeps in every organization it manages (as portal/sync/push.py)
SERVICE_RIGHTS = {name: True for name in MEMBER_FLAGS if name != "is_member"}
MEMBER_RIGHTS = {"can_view_streams": True, "can_edit_streams": False, "can_edit_users": False, "can_view_stats": True}


class CheckFailed(Exception):
    """One expectation did not hold."""


@dataclass
class Step:
    """One line of the report."""

    name: str
    ok: bool
    detail: str = ""


@dataclass
class Report:
    """What the run did, in order; ``ok`` when every step passed and cleanup left nothing."""

    prefix: str
    steps: list[Step] = field(default_factory=list)
    created: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when every step passed."""
        return bool(self.steps) and all(s.ok for s in self.steps)

    def text(self) -> str:
        """A report a person can read."""
        lines = [f"Watcher contract test (prefix {self.prefix})", ""]
        lines += [
            f"  [{'ok' if s.ok else 'FAIL'}] {s.name}" + (f": {s.detail}" if s.detail else "") for s in self.steps
        ]
        passed = sum(s.ok for s in self.steps)
        lines += [
            "",
            f"{passed} of {len(self.steps)} checks passed: "
            + ("the portal can work with this Watcher." if self.ok else "NOT ready, see FAIL lines."),
        ]
        return "\n".join(lines)


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


class _Run:
    def __init__(
        self,
        url: str,
        login: str,
        password: str,
        prefix: str,
        session: requests.Session | None,
        out: Callable[[str], None],
    ) -> None:
        self.url, self.login, self.password = url, login, password
        self.session, self.out = session, out
        self.report = Report(prefix)
        self.admin = WatcherClient(url, login, password, api="admin", timeout=15, retries=1, session=session)

    @contextmanager
    def step(self, name: str) -> Iterator[list[str]]:
        detail: list[str] = []
        try:
            yield detail
        except (CheckFailed, WatcherError, requests.RequestException, ValueError) as exc:
            self._record(Step(name, False, f"{type(exc).__name__}: {exc}"))
            raise
        self._record(Step(name, True, "; ".join(detail)))

    def _record(self, step: Step) -> None:
        self.report.steps.append(step)
        self.out(f"[{'ok' if step.ok else 'FAIL'}] {step.name}" + (f": {step.detail}" if step.detail else ""))

    def run(self, stream_pages: int) -> Report:
        try:
            self._build(stream_pages)
        except (CheckFailed, WatcherError, requests.RequestException, ValueError):
            pass  # recorded by step(); cleanup still runs
        finally:
            self._cleanup()
        return self.report

    def _build(self, stream_pages: int) -> None:
        prefix, created = self.report.prefix, self.report.created
        with self.step("log in to the admin and client APIs (Basic -> JWT)"):
            self.admin.login_now("admin")
            self.admin.login_now("client")
        with self.step("find the service account by its login") as d:
            me = self.admin.find_user_by_login(self.login)
            _expect(me is not None, f"no user named {self.login!r}")
            assert me is not None
            me = self.admin.get_user(me.id)
            _expect(me.access_level == "admin", f"access_level is {me.access_level!r}, not 'admin'")
            created["service_id"] = me.id
            d.append(f"id {me.id}")
        spec = PresetSpec(
            title=f"{prefix} preset",
            expiration=7 * DAY,
            episodes_expiration=DAY,
            storage_limit=GB,
            vision_alg="faces",
            is_adjustable=False,
            is_default=False,
        )
        with self.step("create a non-adjustable preset and read it back") as d:
            preset = self.admin.create_preset(spec)
            created["preset"] = preset.id
            got = self.admin.get_preset(preset.id)
            want = (spec.title, 7 * DAY, DAY, GB, "faces", False)
            have = (
                got.title,
                got.expiration,
                got.episodes_expiration,
                got.storage_limit,
                got.vision_alg,
                got.is_adjustable,
            )
            _expect(have == want, f"read back {have}, expected {want}")
            d.append(f"id {preset.id}")
        user_password = "Ct-" + secrets.token_urlsafe(18)
        user_name = f"{prefix}-user"
        with self.step("create a user and read it back") as d:
            user = self.admin.create_user(
                UserSpec(
                    name=user_name,
                    password=user_password,
                    fullname=f"{prefix} user",
                    access_level="generic",
                    disabled=False,
                )
            )
            created["user"] = user.id
            got_user = self.admin.get_user(user.id)
            _expect((got_user.name, got_user.disabled) == (user_name, False), f"read back {got_user}")
            d.append(f"id {user.id}")
        with self.step("create an organization owned by the service account") as d:
            org = self.admin.create_organization(
                OrganizationSpec(title=f"{prefix} organization", stream_limit=1, user_limit=3, owner_id=me.id)
            )
            created["organization"] = org.id
            d.append(f"id {org.id}")
        with self.step("service account keeps full rights as a member"):
            self.admin.put_org_member(org.id, me.id, **SERVICE_RIGHTS)
        with self.step("add the user as a member with rights, read the rights back") as d:
            self.admin.put_org_member(org.id, user.id, **MEMBER_RIGHTS)
            got_member = self.admin.get_org_member(org.id, user.id)
            have_rights = {k: getattr(got_member, k) for k in MEMBER_RIGHTS}
            _expect(have_rights == MEMBER_RIGHTS, f"rights read back {have_rights}")
            d.append("flat OrganizationPermissions body accepted")
        with self.step("hand ownership to the user; the service account still manages the organization") as d:
            self.admin.update_organization(org.id, OrganizationSpec(owner_id=user.id))
            got_org = self.admin.get_organization(org.id)
            _expect(got_org.owner_id == user.id, f"owner is {got_org.owner_id}")
            _expect(
                (got_org.stream_limit, got_org.user_limit) == (1, 3),
                f"limits {got_org.stream_limit}/{got_org.user_limit}",
            )
            _expect(got_org.caller_is_member is not False, "service account is no longer a member")
            listed = {o.id for o in self.admin.iter_organizations()}
            _expect(org.id in listed, "organization missing from the service account's list")
            members = {m.id for m in self.admin.list_org_members(org.id)}
            _expect({me.id, user.id} <= members, f"members {sorted(members)}")
            d.append("listed, members readable")
        with self.step("allow the preset in the organization") as d:
            self.admin.allow_preset(org.id, preset.id)
            allowed = {p.id for p in self.admin.iter_presets(organization_id=org.id)}
            _expect(preset.id in allowed, f"allowed presets {sorted(allowed)}")
        with self.step("the user logs in on the client API with the same password") as d:
            own = WatcherClient(
                self.url, user_name, user_password, api="client", timeout=15, retries=1, session=self.session
            )
            own.login_now("client")
            _expect(org.id in {o.id for o in own.iter_organizations()}, "user does not see the organization")
            _expect(preset.id in {p.id for p in own.iter_presets()}, "user does not see the allowed preset")
        with self.step("page the streams (read only)") as d:
            seen, cursor, pages = 0, None, 0
            while pages < stream_pages:
                page = self.admin.list_streams(
                    select="name,organization.id,preset.id,created_at", limit=100, cursor=cursor
                )
                seen, pages, cursor = seen + len(page.items), pages + 1, page.next
                if not cursor:
                    break
            d.append(f"{seen} streams in {pages} page(s), estimated {page.estimated_count}")

    def _cleanup(self) -> None:
        created = self.report.created
        if "organization" in created:
            with self._soft_step("delete the organization"):
                self._gone(
                    lambda: self.admin.delete_organization(created["organization"]),
                    lambda: self.admin.get_organization(created["organization"]),
                )
        if "user" in created:
            with self._soft_step("delete the user"):
                self._gone(
                    lambda: self.admin.delete_user(created["user"]), lambda: self.admin.get_user(created["user"])
                )
        if "preset" in created:
            with self._soft_step("retire the preset (deleted_at: no preset DELETE is published)"):
                _expect(self.admin.retire_preset(created["preset"]).deleted_at is not None, "deleted_at not set")

    @contextmanager
    def _soft_step(self, name: str) -> Iterator[None]:
        try:
            with self.step(name):
                yield
        except (CheckFailed, WatcherError, requests.RequestException, ValueError):
            pass

    @staticmethod
    def _gone(delete: Callable[[], Any], read: Callable[[], Any]) -> None:
        delete()
        try:
            read()
        except WatcherNotFound:
            return
        raise CheckFailed("still there after DELETE")


def run(
    url: str,
    login: str,
    password: str,
    *,
    prefix: str | None = None,
    stream_pages: int = 3,
    session: requests.Session | None = None,
    out: Callable[[str], None] = print,
) -> Report:
    """Run the contract test; returns the report (``report.ok``)."""
    prefix = prefix or f"portal-contract-{time.strftime('%Y%m%d%H%M%S', time.gmtime())}-{secrets.token_hex(3)}"
    return _Run(url, login, password, prefix, session, out).run(stream_pages)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``--url``/``--login`` (or WATCHER_URL/WATCHER_LOGIN), password in WATCHER_PASSWORD."""
    parser = argparse.ArgumentParser(prog="python -m portal.watcher.contract", description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=os.environ.get("WATCHER_URL", ""))
    parser.add_argument("--login", default=os.environ.get("WATCHER_LOGIN", ""))
    parser.add_argument("--stream-pages", type=int, default=3)
    opts = parser.parse_args(argv)
    password = os.environ.get("WATCHER_PASSWORD", "")
    if not (opts.url and opts.login and password):
        parser.error("set WATCHER_URL, WATCHER_LOGIN and WATCHER_PASSWORD")
    report = run(opts.url, opts.login, password, stream_pages=opts.stream_pages, out=lambda line: None)
    print(report.text())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
