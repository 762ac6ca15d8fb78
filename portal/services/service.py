"""Service catalog operations (add and flush; the view commits)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.audit import service as audit
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Service, Tariff, tariff_services
from portal.models.tariff import KIND_ANALYTICS, KIND_CONTINUOUS, KIND_EVENT, KIND_SPACE
from portal.sync import outbox

FIELDS = ("name", "kind", "archive_days", "archive_gb", "analytics", "monthly_price_minor", "currency", "description")


def _normalise(service: Service) -> None:
    """Drop the fields that do not apply to the service's kind."""
    if service.kind not in (KIND_CONTINUOUS, KIND_EVENT):
        service.archive_days = None
    if service.kind != KIND_SPACE:
        service.archive_gb = None
    if service.kind != KIND_ANALYTICS:
        service.analytics = None


def _check_name(name: str, service_id: int | None) -> None:
    query = select(Service.id).where(func.lower(Service.name) == name.strip().lower())
    existing = db.session.scalar(query)
    if existing is not None and existing != service_id:
        raise DomainError(_("A service with this name already exists."), field="name")


def save_service(service: Service, values: dict[str, object]) -> Service:
    """Create (``service.id is None``) or update a service from validated values."""
    before = audit.snapshot(service, FIELDS) if service.id else None
    _check_name(str(values["name"]), service.id)
    if service.id and values["currency"] != service.currency and tariffs_using(service):
        raise DomainError(_("The currency cannot change while tariffs use this service."), field="currency")
    for name, value in values.items():
        setattr(service, name, value)
    _normalise(service)
    db.session.add(service)
    db.session.flush()
    after = audit.snapshot(service, FIELDS)
    if before is None:
        audit.record("service.create", "service", service.id, summary=service.name, after=after)
    else:
        audit.record("service.update", "service", service.id, summary=service.name, before=before, after=after)
        if any(before.get(k) != after.get(k) for k in ("name", "kind", "archive_days", "archive_gb", "analytics")):
            for tariff in tariffs_using(service):  # the presets built from this service change
                outbox.enqueue(tariff)
    return service


def tariffs_using(service: Service) -> list[Tariff]:
    """The tariffs that include ``service``."""
    return list(
        db.session.scalars(
            select(Tariff).join(tariff_services).where(tariff_services.c.service_id == service.id).order_by(Tariff.name)
        )
    )
