"""Demo data: tariff presets, the portal's demo organizations, their users and 15 cameras.

Cameras were added, re-preset and disabled over the past weeks (``created_at`` and
``last_change`` in the past), so a portal syncing from here has usage at once.
Every demo user's password is ``DEMO_PASSWORD``.
"""

from __future__ import annotations

from typing import Any

from watcher_sim import organizations as orgs
from watcher_sim.auth import hash_password
from watcher_sim.store import Store

DAY_MS = 86_400_000
DAY_S = 86_400
DEMO_PASSWORD = "demo1234"

# title, dvr, vision alg, is_adjustable, is_default
PRESETS: list[tuple[str, dict[str, int], str | None, bool, bool]] = [
    ("Default", {"expiration": DAY_S}, None, True, True),
    ("Archive 7 days", {"expiration": 7 * DAY_S}, None, False, False),
    ("Archive 30 days", {"expiration": 30 * DAY_S, "episodes_expiration": 30 * DAY_S}, None, False, False),
    ("Archive 30 days + Faces", {"expiration": 30 * DAY_S}, "faces", False, False),
    ("Plates 14 days", {"expiration": 14 * DAY_S, "storage_limit": 200 * 10**9}, "plates", False, False),
]

# title, owner login, owner full name, allowed preset titles, created days ago
ORGS: list[tuple[str, str, str, tuple[str, ...], int]] = [
    (
        "Northwind Security",
        "alice@northwind.example",
        "Alice Novak",
        ("Archive 7 days", "Archive 30 days", "Plates 14 days"),
        90,
    ),
    (
        "Northwind Retail Branch",
        "carol@northwind.example",
        "Carol Diaz",
        ("Archive 7 days", "Archive 30 days + Faces"),
        80,
    ),
    ("Northwind Warehouse", "dan@northwind.example", "Dan Okafor", ("Archive 30 days",), 75),
    ("Harbor Clinic", "erin@harborclinic.example", "Erin Walsh", ("Archive 7 days",), 70),
    ("Maple School", "frank@mapleschool.example", "Frank Liu", ("Archive 7 days", "Archive 30 days + Faces"), 65),
    (
        "Atlas Logistics",
        "grace@atlas.example",
        "Grace Kim",
        ("Archive 7 days", "Archive 30 days", "Plates 14 days"),
        60,
    ),
]

# extra members: login, full name, org title, permission flags
MEMBERS: list[tuple[str, str, str, dict[str, bool]]] = [
    ("bob@northwind.example", "Bob Stone", "Northwind Security", {"can_view_streams": True}),
    ("nurse@harborclinic.example", "Hana Berg", "Harbor Clinic", {"can_view_streams": True, "can_edit_streams": True}),
]

# name, title, org, preset at creation, created days ago, later change or None:
# ("preset", days ago, new preset) | ("disable", days ago, None)
CAMERAS: list[tuple[str, str, str, str, int, tuple[str, int, str | None] | None]] = [
    ("nw-sec-entrance", "Main entrance", "Northwind Security", "Archive 30 days", 40, None),
    ("nw-sec-lobby", "Lobby", "Northwind Security", "Archive 7 days", 35, ("preset", 10, "Archive 30 days")),
    ("nw-sec-parking", "Parking lot", "Northwind Security", "Plates 14 days", 20, None),
    ("nw-sec-roof", "Roof", "Northwind Security", "Archive 7 days", 25, ("disable", 5, None)),
    ("nw-retail-till1", "Till 1", "Northwind Retail Branch", "Archive 7 days", 45, None),
    ("nw-retail-till2", "Till 2", "Northwind Retail Branch", "Archive 7 days", 12, None),
    (
        "nw-retail-door",
        "Shop door",
        "Northwind Retail Branch",
        "Archive 7 days",
        30,
        ("preset", 3, "Archive 30 days + Faces"),
    ),
    ("nw-wh-dock1", "Dock 1", "Northwind Warehouse", "Archive 30 days", 50, None),
    ("nw-wh-dock2", "Dock 2", "Northwind Warehouse", "Archive 30 days", 18, None),
    ("harbor-reception", "Reception", "Harbor Clinic", "Archive 7 days", 60, None),
    ("harbor-corridor", "Corridor", "Harbor Clinic", "Archive 7 days", 9, None),
    ("maple-gate", "School gate", "Maple School", "Archive 30 days + Faces", 33, None),
    ("maple-yard", "Yard", "Maple School", "Archive 7 days", 21, ("disable", 2, None)),
    ("atlas-gate", "Truck gate", "Atlas Logistics", "Plates 14 days", 28, None),
    ("atlas-yard", "Container yard", "Atlas Logistics", "Archive 7 days", 14, ("preset", 6, "Archive 30 days")),
]


