"""Rendered dashboard figures, cached under a key that changes whenever any of them could.

A dashboard page costs 60-200 ms of Python and template rendering even when its SQL is a
few milliseconds, and a manager reloads the same figures again and again between two
changes. The figure sections of a page are therefore cached (Django's ``{% cache %}``
tag) under ``figures_key``, built from everything they are computed from:

- the dashboard tables, which only a refresh or a rebuild rewrites: each refresh moves
  the ``FigureVersion`` of every rep it recomputed, in its own transaction; a rebuild
  and a quota refresh move the organisation's version;
- what the pages read live beside them (people and teams, quotas, goals, stages and
  pipelines, lead sources and the other named lists, territories, the organisation's
  settings): any save or delete moves the organisation's version (``receivers``);
- the open pipeline and its stale deals, which change by the minute: read on every
  request (one query) and made part of the key;
- what the request asks for: the page, its query string, the viewer's role and
  scope, the language, the time zone and today;
- the code: a digest of the templates and selectors, so a release never serves what the one
  before rendered.

So a stale figure is never served: the time-out only frees memory. The versions are
read before any figure is, so figures computed while a refresh commits are stored
under the older key, which no later request asks for.

``remembered`` caches one computed value the same way, for a figure that a live page
(the rep's "My week") reads from the dashboard tables of a few reps.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone, translation

from .models import FigureVersion

T = TypeVar("T")

# How long an unread fragment stays in the cache. Only memory: the key is exact.
TIMEOUT = 24 * 60 * 60


def bump(ids: Iterable[int]) -> None:
    """Move the versions of ``ids`` (rep ids, or ``FigureVersion.ORGANISATION``), in the
    caller's transaction. In id order, so two bumps never wait on each other in a circle.

    A version is the clock in microseconds, or one more than before if that is larger:
    it only ever grows, and never comes back after the table is emptied or a backup is
    restored while the cache lives on (a plain counter would start again and meet keys
    cached before)."""
    ids = sorted({int(pk) for pk in ids if pk is not None})
    if not ids:
        return
    table = FigureVersion._meta.db_table
    larger = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    now = time.time_ns() // 1000
    rows = ", ".join(["(%s, %s)"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (id, version) VALUES {rows} "
            f"ON CONFLICT (id) DO UPDATE SET version = {larger}({table}.version + 1, excluded.version)",
            [value for pk in ids for value in (pk, now)],
        )


def bump_organisation() -> None:
    bump([FigureVersion.ORGANISATION])


def versions(rep_ids: Iterable[int]) -> list[tuple[int, int]]:
    """The organisation's version and each rep's that has one, in one query."""
    ids = [FigureVersion.ORGANISATION, *rep_ids]
    return sorted(FigureVersion.objects.filter(pk__in=ids).values_list("pk", "version"))


def figures_key(page: str, *, request, rep_ids: Iterable[int], live, scope=()) -> str:
    """The cache key of one page's figures (see the module docstring).

    ``live``: the figures read live on every request (the open pipeline); ``scope``:
    whatever else picks what the page shows (the team, the rep).
    """
    request_parts = (sorted(request.GET.lists()), request.user.is_admin, translation.get_language())
    return _key(page, rep_ids, live, scope, request_parts)


def remembered(name: str, *, rep_ids: Iterable[int], scope, compute: Callable[[], T]) -> T:
    """``compute()``, cached under ``name``, ``scope``, ``rep_ids``, their versions and the
    organisation's, the time zone and today: for a value computed only from the dashboard tables
    of ``rep_ids`` and from settings, as the module docstring says. Picklable values only."""
    key = f"figures:{name}:{_key(name, rep_ids, scope)}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TIMEOUT)
    return value


@functools.cache
def code_digest() -> str:
    """A digest of the templates and Python source the figures are rendered from: a release that
    changes them never serves HTML or values cached by the one before (the cache outlives a deploy)."""
    digest = hashlib.sha256()
    root = Path(settings.BASE_DIR)
    for path in sorted(root.glob("*/templates/**/*.html")) + sorted(root.glob("templates/**/*.html")):
        digest.update(path.read_bytes())
    for path in sorted(root.glob("*/selectors/*.py")) + sorted(root.glob("*/selectors.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _key(name: str, rep_ids: Iterable[int], *parts) -> str:
    """A digest of ``name``, the reps with their versions and the organisation's, ``parts``,
    the time zone, today and the code that renders them."""
    rep_ids = sorted(rep_ids)
    everything = (
        name,
        versions(rep_ids),
        rep_ids,
        *parts,
        timezone.get_current_timezone_name(),
        timezone.localdate(),
        code_digest(),
    )
    return hashlib.sha256(repr(everything).encode()).hexdigest()
