"""Demo data: a small operator with a catalog, tariffs and organizations.

The organization titles match the demo data of the Watcher-compatible server,
so the two line up when ``make run`` starts both.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import (ROLE_ADMIN, ROLE_SUBSCRIBER, Membership, Organization, Service, Tariff,
                           TariffPrice, User, utcnow)

ADMIN_PASSWORD = "admin-demo-pass"
OWNER_PASSWORD = "owner-demo-pass"

DEMO_LOGINS = [
    ("admin", "admin@demo.example", ADMIN_PASSWORD),
    ("subscriber", "owner@northwind.example", OWNER_PASSWORD),
    ("subscriber", "owner@harbor-clinic.example", OWNER_PASSWORD),
]

SERVICES = [
    # name, kind, days, gb, analytics, price (cents)
    ("Continuous archive 7 days", "continuous_archive", 7, None, None, 300),
    ("Continuous archive 30 days", "continuous_archive", 30, None, None, 900),
    ("Event archive 14 days", "event_archive", 14, None, None, 200),
    ("Event archive 50 GB", "event_archive", None, 50, None, 250),
    ("Face recognition", "analytics", None, None, "faces", 1500),
    ("Licence-plate recognition", "analytics", None, None, "plates", 1200),
]

TARIFFS = [
    # name, services, override price (cents) or None, default offer
    ("Basic 7", ["Continuous archive 7 days"], None, True),
    ("Standard 30", ["Continuous archive 30 days", "Event archive 14 days"], None, True),
    ("Retail Faces", ["Continuous archive 30 days", "Face recognition"], 2200, False),
    ("Parking Plates", ["Continuous archive 7 days", "Event archive 50 GB", "Licence-plate recognition"],
     None, False),
]

ORGANIZATIONS = [
    # title, parent, owner e-mail, timezone, invoice to parent, trial days ago (start, end) or None
    ("Northwind Security", None, "owner@northwind.example", "Europe/Berlin", False, None),
    ("Northwind Retail Branch", "Northwind Security", "retail@northwind.example", "Europe/Berlin", True, None),
    ("Northwind Warehouse", "Northwind Security", "warehouse@northwind.example", "Europe/Berlin", False, None),
    ("Harbor Clinic", None, "owner@harbor-clinic.example", "Europe/London", False, (20, 6)),
    ("Maple School", None, "it@maple-school.example", "America/New_York", False, None),
    ("Atlas Logistics", None, "ops@atlas-logistics.example", "Asia/Dubai", False, None),
]


def _user(email: str, role: str, password: str, name: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, role=role, name=name, is_enabled=True)
        user.set_password(password)
        db.session.add(user)
        db.session.flush()
    return user


def load_demo(today: date | None = None) -> bool:
    """Create the demo catalog, organizations and users; False if they already exist."""
    if db.session.scalar(select(Tariff.id).where(Tariff.name == TARIFFS[0][0])) is not None:
        return False
    today = today or utcnow().date()
    _user("admin@demo.example", ROLE_ADMIN, ADMIN_PASSWORD, "Demo Admin")

    services = {}
    for name, kind, days, gb, analytics, price in SERVICES:
        service = Service(name=name, kind=kind, archive_days=days, archive_gb=gb, analytics=analytics,
                          monthly_price_minor=price, currency="EUR")
        db.session.add(service)
        services[name] = service

    tariffs = {}
    price_start = today.replace(day=1) - timedelta(days=90)
    for name, service_names, override, default in TARIFFS:
        chosen = [services[n] for n in service_names]
        amount = override if override is not None else sum(s.monthly_price_minor for s in chosen)
        tariff = Tariff(name=name, currency="EUR", price_mode="override" if override else "sum",
                        is_default_offer=default, services=chosen,
                        note=f"Demo tariff: {', '.join(service_names)}.")
        tariff.prices.append(TariffPrice(effective_from=price_start.replace(day=1), amount_minor=amount,
                                         currency="EUR"))
        db.session.add(tariff)
        tariffs[name] = tariff
    db.session.flush()

    orgs: dict[str, Organization] = {}
    for title, parent, owner_email, tz, to_parent, trial in ORGANIZATIONS:
        owner = _user(owner_email, ROLE_SUBSCRIBER, OWNER_PASSWORD, title + " owner")
        parent_org = orgs.get(parent) if parent else None
        org = Organization(title=title, owner=owner, timezone=tz, currency="EUR", invoice_to_parent=to_parent,
                           camera_limit=50, user_limit=20, billing_contact=owner_email,
                           parent_id=parent_org.id if parent_org else None,
                           parent_depth=parent_org.depth if parent_org else None,
                           depth=parent_org.depth + 1 if parent_org else 0)
        if trial:
            org.trial_start = today - timedelta(days=trial[0])
            org.trial_end = today - timedelta(days=trial[1])
        org.allowed_tariffs = [t for t in tariffs.values() if t.is_default_offer]
        if title.startswith("Northwind Retail"):
            org.allowed_tariffs.append(tariffs["Retail Faces"])
        if title == "Atlas Logistics":
            org.allowed_tariffs.append(tariffs["Parking Plates"])
        db.session.add(org)
        db.session.flush()
        db.session.add(Membership(user=owner, organization=org, can_view_streams=True, can_edit_streams=True,
                                  can_edit_users=True, can_view_stats=True, can_view_invoices=True))
        orgs[title] = org
    db.session.flush()
    return True