def _user_data(fullname: str, created: int) -> dict[str, Any]:
    return {
        "email": None,
        "fullname": fullname,
        "phone": None,
        "locale": "en",
        "note": "demo",
        "access_level": "generic",
        "disabled": False,
        "readonly": False,
        "max_sessions": None,
        "created_at": created,
    }


def load_demo(store: Store, now_ms: int) -> bool:
    """Load demo data (idempotent: only into a store without orgs/presets/streams)."""
    with store.tx():
        if not store.is_empty():
            return False
        pw_hash = hash_password(DEMO_PASSWORD)
        preset_ids: dict[str, int] = {}
        for title, dvr, alg, adjustable, default in PRESETS:
            preset_ids[title] = store.doc_insert(
                "presets",
                {
                    "title": title,
                    "dvr": dvr,
                    "vision": {"alg": alg} if alg else None,
                    "is_adjustable": adjustable,
                    "is_default": default,
                    "deleted_at": None,
                    "layout_rules": {"required_zones": [], "preferred_zones": []},
                    "last_change": {"updated_at": now_ms - 100 * DAY_MS, "user": "admin"},
                },
            )
        org_ids: dict[str, int] = {}
        # the portal's service account (an administrator) stays a full member of every
        # organization it manages, as the portal's push arranges (portal/sync/push.py)
        admins = [u["id"] for u in store.user_all() if u.get("access_level") == "admin"]
        for title, login, fullname, allowed, days in ORGS:
            created = now_ms - days * DAY_MS
            owner = store.user_by_name(login)
            owner_id = (
                owner["id"]
                if owner
                else store.user_insert(login, pw_hash, {**_user_data(fullname, created), "email": login})
            )
            org_ids[title] = store.doc_insert(
                "organizations",
                {
                    "title": title,
                    "created_at": created,
                    "is_default": False,
                    "owner_id": owner_id,
                    "limits": {"streams": 50, "users": 20},
                },
            )
            orgs.set_member(store, org_ids[title], owner_id, dict(orgs.ALL_RIGHTS))
            for admin_id in admins:
                orgs.set_member(store, org_ids[title], admin_id, dict(orgs.ALL_RIGHTS))
            for preset_title in allowed:
                orgs.link_preset(store, org_ids[title], preset_ids[preset_title])
        for login, fullname, org_title, flags in MEMBERS:
            user_id = store.user_insert(login, pw_hash, {**_user_data(fullname, now_ms - 50 * DAY_MS), "email": login})
            orgs.set_member(store, org_ids[org_title], user_id, {**orgs.NO_RIGHTS, **flags})
        for name, title, org_title, preset_title, days, change in CAMERAS:
            created = now_ms - days * DAY_MS
            data: dict[str, Any] = {
                "title": title,
                "comment": "",
                "disabled": False,
                "static": True,
                "organization_id": org_ids[org_title],
                "preset_id": preset_ids[preset_title],
                "dvr": {},
                "vision": None,
                "created_at": created,
                "last_change": {"created_at": created, "user": "admin"},
            }
            if change is not None:
                kind, ago, new_preset = change
                if kind == "preset" and new_preset:
                    data["preset_id"] = preset_ids[new_preset]
                else:
                    data["disabled"] = True
                data["last_change"] = {"created_at": now_ms - ago * DAY_MS, "user": "admin"}
            store.stream_put(name, data)
    return True
