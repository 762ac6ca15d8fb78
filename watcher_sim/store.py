"""SQLite-backed state of the simulator (stdlib ``sqlite3``, one guarded connection).

Objects are kept as JSON documents; a few columns (ids, user names, membership and
preset-link pairs) are real columns so that uniqueness and cascades live in the schema.
All access goes through ``Store.tx()``, which holds a re-entrant lock and a transaction,
so the threaded server never interleaves two writers.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    password_hash TEXT,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS organizations (
    id INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS members (
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    perms TEXT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
CREATE TABLE IF NOT EXISTS presets (
    id INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS org_presets (
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    preset_id INTEGER NOT NULL REFERENCES presets(id) ON DELETE CASCADE,
    PRIMARY KEY (org_id, preset_id)
);
CREATE TABLE IF NOT EXISTS streams (
    name TEXT PRIMARY KEY, data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS stream_refs (
    name TEXT PRIMARY KEY REFERENCES streams(name) ON DELETE CASCADE,
    org_id INTEGER, preset_id INTEGER
);
CREATE INDEX IF NOT EXISTS stream_refs_org ON stream_refs (org_id);
CREATE INDEX IF NOT EXISTS stream_refs_preset ON stream_refs (preset_id);
CREATE TABLE IF NOT EXISTS sessions (
    refresh_token TEXT PRIMARY KEY,
    session TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
);
"""

DOC_TABLES = ("organizations", "presets")


def now_ms() -> int:
    """Current time in milliseconds since the epoch."""
    return int(time.time() * 1000)


