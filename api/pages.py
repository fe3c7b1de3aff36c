"""Pagination of the API's lists: ``?page=`` (from 1) and ``?page_size=`` (at most 100)."""

from math import ceil

from django.db.models import QuerySet

PAGE_SIZE = 50
MAX_PAGE_SIZE = 100


def paginate(rows: QuerySet, *, page: int, page_size: int, count: int | None = None) -> dict:
    """One page of ``rows`` with its count (``count`` given: no COUNT query); a page past the end is empty."""
    count = rows.count() if count is None else count
    first = (page - 1) * page_size
    return {
        "count": count,
        "page": page,
        "page_size": page_size,
        "pages": max(1, ceil(count / page_size)),
        "items": list(rows[first : first + page_size]),
    }
