"""The direct reading of a plainly typed stream (:meth:`portal.watcher.types.Stream.parse`).

A sync reads every stream of the operator; most arrive with every field of exactly its
JSON type, and reading those without the per-field checks of
:class:`portal.watcher.paging.Fields` costs a third.  Anything else returns None and is
read (accepted, converted or refused with its path) by the checked reader.
"""

from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T")


def plain_stream(data: Any, stream_class: type[T]) -> T | None:
    """A ``stream_class`` (:class:`~portal.watcher.types.Stream`) from a stream whose fields are all
    exactly of their JSON types, else None: :meth:`Stream.parse` then reads it field by field."""
    if type(data) is not dict:
        return None
    get = data.get
    name, title, disabled = get("name"), get("title"), get("disabled")
    org_id, preset_id, created = get("organization_id"), get("preset_id"), get("created_at")
    if type(name) is not str or (title is not None and type(title) is not str):
        return None
    if (disabled is not None and type(disabled) is not bool) or (created is not None and type(created) is not int):
        return None
    if (org_id is not None and type(org_id) is not int) or (preset_id is not None and type(preset_id) is not int):
        return None
    org = _nested(get("organization"), "id", int, "title")
    preset = _nested(get("preset"), "id", int, "title")
    change = _nested(get("last_change"), "created_at", int, "user")
    if org is None or preset is None or change is None:
        return None
    (nested_org, org_title), (nested_preset, preset_title), (changed_at, user) = org, preset, change
    org_id = org_id if nested_org is None else nested_org
    preset_id = preset_id if nested_preset is None else nested_preset
    stream = object.__new__(stream_class)  # every field given and checked above: no __init__ needed
    stream.__dict__.update(
        name=name,
        title=title,
        disabled=bool(disabled),
        organization_id=org_id,
        organization_title=org_title,
        preset_id=preset_id,
        preset_title=preset_title,
        created_at=created,
        last_change_at=changed_at,
        last_change_user=user,
    )
    return stream


def _nested(value: Any, first: str, kind: type, second: str) -> tuple[Any, Any] | None:
    """``(value[first], value[second])`` of an optional object (absent: two Nones) whose ``first``
    is a ``kind`` and ``second`` a string, each optional; None when it is not one."""
    if value is None:
        return None, None
    if type(value) is not dict:
        return None
    one, other = value.get(first), value.get(second)
    if (one is not None and type(one) is not kind) or (other is not None and type(other) is not str):
        return None
    return one, other
