"""The repository stands alone: no file refers to a folder beside the clone or to a machine path.

A newcomer clones the project into an empty folder; nothing tracked may depend on a sibling
``shared`` folder or on where some build machine keeps its files.  The patterns are assembled
from pieces so that this file does not match them itself.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_SIBLING = re.escape("..") + "/" + "shared"
_SHARED_DOCS = "shared" + "/" + r"(?:watcher-examples|STYLE\.md|DESIGN\.md|WATCHER_API\.md)"
_MACHINE_DIRS = "|".join(["wo" + "rk", "fa" + "rm", "ho" + "me", "Us" + "ers", "ro" + "ot"])
#: an absolute path under a machine folder, but not inside a URL or a relative path
_MACHINE_PATH = r"(?<![\w./~-])/(?:" + _MACHINE_DIRS + r")/"

FORBIDDEN = re.compile("|".join([_SIBLING, _SHARED_DOCS, _MACHINE_PATH]))


def tracked_files() -> list[Path]:
    """Every file git tracks in this clone."""
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [ROOT / name for name in out.decode().split("\0") if name]


def references(text: str) -> list[str]:
    """The forbidden references in ``text``, one ``line: excerpt`` per hit."""
    return [
        f"{number}: {line.strip()[:120]}" for number, line in enumerate(text.splitlines(), 1) if FORBIDDEN.search(line)
    ]


def test_patterns_catch_what_they_should() -> None:
    sibling = ".." + "/shared" + "/STYLE.md"
    machine = "/" + "work" + "/shared" + "/watcher-examples/responses.json"
    assert references(f"see `{sibling}`") and references(f'Path("{machine}")')
    assert references("cd /" + "farm" + "/build") and references("~ is /" + "home" + "/dev/")
    relative = "portal/" + "work" + "/queue.py"  # a folder named like a machine's, inside the tree
    assert not references(f"https://example.org/home/page and {relative}")
    assert not references("tests/data/watcher/responses.json")


def test_no_file_refers_outside_the_repository() -> None:
    files = tracked_files()
    assert len(files) > 100 and ROOT / "README.md" in files
    offenders: dict[str, list[str]] = {}
    for path in files:
        if not path.is_file():  # deleted in the work tree but still tracked
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            text = path.read_bytes().decode("latin-1")
        hits = references(text)
        if hits:
            offenders[str(path.relative_to(ROOT))] = hits
    assert not offenders, f"references outside the repository: {offenders}"
