"""Flussonic's published Watcher API v3 (tests/data/watcher, go-flussonic 2a60e09, MIT,
Copyright (c) Flussonic): match a request or a response against it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "data" / "watcher"
#: (model, field) -> the model of the nested object.  The models file lists field names only;
#: these links follow the SDK's types (Preset.dvr is a DVR spec, Preset.vision a VisionSpecPresets...).
NESTED = {
    ("Preset", "dvr"): "DvrBaseConfig",
    ("Preset", "vision"): "VisionSpecPresets",
    ("Organization", "owner"): "OrganizationOwner",
    ("Organization", "limits"): "OrganizationLimits",
}
#: operations whose SDK types the body as ``any``: the model the docs describe for it
UNTYPED_BODIES = {"UserCreate": "UserCreate"}


@dataclass(frozen=True)
class Operation:
    """One published operation."""

    api: str
    name: str
    method: str
    path: str
    body_model: str | None
    query_model: str | None


@lru_cache(maxsize=1)
def operations() -> tuple[Operation, ...]:
    """Every published operation of both APIs."""
    data = json.loads((DATA / "published-operations.json").read_text(encoding="utf-8"))
    return tuple(
        Operation(
            o["api"],
            o["operation"],
            o["method"],
            o["path"],
            o["request_body_model"] or UNTYPED_BODIES.get(o["operation"]),
            o["query_model"],
        )
        for o in data["operations"]
    )


@lru_cache(maxsize=1)
def _query_fields() -> dict[str, frozenset[str]]:
    data = json.loads((DATA / "published-operations.json").read_text(encoding="utf-8"))
    out = {}
    for name, spec in data["query_parameters"].items():
        fields = [re.sub(r"(?<!^)([A-Z])", r"_\1", f).lower() for f in spec["go_fields"] if f != "Extra"]
        out[name] = frozenset(fields)
    return out


@lru_cache(maxsize=1)
def models() -> dict[str, frozenset[str]]:
    """``A:Model``/``C:Model`` -> its JSON field names."""
    data = json.loads((DATA / "published-models.json").read_text(encoding="utf-8"))
    return {name: frozenset(fields) for name, fields in data["models"].items()}


def find(method: str, path: str) -> Operation | None:
    """The published operation for a method and a full path (``/watcher/...``), or None."""
    for op in operations():
        pattern = "^" + re.escape(op.path).replace("%s", "[^/]+") + "$"
        if op.method == method and re.match(pattern, path):
            return op
    return None


def body_problems(op: Operation, body: Any) -> list[str]:
    """Field names in ``body`` that the operation's published request model does not have."""
    if body is None:
        return []
    if op.body_model is None:
        return [f"{op.name} publishes no request body, got {sorted(body) if isinstance(body, dict) else body!r}"]
    return _fields(op.api[0].upper() + ":" + op.body_model, op.body_model, body, "")


def _fields(qualified: str, model: str, body: Any, where: str) -> list[str]:
    known = models().get(qualified)
    if known is None:
        return [f"{where or '/'}: model {qualified} is not published"]
    if not isinstance(body, dict):
        return [f"{where or '/'}: expected an object for {qualified}"]
    problems = [f"{where}/{key}: not a field of {qualified}" for key in body if key not in known]
    for key, value in body.items():
        nested = NESTED.get((model, key))
        if nested and isinstance(value, dict):
            problems += _fields(qualified[:2] + nested, nested, value, f"{where}/{key}")
    return problems


def query_problems(op: Operation, params: dict[str, Any]) -> list[str]:
    """Query parameters the operation does not publish."""
    if not params:
        return []
    if op.query_model is None:
        return [f"{op.name} publishes no query parameters, got {sorted(params)}"]
    allowed = _query_fields().get(op.api[0].upper() + ":" + op.query_model, frozenset())
    return [f"?{key}: not a parameter of {op.query_model}" for key in params if key not in allowed]


@lru_cache(maxsize=1)
def examples() -> tuple[dict[str, Any], ...]:
    """Every published example response."""
    return tuple(json.loads((DATA / "published-examples.json").read_text(encoding="utf-8")))
