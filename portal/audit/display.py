"""Audit values as a person reads them: amounts in the currency's major unit.

Events keep machine values (``monthly_price_minor: 1240``, with the ``currency``
beside it); the page shows ``monthly_price: €12.40``.  A ``*_minor`` value is
formatted with the ``currency`` of its own record, else of an enclosing one;
without any currency it is left as recorded.
"""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

from portal.templating import money


def money_fields(values: Any, currency: str | None = None) -> Any:
    """``values`` with each ``<name>_minor`` integer shown as ``<name>``: formatted money."""
    if isinstance(values, list):
        return [money_fields(v, currency) for v in values]
    if not isinstance(values, dict):
        return values
    own = values.get("currency")
    currency = own if isinstance(own, str) and len(own) == 3 else currency
    shown: dict[str, Any] = {}
    for key, value in values.items():
        if key.endswith("_minor") and currency and isinstance(value, int) and not isinstance(value, bool):
            shown[key[: -len("_minor")]] = money(value, currency)
        else:
            shown[key] = money_fields(value, currency)
    return shown


def audit_json(values: Any, other: Any = None) -> Markup:
    """The values as indented JSON with money formatted, safe for a ``<pre>`` (quotes kept).

    ``other`` is the event's other side (before/after): its ``currency`` is used when
    ``values`` carries none (a price's "before" records only date and amount).
    """
    fallback = other.get("currency") if isinstance(other, dict) else None
    text = json.dumps(
        money_fields(values, fallback if isinstance(fallback, str) else None), indent=1, ensure_ascii=False, default=str
    )
    return Markup(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
