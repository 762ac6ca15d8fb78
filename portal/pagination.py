"""Paging for the list pages, with the page number taken from the request and kept sane."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from portal.extensions import db

#: Far beyond any real list; keeps a silly ``?page=`` from overflowing the database's integers.
MAX_PAGE = 100_000


def paginate(query: Select[Any]) -> Pagination:
    """One page of ``query``: ``?page=`` clamped to 1..MAX_PAGE, ``PER_PAGE`` rows."""
    page = request.args.get("page", 1, type=int) or 1
    page = min(max(page, 1), MAX_PAGE)
    return db.paginate(query, page=page, per_page=current_app.config["PER_PAGE"], max_per_page=100, error_out=False)
