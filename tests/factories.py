"""Plain-function factories for test data (they add and flush; tests commit if needed)."""

from __future__ import annotations

from datetime import date
from itertools import count
from typing import Any

from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import (
    ROLE_ADMIN,
    ROLE_SUBSCRIBER,
    Membership,
    OperatorProfile,
    Organization,
    Service,
    Tariff,
    TariffPrice,
    User,
)

_seq = count(1)
PASSWORD = "correct horse battery"


def make_user(email: str | None = None, role: str = ROLE_SUBSCRIBER, password: str = PASSWORD, **fields: Any) -> User:
    """A user with a known password."""
    user = User(email=email or f"user{next(_seq)}@example.com", role=role, name=fields.pop("name", ""), **fields)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def make_admin(email: str = "admin@example.com", **fields: Any) -> User:
    """A billing admin."""
    return make_user(email=email, role=ROLE_ADMIN, **fields)


def make_service(name: str | None = None, price: int = 500, currency: str = "EUR", **fields: Any) -> Service:
    """A continuous-archive service unless told otherwise."""
    fields.setdefault("kind", "continuous_archive")
    if fields["kind"] == "continuous_archive":
        fields.setdefault("archive_days", 7)
    service = Service(name=name or f"Service {next(_seq)}", monthly_price_minor=price, currency=currency, **fields)
    db.session.add(service)
    db.session.flush()
    return service


def make_tariff(
    name: str | None = None,
    price: int = 1000,
    currency: str = "EUR",
    effective_from: date = date(2020, 1, 1),
    services: list[Service] | None = None,
    **fields: Any,
) -> Tariff:
    """A tariff with one price version."""
    tariff = Tariff(name=name or f"Tariff {next(_seq)}", currency=currency, services=services or [], **fields)
    tariff.prices.append(TariffPrice(effective_from=effective_from, amount_minor=price, currency=currency))
    db.session.add(tariff)
    db.session.flush()
    return tariff


def make_org(
    title: str | None = None, parent: Organization | None = None, owner: User | None = None, **fields: Any
) -> Organization:
    """An organization, optionally under ``parent``."""
    org = Organization(
        title=title or f"Org {next(_seq)}",
        owner=owner,
        currency=fields.pop("currency", "EUR"),
        timezone=fields.pop("timezone", "UTC"),
        **fields,
    )
    if parent is not None:
        org.parent_id, org.parent_depth, org.depth = parent.id, parent.depth, parent.depth + 1
    db.session.add(org)
    db.session.flush()
    return org


def add_member(user: User, org: Organization, **rights: bool) -> Membership:
    """Give ``user`` rights in ``org``."""
    membership = Membership(user=user, organization=org, **rights)
    db.session.add(membership)
    db.session.flush()
    return membership


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    """Sign in through the real form."""
    return client.post("/login", data={"email": email, "password": password}, follow_redirects=False)


def make_operator(**fields: Any) -> OperatorProfile:
    """The operator's complete details (issuing is refused without them)."""
    values: dict[str, Any] = {
        "legal_name": "Example Video Cloud S.L.",
        "address": "Calle Mayor 1\n28013 Madrid, Spain",
        "tax_id": "ESB12345678",
        "registration": "Registro Mercantil de Madrid, tomo 1, folio 1",
        "payment_details": "IBAN ES91 2100 0418 4502 0005 1332 · BIC CAIXESBBXXX",
        "footer": "Thank you for your business.",
    }
    values.update(fields)
    profile = db.session.get(OperatorProfile, 1) or OperatorProfile(id=1)
    for name, value in values.items():
        setattr(profile, name, value)
    db.session.add(profile)
    db.session.flush()
    return profile


def row_counts() -> dict[str, int]:
    """Rows per table, to assert that nothing was saved (needs an app context)."""
    from sqlalchemy import func, select

    from portal.models import Base

    return {
        table.name: db.session.scalar(select(func.count()).select_from(table)) for table in Base.metadata.sorted_tables
    }
