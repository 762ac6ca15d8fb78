"""Hostile input refused before it reaches a service or the database.

One place for the rules every form and query string obeys:

* no control characters (NUL, ESC, DEL, ...) and no lone surrogates in any
  text; line breaks and tabs only in multi-line fields;
* numbers are ASCII digits with an optional minus sign (``1_000``, ``١٢`` and
  ``²`` are refused, although Python's ``int()`` takes them) and fit a 32-bit
  database integer;
* text has a length limit and over-long text is refused with a message, never
  cut.

:class:`portal.forms.PortalForm` applies them to every field of every form;
:func:`register` refuses query strings and URL ids that break them.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from flask import Flask, abort, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

from portal.i18n import N_

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
_STRICT_INT = re.compile(r"-?[0-9]{1,10}")
#: Longest query-string value any page reads (search boxes, dates, ids, ``next``).
MAX_QUERY_VALUE = 2000

#: Messages in English; translated where shown (portal/forms.py).
CONTROL_MESSAGE = N_("Remove control characters (such as NUL or escape codes) from this field.")
LINES_MESSAGE = N_("Use a single line here: line breaks and tabs are not allowed.")
NUMBER_MESSAGE = N_("Enter a whole number using digits only, e.g. 12.")
RANGE_MESSAGE_TEMPLATE = N_("Enter a number between %(first)s and %(last)s.")
RANGE_MESSAGE = RANGE_MESSAGE_TEMPLATE % {"first": INT_MIN, "last": INT_MAX}


def bad_character(text: str, multiline: bool = False) -> str | None:
    """The message for the first character ``text`` may not hold, or None if all are fine."""
    for char in text:
        if char in "\r\n\t":
            if not multiline:
                return LINES_MESSAGE
            continue
        category = unicodedata.category(char)
        if category in ("Cc", "Cs") or char in "\ufffe\uffff":
            return CONTROL_MESSAGE
    return None


def strict_int(text: str | None) -> int | None:
    """``text`` as a database-sized integer, or None unless it is plain ASCII digits in range."""
    if text is None:
        return None
    text = text.strip()
    if not _STRICT_INT.fullmatch(text):
        return None
    value = int(text)
    return value if INT_MIN <= value <= INT_MAX else None


def int_error(text: str) -> str | None:
    """Why ``text`` is not an acceptable integer (None if it is one)."""
    stripped = text.strip()
    if not _STRICT_INT.fullmatch(stripped):
        return NUMBER_MESSAGE
    if not INT_MIN <= int(stripped) <= INT_MAX:
        return RANGE_MESSAGE
    return None


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` in URLs: a 32-bit positive id at most; a bigger one is a 404, not a 500."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002 (werkzeug's name)
        kwargs.setdefault("max", INT_MAX)
        super().__init__(map, *args, **kwargs)


def register(app: Flask) -> None:
    """Bound URL ids (call before blueprints are registered) and refuse hostile query strings."""
    app.url_map.converters["int"] = BoundedIntConverter

    @app.before_request
    def _query_string_guard() -> None:
        for key, value in request.args.items(multi=True):
            if bad_character(key) or bad_character(value):
                if request.endpoint == "extauth.check":
                    abort(403)  # Watcher's contract: "wrong credentials"; it keeps its stored password
                abort(
                    400,
                    description=_("The address contains control characters or line breaks; remove them and try again."),
                )
            if len(value) > MAX_QUERY_VALUE:
                abort(400, description=_("A value in the address is longer than %(n)s characters.", n=MAX_QUERY_VALUE))