class Store:
    """All persistent state; every method is safe to call from any thread."""

    def __init__(self, path: str | Path) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self._depth = 0
        with self._lock:
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._conn.executescript(SCHEMA)
            self._conn.execute(  # stores written before stream_refs existed
                "INSERT OR IGNORE INTO stream_refs (name, org_id, preset_id) SELECT name,"
                " json_extract(data, '$.organization_id'), json_extract(data, '$.preset_id') FROM streams"
            )

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """Hold the lock and a transaction (nested calls join the outer one)."""
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self._conn
            except BaseException:
                self._depth -= 1
                if outer:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self._conn.execute("COMMIT")

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()

    # -- meta ---------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        """Read a meta value."""
        with self.tx() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row["value"])

    def set_meta(self, key: str, value: str) -> None:
        """Write a meta value."""
        with self.tx() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # -- JSON documents (organizations, presets) ------------------------------
    def doc_get(self, table: str, doc_id: int) -> dict[str, Any] | None:
        """One document with its ``id`` merged in, or None."""
        assert table in DOC_TABLES
        with self.tx() as db:
            row = db.execute(f"SELECT id, data FROM {table} WHERE id = ?", (doc_id,)).fetchone()
        return None if row is None else {**json.loads(row["data"]), "id": row["id"]}

    def doc_all(self, table: str) -> list[dict[str, Any]]:
        """All documents of a table, by id."""
        assert table in DOC_TABLES
        with self.tx() as db:
            rows = db.execute(f"SELECT id, data FROM {table} ORDER BY id").fetchall()
        return [{**json.loads(r["data"]), "id": r["id"]} for r in rows]

    def doc_insert(self, table: str, data: dict[str, Any]) -> int:
        """Insert a document and return its new id."""
        assert table in DOC_TABLES
        body = {k: v for k, v in data.items() if k != "id"}
        with self.tx() as db:
            cur = db.execute(f"INSERT INTO {table} (data) VALUES (?)", (json.dumps(body),))
        return int(cur.lastrowid or 0)

    def doc_put(self, table: str, doc_id: int, data: dict[str, Any]) -> None:
        """Replace a document's data."""
        assert table in DOC_TABLES
        body = {k: v for k, v in data.items() if k != "id"}
        with self.tx() as db:
            db.execute(f"UPDATE {table} SET data = ? WHERE id = ?", (json.dumps(body), doc_id))

    def doc_delete(self, table: str, doc_id: int) -> bool:
        """Delete a document (cascades to links); True if it existed."""
        assert table in DOC_TABLES
        with self.tx() as db:
            cur = db.execute(f"DELETE FROM {table} WHERE id = ?", (doc_id,))
        return cur.rowcount > 0

    # -- users ----------------------------------------------------------------
    def user_get(self, user_id: int) -> dict[str, Any] | None:
        """A user row as a dict (includes ``password_hash``), or None."""
        with self.tx() as db:
            row = db.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
        return _user(row)

    def user_by_name(self, name: str) -> dict[str, Any] | None:
        """A user by login name, or None."""
        with self.tx() as db:
            row = db.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
        return _user(row)

    def user_all(self) -> list[dict[str, Any]]:
        """All users by id."""
        with self.tx() as db:
            rows = db.execute("SELECT * FROM users ORDER BY id").fetchall()
        return [u for u in (_user(r) for r in rows) if u is not None]

    def user_insert(self, name: str, password_hash: str | None, data: dict[str, Any]) -> int:
        """Insert a user (raises ``sqlite3.IntegrityError`` on a duplicate name)."""
        with self.tx() as db:
            cur = db.execute(
                "INSERT INTO users (name, password_hash, data) VALUES (?, ?, ?)",
                (name, password_hash, json.dumps(data)),
            )
        return int(cur.lastrowid or 0)

    def user_update(self, user_id: int, name: str, data: dict[str, Any], password_hash: str | None = None) -> None:
        """Update a user; the hash only changes when one is given."""
        with self.tx() as db:
            db.execute(
                "UPDATE users SET name = ?, data = ? WHERE id = ?",
                (name, json.dumps(data), user_id),
            )
            if password_hash is not None:
                db.execute("UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, user_id))

    def clear_password(self, user_id: int) -> None:
        """Forget a user's password hash (what Watcher does when the auth backend declines)."""
        with self.tx() as db:
            db.execute("UPDATE users SET password_hash = NULL WHERE id = ?", (user_id,))

    def user_delete(self, user_id: int) -> bool:
        """Delete a user (memberships and sessions cascade)."""
        with self.tx() as db:
            cur = db.execute("DELETE FROM users WHERE id = ?", (user_id,))
        return cur.rowcount > 0

    # -- streams --------------------------------------------------------------
    def stream_get(self, name: str) -> dict[str, Any] | None:
        """A stream's stored document, or None."""
        with self.tx() as db:
            row = db.execute("SELECT data FROM streams WHERE name = ?", (name,)).fetchone()
        return None if row is None else {**json.loads(row["data"]), "name": name}

    def stream_all(self) -> list[dict[str, Any]]:
        """All streams by name."""
        with self.tx() as db:
            rows = db.execute("SELECT name, data FROM streams ORDER BY name").fetchall()
        return [{**json.loads(r["data"]), "name": r["name"]} for r in rows]

    def stream_put(self, name: str, data: dict[str, Any]) -> None:
        """Create or replace a stream document (and its indexed organization/preset ids)."""
        body = {k: v for k, v in data.items() if k != "name"}
        with self.tx() as db:
            db.execute(
                "INSERT INTO streams (name, data) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET data = excluded.data",
                (name, json.dumps(body)),
            )
            db.execute(
                "INSERT OR REPLACE INTO stream_refs (name, org_id, preset_id) VALUES (?, ?, ?)",
                (name, body.get("organization_id"), body.get("preset_id")),
            )

    def stream_count(self, column: str, value: int) -> int:
        """How many streams belong to an organization (``organization_id``) or use a preset."""
        col = {"organization_id": "org_id", "preset_id": "preset_id"}[column]
        with self.tx() as db:
            return int(db.execute(f"SELECT COUNT(*) FROM stream_refs WHERE {col} = ?", (value,)).fetchone()[0])

    def stream_page(
        self, after: str | None, before: str | None, limit: int, org_ids: set[int] | None
    ) -> tuple[list[dict[str, Any]], int, bool, bool]:
        """One keyset page of streams by name (index range scan: cost follows the page).

        Returns (streams, estimated count, more after, more before); ``org_ids`` None = all.
        """
        where, params = [], []
        if org_ids is not None:
            marks = ",".join("?" * len(org_ids)) or "NULL"
            where.append(f"name IN (SELECT name FROM stream_refs WHERE org_id IN ({marks}))")
            params.extend(sorted(org_ids))
        scope = " AND ".join(where) or "1"
        with self.tx() as db:
            total = int(db.execute(f"SELECT COUNT(*) FROM streams WHERE {scope}", params).fetchone()[0])
            if before is not None:
                rows = db.execute(
                    f"SELECT name, data FROM streams WHERE {scope} AND name < ? ORDER BY name DESC LIMIT ?",
                    [*params, before, limit + 1],
                ).fetchall()
                more_before, rows = len(rows) > limit, rows[:limit][::-1]
                more_after = True
            else:
                bound = "AND name > ?" if after is not None else ""
                extra = [after] if after is not None else []
                rows = db.execute(
                    f"SELECT name, data FROM streams WHERE {scope} {bound} ORDER BY name LIMIT ?",
                    [*params, *extra, limit + 1],
                ).fetchall()
                more_after, rows = len(rows) > limit, rows[:limit]
                more_before = after is not None
        items = [{**json.loads(r["data"]), "name": r["name"]} for r in rows]
        return items, total, more_after, more_before

    def stream_delete(self, name: str) -> bool:
        """Delete a stream; True if it existed."""
        with self.tx() as db:
            cur = db.execute("DELETE FROM streams WHERE name = ?", (name,))
        return cur.rowcount > 0

    # -- whole-store operations ----------------------------------------------
    def is_empty(self) -> bool:
        """True when there are no organizations, presets or streams."""
        with self.tx() as db:
            return all(
                db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] == 0
                for t in ("organizations", "presets", "streams")
            )

    def wipe(self, keep_user_id: int | None) -> None:
        """Delete everything except one user (the built-in admin) and meta."""
        with self.tx() as db:
            for table in ("org_presets", "members", "stream_refs", "streams", "organizations", "presets"):
                db.execute(f"DELETE FROM {table}")
            db.execute("DELETE FROM users WHERE id IS NOT ?", (keep_user_id,))

    def dump(self) -> dict[str, Any]:
        """Every table as lists of dicts, for ``GET /_sim/state`` (no hashes)."""
        out: dict[str, Any] = {}
        with self.tx() as db:
            for table in ("users", "organizations", "members", "presets", "org_presets", "streams"):
                rows = [dict(r) for r in db.execute(f"SELECT * FROM {table}").fetchall()]
                for row in rows:
                    row.pop("password_hash", None)
                    for key in ("data", "perms"):
                        if key in row:
                            row[key] = json.loads(row[key])
                out[table] = rows
        return out


def _user(row: sqlite3.Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        **json.loads(row["data"]),
        "id": row["id"],
        "name": row["name"],
        "password_hash": row["password_hash"],
    }
