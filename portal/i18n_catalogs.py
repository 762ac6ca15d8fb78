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


#: The one definition of what ``make i18n-extract`` collects (the test of the catalogs uses it too):
#: Python under portal/ and the Jinja templates (babel.cfg), with the keywords the code uses.
#: pybabel skips folders starting with "_", so templates/_macros is a second input.
EXTRACT_KEYWORDS = ("_l", "lazy_gettext", "N_", "lazy_ngettext:1,2")
EXTRACT_INPUTS = (".", "templates/_macros")


def extract(output: Path, root: Path = CATALOGS.parent.parent) -> None:
    """Extract every translatable message of the sources into the template ``output`` (a .pot)."""
    from babel.messages.frontend import CommandLineInterface

    args = ["pybabel", "-q", "extract", "-F", str(root / "babel.cfg")]
    for keyword in EXTRACT_KEYWORDS:
        args += ["-k", keyword]
    args += ["--sort-by-file", "--no-wrap", "--no-location", "--project", "Watcher Billing", "-o", str(output)]
    cwd = Path.cwd()
    try:
        os.chdir(root)  # babel.cfg's patterns are relative to the repository root
        CommandLineInterface().run([*args, *EXTRACT_INPUTS])
    finally:
        os.chdir(cwd)


if __name__ == "__main__":  # python -m portal.i18n_catalogs extract|compile
    import sys

    if sys.argv[1:] == ["extract"]:
        extract(CATALOGS / "messages.pot")
    elif sys.argv[1:] == ["compile"]:
        for written in compile_catalogs():
            print(f"compiled {written}")
    else:
        raise SystemExit("usage: python -m portal.i18n_catalogs extract|compile")
