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
    org_title = preset_title = changed_at = user = None
    org, preset, change = get("organization"), get("preset"), get("last_change")
    if org is not None:
        if type(org) is not dict:
            return None
        nested_id, org_title = org.get("id"), org.get("title")
        if (nested_id is not None and type(nested_id) is not int) or (
            org_title is not None and type(org_title) is not str
        ):
            return None
        org_id = org_id if nested_id is None else nested_id
    if preset is not None:
        if type(preset) is not dict:
            return None
        nested_id, preset_title = preset.get("id"), preset.get("title")
        if (nested_id is not None and type(nested_id) is not int) or (
            preset_title is not None and type(preset_title) is not str
        ):
            return None
        preset_id = preset_id if nested_id is None else nested_id
    if change is not None:
        if type(change) is not dict:
            return None
        changed_at, user = change.get("created_at"), change.get("user")
        if (changed_at is not None and type(changed_at) is not int) or (user is not None and type(user) is not str):
            return None
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
