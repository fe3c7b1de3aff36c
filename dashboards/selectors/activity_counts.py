"""The activity list's counts by kind, read from the activity rollup and exact at every moment.

The activity list (``activities.selectors.kind_totals``) counts its rows by kind on every
page; the dashboards plug this in (``DashboardsConfig.ready``) so a domain app never reads
the dashboard tables itself: the data flows from the activities to the dashboards only.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, QuerySet, Sum

from accounts.models import User
from activities.models import Activity

from ..models import ActivityDay, DirtyMark, Scope

# The filters the activity rollup (one row per rep, day and kind) answers, as its lookups.
ROLLUP_FILTERS = {"kind": "kind", "date_from": "day__gte", "date_to": "day__lte", "owner": "rep"}


def activity_kind_totals(*, user: User, filters: dict[str, Any], listed: QuerySet[Activity]) -> dict[str, int] | None:
    """What ``listed`` (the activity list of ``user`` under ``filters``, its non-empty known
    ones) holds per stored kind value, every row counted once; one query. None when a filter
    narrows by what the rollup does not keep (outcome, company, deal): the list counts its rows.

    A rep's three years, or a team's, are then a few thousand rollup rows, not every activity
    (a manager's list counted 400,000 rows a request). A rep's day with a dirty mark (a write
    the worker has not refreshed yet), or every day while a rebuild is asked for, is counted
    from the activities themselves instead. All parts are one statement, so they read one
    snapshot: a writer commits its rows and its mark together, and a refresh its rollup rows
    and the mark's removal; the total is exact at every moment.
    """
    if any(key not in ROLLUP_FILTERS for key in filters):
        return None
    rebuild_asked = Exists(DirtyMark.objects.filter(scope=Scope.ALL))
    rolled = (
        ActivityDay.objects.visible_to(user)
        .filter(**{ROLLUP_FILTERS[key]: value for key, value in filters.items()})
        .exclude(_marked(rep="rep_id"))
        .exclude(rebuild_asked)
        .values_list("kind")
        .annotate(n=Sum("count"))
        .order_by()
    )
    # Three parts, not two with an OR: PostgreSQL then reads only the marked days' activities (a
    # semi-join on the marks), not all of them to test each. ``COUNT(*)``, not of a column: it
    # counts from the (owner, day, kind) index alone.
    marked_days = (
        listed.filter(_marked(rep="owner_id")).exclude(rebuild_asked).values_list("kind").annotate(n=Count("*"))
    )
    everything = listed.filter(rebuild_asked).values_list("kind").annotate(n=Count("*"))
    totals: dict[str, int] = {}
    for kind, n in rolled.union(marked_days, everything, all=True):
        totals[kind] = totals.get(kind, 0) + n
    return totals


def _marked(*, rep: str) -> Exists:
    """The outer row's rep (its column ``rep``) has an activity mark on the row's day."""
    return Exists(DirtyMark.objects.filter(scope=Scope.ACTIVITY, rep_id=OuterRef(rep), day=OuterRef("day")))
