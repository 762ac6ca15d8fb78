"""Watcher v3 cursor collections (paging): filters, ``sort``, ``select``, ``limit`` and cursors.

A cursor is base64 of a small JSON object holding the direction, the sort spec and the
sort key of the boundary item. Every sort ends with a unique tiebreaker field, so pages
are keyset pages: items added or removed between calls never make a page skip or repeat
an item that was present throughout.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Callable, Iterable, Mapping
from functools import cmp_to_key
from typing import Any

from watcher_sim.errors import ApiError

RESERVED = frozenset({"limit", "cursor", "select", "sort"})
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
_SUFFIXES = ("_gte", "_lte", "_gt", "_lt", "_ne", "_like")
_MISSING = object()


def lookup(item: Mapping[str, Any], path: str) -> Any:
    """Value at a dotted path, or ``_MISSING``."""
    value: Any = item
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _rank(value: Any) -> tuple[int, Any]:
    if value is None or value is _MISSING:
        return (0, 0)
    if isinstance(value, (bool, int, float)):
        return (1, value)
    if isinstance(value, str):
        return (2, value)
    return (3, json.dumps(value, sort_keys=True))


def parse_sort(spec: str, tiebreak: str) -> list[tuple[str, bool]]:
    """``"-created_at,name"`` -> ``[("created_at", True), ("name", False), tiebreak]``."""
    fields = [(f.lstrip("-+"), f.startswith("-")) for f in spec.split(",") if f.strip("-+ ")]
    if tiebreak not in {f for f, _ in fields}:
        fields.append((tiebreak, False))
    return fields


def _compare(fields: list[tuple[str, bool]]) -> Callable[[list[Any], list[Any]], int]:
    def cmp(a: list[Any], b: list[Any]) -> int:
        for (_, desc), x, y in zip(fields, a, b, strict=False):
            rx, ry = _rank(x), _rank(y)
            if rx != ry:
                result = -1 if rx < ry else 1
                return -result if desc else result
        return 0

    return cmp


def _matches(item: Mapping[str, Any], param: str, raw: str) -> bool:
    field, op = param, "eq"
    for suffix in _SUFFIXES:
        if param.endswith(suffix):
            field, op = param[: -len(suffix)], suffix[1:]
            break
    value = lookup(item, field)
    if value is _MISSING:
        return False
    if op == "like":
        return raw.lower() in str(value).lower()
    wanted = [_coerce(value, part) for part in raw.split(",")] if op in ("eq", "ne") else []
    if op == "eq":
        return value in wanted
    if op == "ne":
        return value not in wanted
    target = _coerce(value, raw)
    try:
        return bool({"gt": value > target, "lt": value < target, "gte": value >= target, "lte": value <= target}[op])
    except TypeError:
        return False


def _coerce(sample: Any, raw: str) -> Any:
    """Turn a query-string value into the type of the item's value."""
    if raw == "null":
        return None
    if isinstance(sample, bool):
        return raw.lower() in ("true", "1", "yes")
    if isinstance(sample, (int, float)):
        try:
            return type(sample)(raw)
        except ValueError:
            return raw
    return raw


def select_fields(item: Mapping[str, Any], spec: str) -> dict[str, Any]:
    """Keep only the comma-listed (possibly dotted) fields of ``item``."""
    out: dict[str, Any] = {}
    for path in (p.strip() for p in spec.split(",")):
        value = lookup(item, path) if path else _MISSING
        if value is _MISSING:
            continue
        parts = path.split(".")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


def encode_cursor(state: dict[str, Any]) -> str:
    """An opaque cursor (base64 JSON) for a page boundary."""
    return base64.b64encode(json.dumps(state, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str) -> dict[str, Any]:
    """The state inside a cursor; a 400 JSON:API error when it is not one of ours."""
    try:
        state = json.loads(base64.b64decode(cursor, validate=True))
        if state["d"] not in ("next", "prev") or not isinstance(state["k"], list):
            raise ValueError
        return dict(state)
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise ApiError(400, "Invalid cursor", "invalid_cursor", parameter="cursor") from None


def page_limit(args: Mapping[str, str]) -> int:
    """The ``limit`` parameter (default 100, at most 1000); a 400 when not a positive integer."""
    raw = args.get("limit")
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        limit = -1
    if limit < 1:
        raise ApiError(400, "limit must be a positive integer", "invalid_value", parameter="limit")
    return min(limit, MAX_LIMIT)


def paginate(
    items: Iterable[Mapping[str, Any]],
    key: str,
    args: Mapping[str, str],
    tiebreak: str = "id",
    default_sort: str | None = None,
    handled: Iterable[str] = (),
) -> dict[str, Any]:
    """Build a collection response ``{key: [...], estimated_count, next, prev, timing}``.

    ``args`` are the query parameters; those in ``handled`` were already applied by the
    caller (e.g. ``organization_id`` on users), all others not in ``RESERVED`` filter
    by field value (``field``, ``field_gt/_lt/_gte/_lte/_ne/_like``, dotted allowed).
    """
    started = time.perf_counter()
    skip = RESERVED | set(handled)
    rows = [i for i in items if all(_matches(i, p, v) for p, v in args.items() if p not in skip)]
    limit = page_limit(args)
    cursor = decode_cursor(args["cursor"]) if args.get("cursor") else None
    spec = cursor["s"] if cursor else (args.get("sort") or default_sort or tiebreak)
    fields = parse_sort(spec, tiebreak)
    cmp = _compare(fields)
    keyed = [([_plain(lookup(r, f)) for f, _ in fields], r) for r in rows]
    keyed.sort(key=cmp_to_key(lambda a, b: cmp(a[0], b[0])))
    if cursor is None:
        start, end = 0, min(limit, len(keyed))
    elif cursor["d"] == "next":
        start = sum(1 for k, _ in keyed if cmp(k, cursor["k"]) <= 0)
        end = min(start + limit, len(keyed))
    else:
        end = sum(1 for k, _ in keyed if cmp(k, cursor["k"]) < 0)
        start = max(0, end - limit)
    page = keyed[start:end]
    more_after, more_before = end < len(keyed) and page, start > 0 and page
    result_next = encode_cursor({"d": "next", "s": spec, "k": page[-1][0]}) if more_after else None
    result_prev = encode_cursor({"d": "prev", "s": spec, "k": page[0][0]}) if more_before else None
    selected = args.get("select")
    out = [select_fields(r, selected) if selected else dict(r) for _, r in page]
    return {
        key: out,
        "estimated_count": len(keyed),
        "next": result_next,
        "prev": result_prev,
        "timing": {"total": round((time.perf_counter() - started) * 1000, 3)},
    }


def _plain(value: Any) -> Any:
    return None if value is _MISSING else value
