"""Recording the audit trail.  Services call :func:`record`; the caller commits.

The actor is passed in (``actor=``).  When a service does not know it, the
boundary that started the unit of work does: a request binds the signed-in user
and the client address with :func:`bind` (see :mod:`portal.unit_of_work`), a
command-line job binds nothing and is recorded as "system".  This module never
reads the request or ``current_user`` itself.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar, Token
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from portal.extensions import db
from portal.models import AuditEvent, User, utcnow


@dataclass(frozen=True)
class Origin:
    """Who acts in the current unit of work (resolved lazily) and from which address."""

    actor: Callable[[], User | None]
    ip: str | None = None


_origin: ContextVar[Origin | None] = ContextVar("audit_origin", default=None)


def bind(origin: Origin | None) -> Token[Origin | None]:
    """Set who acts for the records of this unit of work (the request or job boundary calls it)."""
    return _origin.set(origin)


def unbind(token: Token[Origin | None]) -> None:
    """Forget the binding made by :func:`bind`."""
    _origin.reset(token)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set) else items
    return value


def snapshot(obj: Any, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """Read ``fields`` of ``obj`` into a JSON-ready dict for before/after records."""
    return {name: _jsonable(getattr(obj, name)) for name in fields}


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Keep only the keys whose values changed."""
    before = before or {}
    after = after or {}
    keys = sorted(set(before) | set(after))
    changed = [k for k in keys if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in changed if k in before}, {k: after.get(k) for k in changed if k in after}


def record(
    action: str,
    object_type: str,
    object_id: int | None,
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor: User | None = None,
    only_changes: bool = True,
) -> AuditEvent:
    """Add an audit event (flushed with the caller's unit of work, never committed here)."""
    event = AuditEvent(**event_row(action, object_type, object_id, summary, before, after, actor, only_changes))
    db.session.add(event)
    return event


def event_row(
    action: str,
    object_type: str,
    object_id: int | None,
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor: User | None = None,
    only_changes: bool = True,
) -> dict[str, Any]:
    """The columns of one audit event, for :func:`record` and for bulk writers (the billing run)."""
    origin = _origin.get()
    if actor is None and origin is not None:
        actor = origin.actor()
    if only_changes and before is not None and after is not None:
        before, after = diff(before, after)
    return {
        "created_at": utcnow(),
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "summary": summary,
        "before": _jsonable(before) if before is not None else None,
        "after": _jsonable(after) if after is not None else None,
        "actor_id": actor.id if actor is not None else None,
        "actor_label": actor.email if actor is not None else "system",
        "ip": origin.ip if origin is not None else None,
    }
