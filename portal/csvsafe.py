"""CSV cells that a spreadsheet will not run as formulas.

Camera titles come from subscribers (through Watcher) and organization names
from people: a cell such as ``=HYPERLINK(...)`` or ``@SUM(...)`` is a formula to
Excel, LibreOffice and Google Sheets.  OWASP's advice: prefix a single quote to
any text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return.  Plain numbers (``-12.50``) stay numbers.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def safe_cell(value: Any) -> Any:
    """``value`` as it may go into a CSV cell; text that a spreadsheet would evaluate gets a ``'``."""
    if not isinstance(value, str):
        return value
    if value.startswith(_TRIGGERS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


class SafeWriter:
    """A ``csv.writer`` whose every cell goes through :func:`safe_cell`."""

    def __init__(self, stream: Any) -> None:
        self._writer = csv.writer(stream)

    def writerow(self, row: Iterable[Any]) -> None:
        """Write one row of neutralised cells."""
        self._writer.writerow([safe_cell(cell) for cell in row])
