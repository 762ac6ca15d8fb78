"""Parse every published Watcher v3 example response, plus odd payloads.

The examples come from Flussonic's OpenAPI spec as carried by their Go SDK; the repository
keeps a copy with its attribution in tests/data/watcher/ (README.md there).  Every published
example of an operation the portal calls is parsed through the client.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from portal.watcher.auth import parse_tokens
from portal.watcher.paging import parse_page
from portal.watcher.types import Organization, OrgMember, Preset, Stream, User

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "watcher" / "published-examples.json"


def _all() -> list[dict[str, Any]]:
    return json.loads(EXAMPLES.read_text(encoding="utf-8"))


def _load() -> list[dict[str, Any]]:
    """The published examples of the operations the portal calls (those with a parser)."""
    return [e for e in _all() if e["operation"] in PARSERS]


def _empty(body: Any) -> Any:
    assert body == {}, "a delete answers with an empty object"
    return body


def _page(key: str, parse: Callable[..., Any]) -> Callable[[Any], Any]:
    return lambda body: parse_page(body, key, parse)


#: operation name -> parser of its response body
PARSERS: dict[str, Callable[[Any], Any]] = {
    "LoginCreate": parse_tokens,
    "AdminStreamsList": _page("streams", Stream.parse),
    "StreamsList": _page("streams", Stream.parse),
    "StreamGet": Stream.parse,
    "PresetsList": _page("presets", Preset.parse),
    "PresetGet": Preset.parse,
    "PresetSave": Preset.parse,
    "PresetsCreate": Preset.parse,
    "OrganizationPresetSave": Preset.parse,
    "DeleteOrganizationPreset": _empty,
    "UsersList": _page("users_list", User.parse),
    "UserGet": User.parse,
    "UserCreate": User.parse,
    "UserSave": User.parse,
    "UserDelete": _empty,
    "OrganizationsList": _page("organizations", Organization.parse),
    "OrganizationGet": Organization.parse,
    "OrganizationCreate": Organization.parse,
    "OrganizationSave": Organization.parse,
    "OrganizationDelete": _empty,
    "OrganizationUsersList": _page("users", OrgMember.parse),
    "OrganizationUserGet": OrgMember.parse,
    "OrganizationUserSave": OrgMember.parse,
    "OrganizationUserDelete": _empty,
}


def test_examples_file_is_there_and_complete() -> None:
    examples = _load()
    assert len(examples) >= 35
    missing = set(PARSERS) - {e["operation"] for e in examples}
    assert not missing, f"no published example for {sorted(missing)}"


@pytest.mark.parametrize("example", _load(), ids=lambda e: f"{e['api']}-{e['operation']}")
def test_every_example_parses(example: dict[str, Any]) -> None:
    PARSERS[example["operation"]](example["response"])


def _example(api: str, operation: str) -> Any:
    return next(e["response"] for e in _load() if e["api"] == api and e["operation"] == operation)


def test_login_example_has_no_exp() -> None:
    tokens = parse_tokens(_example("admin", "LoginCreate"))
    assert tokens.access_token.startswith("eyJ")
    assert tokens.refresh_token == "3637e790-5530-11ed-bdc3-0242ac120002"
    assert tokens.expires_at is None  # no exp claim: accepted, refreshed on 401
    assert "eyJ" not in repr(tokens) and "3637e790" not in repr(tokens)


def test_users_list_example_values() -> None:
    page = parse_page(_example("admin", "UsersList"), "users_list", User.parse)
    assert page.next == "JTI0cG9zaXRpb25fZ3Q9MA=="
    assert page.prev == "JTI0cG9zaXRpb25fbHQ9MSYlMjRyZXZlcnNlZD10cnVl"
    assert page.estimated_count == 5
    (user,) = page.items
    assert (user.id, user.name, user.email, user.access_level) == (1, "example", "user@example.com", "generic")
    assert (user.fullname, user.phone, user.locale, user.disabled) == ("example", "+78007778413", "en", False)
    assert user.created_at == 1672531199000
    assert not hasattr(user, "password")
    (org,) = user.organizations
    assert (org.id, org.title, org.owner_id, org.owner_name) == (1, "Cameras", 2, "admin")
    assert org.permissions.can_edit_users and org.permissions.is_member


def test_organization_example_values() -> None:
    page = parse_page(_example("client", "OrganizationsList"), "organizations", Organization.parse)
    (org,) = page.items
    assert (org.id, org.title, org.is_default) == (7, "Example LLC", True)
    assert (org.owner_id, org.owner_name) == (2, "admin")
    assert (org.stream_limit, org.user_limit) == (50, 50)
    assert (org.stats_streams, org.stats_users, org.stats_mosaics) == (12, 12, 2)
    assert org.created_at == 1672531199000
    assert Organization.parse(_example("client", "OrganizationGet")) == org


def test_member_example_values() -> None:
    member = OrgMember.parse(_example("client", "OrganizationUserGet"))
    assert (member.id, member.name, member.email) == (7, "Example LLC", "user@example.com")
    assert member.can_view_streams and member.can_edit_streams and member.can_edit_users
    assert member.can_view_stats and member.is_member


def test_preset_example_values() -> None:
    preset = Preset.parse(_example("admin", "PresetGet"))
    assert (preset.id, preset.title, preset.is_adjustable, preset.is_default) == (7, "Example preset name", True, False)
    assert preset.storage_limit == 400_000_000_000
    assert preset.expiration is None and preset.episodes_expiration is None
    assert preset.vision_alg == "faces"
    assert preset.deleted_at == 1637095014573
    client_preset = Preset.parse(_example("client", "PresetGet"))
    assert client_preset.deleted_at is None


@pytest.mark.parametrize("api,operation", [("admin", "StreamGet"), ("client", "StreamGet")])
def test_stream_example_values(api: str, operation: str) -> None:
    stream = Stream.parse(_example(api, operation))
    assert (stream.name, stream.title, stream.disabled) == ("example", "Hockey channel", False)
    assert (stream.organization_id, stream.organization_title) == (9, "Organization 1")
    assert (stream.preset_id, stream.preset_title) == (None, "Example preset name")  # preset without id
    assert stream.created_at == 1672531199000
    assert stream.last_change_at is None and stream.last_change_user is None


def test_streams_list_example_page() -> None:
    page = parse_page(_example("admin", "AdminStreamsList"), "streams", Stream.parse)
    assert [s.name for s in page.items] == ["example"]
    assert page.next == "JTI0cG9zaXRpb25fZ3Q9MA==" and page.estimated_count == 5
