"""Building the compiled catalogs (.mo) from the committed .po files.

``make i18n-compile`` does this with pybabel; the test session does it with
:func:`compile_catalogs` too, so a test run straight from pytest never reads a stale
catalog.  Nothing here runs while the portal serves requests.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

CATALOGS = Path(__file__).resolve().parent / "translations"


def po_files(directory: Path = CATALOGS) -> list[Path]:
    """Every language's ``messages.po`` under ``directory``."""
    return sorted(directory.glob("*/LC_MESSAGES/messages.po"))


def compile_catalogs(directory: Path = CATALOGS) -> list[Path]:
    """Compile each .po whose .mo is missing or older; returns the .mo files written."""
    written = []
    for po in po_files(directory):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name)
        handle, temporary = tempfile.mkstemp(dir=po.parent, suffix=".mo-tmp")
        with os.fdopen(handle, "wb") as target:
            write_mo(target, catalog)
        os.replace(temporary, mo)  # atomic: a parallel test worker reads the old or the new one
        written.append(mo)
    return written
