"""Links of many rows at once: each URL pattern is reversed once per page, then filled in.

A ``{% url %}`` tag reverses the whole pattern for every row it renders: on a list
of 50 activities or a board of 150 deal cards, a third of the page's rendering.
"""

from collections.abc import Iterable

from django.urls import reverse

# Reversed in place of a row's id, then replaced by it; no real id is this large.
_ROW_ID = 2147483647


def with_links(rows: Iterable, links: dict[str, tuple[str, str]]) -> list:
    """``rows`` as a list, each with an attribute per entry of ``links``: ``{"attr": ("app:url_name",
    "field")}`` sets ``row.attr`` to the URL named ``url_name`` for the row's ``field`` (one argument),
    or None when that field is None. Same output as ``reverse(url_name, args=[row.field])``."""
    rows = list(rows)
    marker = str(_ROW_ID)
    patterns = {attr: (reverse(name, args=[_ROW_ID]), field) for attr, (name, field) in links.items()}
    for row in rows:
        for attr, (pattern, field) in patterns.items():
            value = getattr(row, field)
            setattr(row, attr, pattern.replace(marker, str(value)) if value is not None else None)
    return rows
