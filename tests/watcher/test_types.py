"""Odd payloads, request bodies, time helpers, error bodies and cursor iteration."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from portal.watcher.auth import jwt_claims, parse_tokens, token_expiry
from portal.watcher.errors import (
    WatcherAuthError,
    WatcherConflict,
    WatcherError,
    WatcherNotFound,
    WatcherProtocolError,
    WatcherUnavailable,
    WatcherValidationError,
    error_from_response,
    parse_error_body,
)
from portal.watcher.paging import Page, iterate_pages, parse_page
from portal.watcher.types import (
    Organization,
    OrganizationSpec,
    OrgMember,
    Preset,
    PresetSpec,
    Stream,
    User,
    UserSpec,
    datetime_to_ms,
    ms_to_datetime,
)


def _jwt(claims: dict) -> str:
    def enc(d: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()

    return f"{enc({'alg': 'RS256'})}.{enc(claims)}.c2ln"


# ------------------------------------------------------------------ tolerant parsing
def test_extra_nested_fields_are_ignored() -> None:
    stream = Stream.parse(
        {
            "name": "cam1",
            "organization": {"id": 3, "title": "A", "deep": {"x": [1]}},
            "preset": {"id": 4, "title": "P", "dvr": {"expiration": 1}},
            "last_change": {"created_at": 1700000000123, "user": "bob", "extra": 1},
            "brand_new_field": {"a": [{"b": None}]},
        }
    )
    assert (stream.organization_id, stream.preset_id, stream.preset_title) == (3, 4, "P")
    assert stream.last_change_at == 1700000000123 and stream.last_change_user == "bob"
    assert ms_to_datetime(stream.last_change_at) == datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=timezone.utc)


def test_stream_with_only_deprecated_ids() -> None:
    stream = Stream.parse({"name": "cam2", "organization_id": 5, "preset_id": 6, "disabled": True})
    assert (stream.organization_id, stream.preset_id, stream.disabled) == (5, 6, True)
    assert stream.organization_title is None and stream.created_at is None


def test_object_ids_win_over_deprecated_ones() -> None:
    stream = Stream.parse(
        {"name": "c", "organization": {"id": 1}, "organization_id": 2, "preset": {"id": 7}, "preset_id": 8}
    )
    assert (stream.organization_id, stream.preset_id) == (1, 7)


def test_missing_optional_fields_get_defaults() -> None:
    assert Stream.parse({"name": "bare"}) == Stream(name="bare")
    assert User.parse({"id": 1, "name": "u"}) == User(id=1, name="u")
    assert Preset.parse({"id": 1, "title": "t", "dvr": None}) == Preset(id=1, title="t")
    org = Organization.parse({"id": 1, "title": "o", "owner": None, "limits": {"streams": None}})
    assert org == Organization(id=1, title="o")
    member = OrgMember.parse({"id": 3})
    assert member == OrgMember(id=3)


def test_member_flat_permission_forms() -> None:
    nested = OrgMember.parse({"id": 1, "permissions": {"can_view_stats": True}})
    top = OrgMember.parse({"id": 1, "can_edit_users": True})
    assert nested.can_view_stats and not nested.can_edit_users
    assert top.can_edit_users and not top.can_view_stats


@pytest.mark.parametrize(
    "data,message",
    [
        ({"name": "x", "created_at": "abc"}, "streams[3].created_at: expected integer ms, got 'abc'"),
        ({"name": 5}, "streams[3].name: expected string, got 5"),
        ({"title": "no name"}, "streams[3].name: required field is missing"),
        ({"name": "x", "disabled": "yes"}, "streams[3].disabled: expected boolean, got 'yes'"),
        ({"name": "x", "preset": {"id": True}}, "streams[3].preset.id: expected integer, got True"),
        ({"name": "x", "organization": [1]}, "streams[3].organization: expected object, got [1]"),
        ("cam", "streams[3]: expected object, got 'cam'"),
    ],
)
def test_wrong_type_names_the_field(data: object, message: str) -> None:
    with pytest.raises(WatcherProtocolError) as info:
        Stream.parse(data, "streams[3]")
    assert str(info.value) == message


def test_page_item_errors_carry_the_index() -> None:
    body = {"streams": [{"name": "a"}, {"name": "b"}, {"name": "c"}, {"name": "d", "created_at": "abc"}]}
    with pytest.raises(WatcherProtocolError, match=r"^streams\[3\]\.created_at: expected integer ms"):
        parse_page(body, "streams", Stream.parse)


def test_nested_user_org_errors_are_named() -> None:
    with pytest.raises(WatcherProtocolError, match=r"users_list\[0\]\.organizations\[1\]\.id"):
        parse_page(
            {"users_list": [{"id": 1, "name": "u", "organizations": [{"id": 1}, {"id": "x"}]}]},
            "users_list",
            User.parse,
        )


def test_page_without_collection_key_is_a_protocol_error() -> None:
    with pytest.raises(WatcherProtocolError, match="response.users_list"):
        parse_page({"users": []}, "users_list", User.parse)
    with pytest.raises(WatcherProtocolError, match="response: expected object"):
        parse_page([], "users_list", User.parse)


def test_integral_float_accepted() -> None:
    assert Stream.parse({"name": "x", "created_at": 1.7e12}).created_at == 1_700_000_000_000


# ------------------------------------------------------------------ request bodies
def test_preset_payload() -> None:
    spec = PresetSpec(
        title="Basic",
        expiration=86400,
        episodes_expiration=3600,
        storage_limit=10**9,
        vision_alg="plates",
        is_adjustable=False,
        is_default=False,
    )
    assert spec.to_payload() == {
        "title": "Basic",
        "is_adjustable": False,
        "is_default": False,
        "dvr": {"expiration": 86400, "episodes_expiration": 3600, "storage_limit": 10**9},
        "vision": {"alg": "plates"},
    }
    assert PresetSpec(expiration=60).to_payload() == {"dvr": {"expiration": 60}}
    assert PresetSpec(vision_alg="plates").to_payload() == {"vision": {"alg": "plates"}}
    assert "vision" not in PresetSpec(title="x").to_payload()  # no analytics: no vision at all
    for unpublished in ("", "cats"):
        with pytest.raises(ValueError, match="vision.alg"):
            PresetSpec(vision_alg=unpublished)


def test_organization_payload() -> None:
    spec = OrganizationSpec(title="Acme", owner_id=4, stream_limit=10, user_limit=3)
    assert spec.to_payload() == {"title": "Acme", "owner": {"id": 4}, "limits": {"streams": 10, "users": 3}}
    assert OrganizationSpec(user_limit=2).to_payload() == {"limits": {"users": 2}}


def test_user_payload_and_password_hidden() -> None:
    spec = UserSpec(
        name="alice", password="s3cret!", email="a@x", fullname="Alice", access_level="generic", disabled=False
    )
    assert spec.to_payload() == {
        "name": "alice",
        "password": "s3cret!",
        "email": "a@x",
        "fullname": "Alice",
        "access_level": "generic",
        "disabled": False,
    }
    assert "s3cret" not in repr(spec)
    assert UserSpec(disabled=True).to_payload() == {"disabled": True}


# ------------------------------------------------------------------ time helpers
def test_ms_round_trip() -> None:
    dt = datetime(2024, 2, 29, 23, 59, 59, 999000, tzinfo=timezone.utc)
    assert ms_to_datetime(datetime_to_ms(dt)) == dt
    assert ms_to_datetime(0) == datetime(1970, 1, 1, tzinfo=timezone.utc)
    assert ms_to_datetime(None) is None
    plus3 = datetime(2024, 1, 1, 3, tzinfo=timezone(timedelta(hours=3)))
    assert datetime_to_ms(plus3) == 1704067200000
    with pytest.raises(ValueError):
        datetime_to_ms(datetime(2024, 1, 1))


# ------------------------------------------------------------------ tokens
def test_jwt_exp_read_without_verification() -> None:
    token = _jwt({"sub": "1", "exp": 1700000000})
    assert jwt_claims(token)["sub"] == "1"
    assert token_expiry(token) == datetime.fromtimestamp(1700000000, tz=timezone.utc)
    assert token_expiry("not-a-jwt") is None
    assert token_expiry("a.!!!.c") is None
    assert token_expiry(_jwt({"exp": "soon"})) is None
    tokens = parse_tokens({"access_token": token}, previous=parse_tokens({"access_token": "x", "refresh_token": "r1"}))
    assert tokens.refresh_token == "r1" and tokens.expires_at is not None
    with pytest.raises(WatcherProtocolError, match="login.access_token"):
        parse_tokens({"refresh_token": "r"})


# ------------------------------------------------------------------ errors
def test_jsonapi_error_body() -> None:
    body = {
        "errors": [
            {
                "id": "1",
                "status": "409",
                "code": "duplicate",
                "title": "Login is taken",
                "source": {"pointer": "/name"},
                "meta": {},
            }
        ]
    }
    assert parse_error_body(body) == ("Login is taken", "duplicate", "/name")
    err = error_from_response(409, body, method="POST", path="/watcher/admin-api/v3/users")
    assert isinstance(err, WatcherConflict)
    assert (err.status, err.title, err.code, err.source) == (409, "Login is taken", "duplicate", "/name")
    assert str(err) == "Watcher refused: Login is taken (/name) [POST /watcher/admin-api/v3/users -> 409]"


def test_legacy_error_and_odd_bodies() -> None:
    assert parse_error_body({"error": "bad things"}) == ("bad things", None, None)
    assert parse_error_body({"errors": [{"title": "a"}, {"title": "b"}]})[0] == "a; b"
    assert parse_error_body({"errors": [{"source": {"parameter": "limit"}, "detail": "d"}]}) == ("d", None, "limit")
    assert parse_error_body("<html>") == (None, None, None)
    assert parse_error_body(None) == (None, None, None)


@pytest.mark.parametrize(
    "status,cls",
    [
        (400, WatcherValidationError),
        (422, WatcherValidationError),
        (401, WatcherAuthError),
        (403, WatcherAuthError),
        (404, WatcherNotFound),
        (409, WatcherConflict),
        (418, WatcherError),
        (500, WatcherUnavailable),
        (503, WatcherUnavailable),
        (429, WatcherUnavailable),
    ],
)
def test_status_mapping(status: int, cls: type) -> None:
    err = error_from_response(status, {"error": "x"}, method="GET", path="/p")
    assert type(err) is cls
    assert str(err).startswith("Watcher unavailable" if status >= 500 or status == 429 else "Watcher refused: x")


def test_unavailable_carries_maybe_applied() -> None:
    err = error_from_response(503, None, method="POST", path="/p", maybe_applied=True)
    assert isinstance(err, WatcherUnavailable) and err.maybe_applied


# ------------------------------------------------------------------ cursor iteration
def test_iterate_pages_follows_next_until_absent() -> None:
    pages = {None: Page(items=(1, 2), next="c1"), "c1": Page(items=(3, 4), next="c2"), "c2": Page(items=(5,))}
    assert list(iterate_pages(lambda c: pages[c])) == [1, 2, 3, 4, 5]


def test_iterate_pages_refuses_cursor_loop() -> None:
    pages = {None: Page(items=(1,), next="a"), "a": Page(items=(2,), next="b"), "b": Page(items=(3,), next="a")}
    with pytest.raises(WatcherProtocolError, match="cursor loop"):
        list(iterate_pages(lambda c: pages[c]))


def test_client_package_imports_only_requests_and_stdlib() -> None:
    import ast
    import sys
    from pathlib import Path

    allowed = {"requests", "joserfc", "authlib"} | set(sys.stdlib_module_names)
    package = Path(__file__).resolve().parents[2] / "portal" / "watcher"
    for module in ("client", "transport", "types", "specs", "errors", "paging", "auth", "__init__"):
        tree = ast.parse((package / f"{module}.py").read_text())
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else ([node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            )
            for name in names:
                assert name.split(".")[0] in allowed, f"{module}.py imports {name}"
        assert (package / f"{module}.py").read_text().count("\n") < 310, f"{module}.py is too long"


def _json_values() -> Any:
    from hypothesis import strategies as st

    scalar = st.one_of(
        st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.floats(allow_nan=False), st.text(max_size=5)
    )
    nested = st.one_of(
        scalar,
        st.fixed_dictionaries(
            {}, optional={"id": scalar, "title": scalar, "created_at": scalar, "user": scalar, "other": scalar}
        ),
    )
    keys = ("name", "title", "disabled", "organization_id", "preset_id", "created_at")
    return st.one_of(
        scalar,
        st.fixed_dictionaries(
            {},
            optional={
                **{key: scalar for key in keys},
                **{key: nested for key in ("organization", "preset", "last_change")},
            },
        ),
    )


def test_the_direct_stream_reading_agrees_with_the_checked_one() -> None:
    """``Stream.parse`` reads plainly typed streams directly (a sync reads every one): whatever
    the JSON, it gives what the field-by-field reading gives, or the same refusal."""
    from hypothesis import given, settings

    @settings(max_examples=400, deadline=None)
    @given(_json_values())
    def check(data: Any) -> None:
        try:
            expected: Stream | str = Stream.parse_checked(data, "s")
        except WatcherProtocolError as error:
            expected = str(error)
        try:
            found: Stream | str = Stream.parse(data, "s")
        except WatcherProtocolError as error:
            found = str(error)
        assert found == expected

    check()
