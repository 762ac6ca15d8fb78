"""Reading Watcher JSON and walking cursor collections.

:class:`Fields` is a small typed reader over one JSON object whose errors name the field
path (``streams[3].created_at: expected integer ms, got 'abc'``). :func:`parse_page` reads a
v3 collection ``{<key>: [...], "next", "prev", "estimated_count"}``; :func:`iterate_pages`
follows ``next`` until it is absent and refuses a cursor that comes back twice.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from .errors import WatcherProtocolError

T = TypeVar("T")
B = TypeVar("B")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class Fields:
    """Typed reader over one JSON object; every error names the field path."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise WatcherProtocolError(f"{where}: expected object, got {_show(data)}")
        self.data, self.where = data, where

    def _get(self, key: str, kind: type | tuple[type, ...], expected: str, required: bool) -> Any:
        value = self.data.get(key)
        if value is None:
            if required:
                raise WatcherProtocolError(f"{self.where}.{key}: required field is missing")
            return None
        if kind is int and isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise WatcherProtocolError(f"{self.where}.{key}: expected {expected}, got {_show(value)}")
        return value

    def int(self, key: str, *, required: bool = False) -> Any:
        """Integer field (integral floats accepted, booleans refused); None when absent."""
        return self._get(key, int, "integer", required)

    def ms(self, key: builtins.str) -> builtins.int | None:
        """Optional Unix-milliseconds timestamp."""
        value: builtins.int | None = self._get(key, int, "integer ms", False)
        return value

    def str(self, key: builtins.str, *, required: bool = False) -> Any:
        """String field; None when absent."""
        return self._get(key, str, "string", required)

    def bool(self, key: builtins.str, default: builtins.bool = False) -> builtins.bool:
        """Boolean field; missing or null gives ``default``."""
        value = self._get(key, bool, "boolean", False)
        return default if value is None else value

    def obj(self, key: builtins.str) -> Fields:
        """Nested object; missing or null gives an empty one."""
        value = self.data.get(key)
        return Fields({} if value is None else value, f"{self.where}.{key}")

    def list(self, key: builtins.str) -> builtins.list[Any]:
        """List field; missing or null gives an empty list."""
        return self._get(key, list, "list", False) or []


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a cursor collection; ``next`` is None on the last page."""

    items: tuple[T, ...]
    next: str | None = None
    prev: str | None = None
    estimated_count: int | None = None


def parse_page(data: Any, key: str, parse: Callable[[Any, str], T]) -> Page[T]:
    """Parse a cursor collection ``{key: [...], next, prev, estimated_count}``.

    ``parse(item, where)`` is called for each item with ``where`` such as ``streams[3]``.
    An empty string cursor counts as absent.
    """
    f = Fields(data, "response")
    if key not in f.data:
        raise WatcherProtocolError(f"response.{key}: required collection is missing")
    items = tuple(parse(item, f"{key}[{i}]") for i, item in enumerate(f.list(key)))
    return Page(
        items=items, next=f.str("next") or None, prev=f.str("prev") or None, estimated_count=f.int("estimated_count")
    )


def next_cursor(data: Any) -> str | None:
    """The ``next`` cursor of a collection body, read as :func:`parse_page` reads it."""
    value: str | None = Fields(data, "response").str("next") or None
    return value


def follow_cursors(
    fetch: Callable[[str | None], B], next_of: Callable[[B], str | None], *, max_pages: int = 100_000
) -> Iterator[B]:
    """Yield every page of a collection, calling ``fetch(cursor)`` page after page.

    Starts with ``cursor=None`` and follows ``next_of(page)`` until it is absent or null. A
    cursor seen twice (a server stuck in a loop) raises :class:`WatcherProtocolError` instead
    of looping forever; so does going past ``max_pages``.
    """
    seen: set[str] = set()
    cursor: str | None = None
    for _ in range(max_pages):
        page = fetch(cursor)
        yield page
        following = next_of(page)
        if not following:
            return
        if following in seen:
            raise WatcherProtocolError(f"cursor loop: the server returned cursor {following!r} twice")
        seen.add(following)
        cursor = following
    raise WatcherProtocolError(f"collection did not end after {max_pages} pages")


def iterate_pages(fetch: Callable[[str | None], Page[T]], *, max_pages: int = 100_000) -> Iterator[T]:
    """Yield every item of a collection, page after page (see :func:`follow_cursors`)."""
    for page in follow_cursors(fetch, lambda page: page.next, max_pages=max_pages):
        yield from page.items
