"""Demo data: a small operator with a catalog, tariffs, organizations and their owners.

Titles and logins match the demo data of the Watcher-compatible server
(``watcher_sim/demo.py``), so when ``make run`` starts both, the portal adopts
Watcher's organizations and presets by title and its cameras turn into usage.
Everything is queued for Watcher through the outbox, passwords included.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    ROLE_ADMIN,
    ROLE_SUBSCRIBER,
    IndividualPrice,
    Membership,
    OperatorProfile,
    Organization,
    OrganizationTerms,
    Service,
    Tariff,
    TariffPrice,
    Tax,
    TaxRate,
    User,
    utcnow,
)
from portal.sync import outbox

ADMIN_EMAIL = "admin@demo.example"
ADMIN_PASSWORD = "admin-demo-pass"
SUBSCRIBER_PASSWORD = "demo1234"

DEMO_LOGINS = [
    ("admin", ADMIN_EMAIL, ADMIN_PASSWORD),
    ("subscriber", "alice@northwind.example", SUBSCRIBER_PASSWORD),
    ("subscriber", "erin@harborclinic.example", SUBSCRIBER_PASSWORD),
]

SERVICES = [
    # name, kind, days, gb, analytics, monthly price per camera (cents)
    ("Continuous archive 7 days", "continuous_archive", 7, None, None, 300),
    ("Continuous archive 14 days", "continuous_archive", 14, None, None, 500),
    ("Continuous archive 30 days", "continuous_archive", 30, None, None, 900),
    ("Event archive 30 days", "event_archive", 30, None, None, 200),
    ("Archive space 200 GB", "archive_space", None, 200, None, 250),
    ("Face recognition", "analytics", None, None, "faces", 1500),
    ("Licence-plate recognition", "analytics", None, None, "plates", 1200),
]

TARIFFS = [
    # name, services, override price (cents) or None for the sum, offered by default
    ("Archive 7 days", ["Continuous archive 7 days"], None, True),
    ("Archive 30 days", ["Continuous archive 30 days", "Event archive 30 days"], None, True),
    ("Archive 30 days + Faces", ["Continuous archive 30 days", "Face recognition"], 2200, False),
    (
        "Plates 14 days",
        ["Continuous archive 14 days", "Archive space 200 GB", "Licence-plate recognition"],
        None,
        False,
    ),
]

ORGANIZATIONS = [
    # title, parent, owner login, owner name, timezone, invoice to parent, allowed tariffs,
    # trial (first and last day, in days before today: negative is after today)
    (
        "Northwind Security",
        None,
        "alice@northwind.example",
        "Alice Novak",
        "Europe/Berlin",
        False,
        ("Archive 7 days", "Archive 30 days", "Plates 14 days"),
        None,
    ),
    (
        "Northwind Retail Branch",
        "Northwind Security",
        "carol@northwind.example",
        "Carol Diaz",
        "Europe/Berlin",
        True,
        ("Archive 7 days", "Archive 30 days + Faces"),
        None,
    ),
    (
        "Northwind Warehouse",
        "Northwind Security",
        "dan@northwind.example",
        "Dan Okafor",
        "Europe/Berlin",
        False,
        ("Archive 30 days",),
        None,
    ),
    (
        "Harbor Clinic",
        None,
        "erin@harborclinic.example",
        "Erin Walsh",
        "Europe/London",
        False,
        ("Archive 7 days",),
        (20, -10),
    ),  # in trial on any day the demo is loaded
    (
        "Maple School",
        None,
        "frank@mapleschool.example",
        "Frank Liu",
        "America/New_York",
        False,
        ("Archive 7 days", "Archive 30 days + Faces"),
        None,
    ),
    (
        "Atlas Logistics",
        None,
        "grace@atlas.example",
        "Grace Kim",
        "Asia/Dubai",
        False,
        ("Archive 7 days", "Archive 30 days", "Plates 14 days"),
        None,
    ),
]

#: The operator printed as the seller on every invoice: complete, so the demo can issue invoices.
OPERATOR = dict(
    legal_name="Demo Video Cloud GmbH",
    address="Musterstraße 1\n10115 Berlin\nGermany",
    tax_id="DE123456789",
    registration="Amtsgericht Berlin-Charlottenburg HRB 123456 B",
    payment_details="IBAN DE89 3704 0044 0532 0130 00\nBIC COBADEFFXXX\nDemo Bank AG",
    footer="Demo Video Cloud GmbH · Managing director: Max Mustermann · billing@demo.example",
)
#: Taxes (name, rate in basis points) and who pays which: tax name, customer tax ID, note.
TAXES = [("USt", 1900), ("UK VAT", 2000), ("UAE VAT", 500), ("Reverse charge", 0)]
ORGANIZATION_TERMS = {
    "Northwind Security": ("USt", "DE987654321", ""),
    "Northwind Warehouse": ("USt", "DE987654322", ""),
    "Harbor Clinic": ("UK VAT", "GB123456789", ""),
    "Atlas Logistics": (
        "Reverse charge",
        "AE100200300400003",
        "Reverse charge: VAT to be accounted for by the recipient.",
    ),
}
#: Individual prices: organization, tariff, kind, value (cents or basis points).
INDIVIDUAL_PRICES = [
    ("Northwind Security", "Archive 30 days", "percent", 1000),
    ("Atlas Logistics", "Plates 14 days", "override", 1500),
]

ALL_RIGHTS = dict(
    can_view_streams=True, can_edit_streams=True, can_edit_users=True, can_view_stats=True, can_view_invoices=True
)


def _user(email: str, role: str, password: str, name: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, role=role, name=name, is_enabled=True)
        user.set_password(password)
        db.session.add(user)
        db.session.flush()
        if role == ROLE_SUBSCRIBER:
            outbox.enqueue(user, password=password)
    return user


def load_demo(today: date | None = None) -> bool:
    """Create the demo catalog, organizations and users; False if they already exist."""
    if db.session.scalar(select(Tariff.id).where(Tariff.name == TARIFFS[0][0])) is not None:
        return False
    today = today or utcnow().date()
    _user(ADMIN_EMAIL, ROLE_ADMIN, ADMIN_PASSWORD, "Demo Admin")

    services = {}
    for name, kind, days, gb, analytics, price in SERVICES:
        services[name] = Service(
            name=name,
            kind=kind,
            archive_days=days,
            archive_gb=gb,
            analytics=analytics,
            monthly_price_minor=price,
            currency="EUR",
        )
        db.session.add(services[name])

    tariffs = {}
    price_start = (today - timedelta(days=120)).replace(day=1)
    for name, service_names, override, default in TARIFFS:
        chosen = [services[n] for n in service_names]
        amount = override if override is not None else sum(s.monthly_price_minor for s in chosen)
        tariff = Tariff(
            name=name,
            currency="EUR",
            price_mode="override" if override else "sum",
            is_default_offer=default,
            services=chosen,
            note="Demo tariff.",
        )
        tariff.prices.append(TariffPrice(effective_from=price_start, amount_minor=amount, currency="EUR"))
        db.session.add(tariff)
        tariffs[name] = tariff
    db.session.flush()
    for tariff in tariffs.values():
        outbox.enqueue(tariff)

    orgs: dict[str, Organization] = {}
    for title, parent, login, name, tz, to_parent, allowed, trial in ORGANIZATIONS:
        owner = _user(login, ROLE_SUBSCRIBER, SUBSCRIBER_PASSWORD, name)
        parent_org = orgs.get(parent) if parent else None
        org = Organization(
            title=title,
            owner=owner,
            timezone=tz,
            currency="EUR",
            invoice_to_parent=to_parent,
            camera_limit=50,
            user_limit=20,
            billing_contact=f"{name} <{login}>",
            parent_id=parent_org.id if parent_org else None,
            parent_depth=parent_org.depth if parent_org else None,
            depth=parent_org.depth + 1 if parent_org else 0,
            allowed_tariffs=[tariffs[t] for t in allowed],
        )
        if trial:
            org.trial_start = today - timedelta(days=trial[0])
            org.trial_end = today - timedelta(days=trial[1])
        db.session.add(org)
        db.session.flush()
        db.session.add(Membership(user=owner, organization=org, **ALL_RIGHTS))
        outbox.enqueue(org)
        orgs[title] = org
    db.session.flush()
    _terms(orgs, tariffs, price_start)
    return True


def _terms(orgs: dict[str, Organization], tariffs: dict[str, Tariff], since: date) -> None:
    """The operator's details, taxes per organization and a few individual prices."""
    profile = db.session.get(OperatorProfile, 1) or OperatorProfile(id=1)
    for name, text in OPERATOR.items():  # details the operator already entered stay
        if not (getattr(profile, name, "") or "").strip():
            setattr(profile, name, text)
    db.session.add(profile)
    taxes = {name: Tax(name=name, rates=[TaxRate(effective_from=since, rate_bp=bp)]) for name, bp in TAXES}
    db.session.add_all(taxes.values())
    db.session.flush()
    for title, (tax, customer_tax_id, note) in ORGANIZATION_TERMS.items():
        db.session.add(
            OrganizationTerms(
                organization_id=orgs[title].id, tax_id=taxes[tax].id, customer_tax_id=customer_tax_id, tax_note=note
            )
        )
    for title, tariff_name, kind, value in INDIVIDUAL_PRICES:
        db.session.add(
            IndividualPrice(
                organization_id=orgs[title].id,
                tariff_id=tariffs[tariff_name].id,
                effective_from=since,
                kind=kind,
                value=value,
            )
        )
    db.session.flush()
