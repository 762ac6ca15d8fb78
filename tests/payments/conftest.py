"""Fixtures for payment tests: a private PDF cache per test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture()
def app_config(tmp_path: Path) -> dict[str, Any]:
    """A private PDF cache directory."""
    return {"INVOICE_CACHE_DIR": str(tmp_path / "invoice-cache")}
