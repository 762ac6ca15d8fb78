"""Demo data: presets, the portal's demo organizations, users and ~15 cameras with history."""

from __future__ import annotations

from watcher_sim import organizations as orgs
from watcher_sim.auth import hash_password
from watcher_sim.store import Store

DAY_MS = 86_400_000


def load_demo(store: Store, now_ms: int) -> bool:
    """Load demo data (idempotent: only into a store without orgs/presets/streams)."""
    return False
