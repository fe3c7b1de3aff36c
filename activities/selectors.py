"""Reads that answer one screen's question each: the activity list and its
counts, the quick-log type-ahead, upcoming meetings and a deal's activities."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from accounts.models import User
from dashboards.models import ActivityDay, DirtyMark, Scope
from pipeline.models import Company, Contact, Deal

from .models import Activity, Kind, Outcome

LINK_SEARCH_LIMIT = 10

# The keys ``activity_list`` understands, and the lookup each one filters on.
# Dates filter on the stored local ``day`` (the organisation's time zone), as every metric does.
_FILTER_LOOKUPS = {
    "kind": "kind",
    "outcome": "outcome",
    "date_from": "day__gte",
    "date_to": "day__lte",
    "owner": "owner",
    "company": "company",
    "deal": "deal",
}


def activity_list(*, user: User, filters: dict[str, Any]) -> QuerySet[Activity]:
    """The activities ``user`` may see (reps their own, managers their teams',
    admins all), newest first, narrowed by ``filters``: kind, outcome,
    date_from / date_to (inclusive, on the local day), owner, company, deal.
    Empty values and unknown keys are ignored."""
    conditions = {_FILTER_LOOKUPS[key]: value for key, value in filters.items() if key in _FILTER_LOOKUPS and value}
    return (
        Activity.objects.visible_to(user)
        .filter(**conditions)
        # Fetched apart, each by its ids: joined, PostgreSQL spent 5-9 ms planning the six-table
        # join on every page, for 50 rows it then read in half a millisecond.
        .prefetch_related("owner", "company", "contact", "deal", "lead_source")
        .order_by("-occurred_at", "-pk")
    )


# The filters the activity rollup (one row per rep, day and kind) answers, as its lookups.
_ROLLUP_FILTERS = {"kind": "kind", "date_from": "day__gte", "date_to": "day__lte", "owner": "rep"}


def kind_totals(*, user: User, filters: dict[str, Any]) -> dict[str, int]:
    """What ``activity_list(user=user, filters=filters)`` lists, per stored kind value (every row
    counted once); one query.

    Unless a filter narrows by what the activity rollup does not keep (outcome, company, deal),
    the counts are the rollup's (``ActivityDay``): a rep's three years, or a team's, are then a few
    thousand rollup rows, not every activity (a manager's list counted 400,000 rows a request).
    A rep's day with a dirty mark (a write the worker has not refreshed yet), or every day while
    a rebuild is asked for, is counted from the activities themselves instead. Both halves are
    one statement, so they read one snapshot: a writer commits its rows and its mark together,
    and a refresh its rollup rows and the mark's removal; the total is exact at every moment.
    """
    used = {key: value for key, value in filters.items() if key in _FILTER_LOOKUPS and value}
    listed = activity_list(user=user, filters=used).prefetch_related(None).order_by()
    if any(key not in _ROLLUP_FILTERS for key in used):
        return dict(listed.values_list("kind").annotate(n=Count("*")))
    rebuild_asked = Exists(DirtyMark.objects.filter(scope=Scope.ALL))
    rolled = (
        ActivityDay.objects.visible_to(user)
        .filter(**{_ROLLUP_FILTERS[key]: value for key, value in used.items()})
        .exclude(_marked(rep="rep_id"))
        .exclude(rebuild_asked)
        .values_list("kind")
        .annotate(n=Sum("count"))
        .order_by()
    )
    # Three halves, not two with an OR: PostgreSQL then reads only the marked days' activities (a
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


def kind_counts(totals: dict[str, int]) -> list[tuple[str, str, int]]:
    """(kind, label, count) for each kind in ``totals`` (from ``kind_totals``) with a count, in the
    order kinds are declared."""
    return [(kind.value, kind.label, totals[kind.value]) for kind in Kind if totals.get(kind.value)]


@dataclass(frozen=True)
class LinkOption:
    """One type-ahead suggestion; picking it sets the activity's contact, company or deal."""

    kind: str  # "contact", "deal" or "company"
    label: str
    detail: str = ""
    contact_id: int | None = None
    company_id: int | None = None
    deal_id: int | None = None


def _words_q(text: str, *fields: str) -> Q:
    """Every word of ``text`` appears in one of ``fields``: "ada acme" finds Ada Lovelace of Acme."""
    condition = Q()
    for word in text.split():
        any_field = Q()
        for field in fields:
            any_field |= Q(**{f"{field}__icontains": word})
        condition &= any_field
    return condition


def _share(groups: list[list], limit: int) -> list[list]:
    """Take from each group in turn until ``limit`` items are taken, so ten
    matching contacts do not crowd out the one matching deal."""
    taken = [0] * len(groups)
    remaining = limit
    while remaining and any(taken[i] < len(group) for i, group in enumerate(groups)):
        for i, group in enumerate(groups):
            if remaining and taken[i] < len(group):
                taken[i] += 1
                remaining -= 1
    return [group[:n] for group, n in zip(groups, taken, strict=True)]


def link_search(*, user: User, q: str, limit: int = LINK_SEARCH_LIMIT) -> list[LinkOption]:
    """Up to ``limit`` contacts, deals and companies matching ``q``, grouped in that order.

    The address book (contacts, companies) is shared by everyone; deals only
    those ``user`` may see. Three small queries, each capped at ``limit``.
    """
    q = q.strip()
    if not q:
        return []
    contacts = (
        Contact.objects.filter(_words_q(q, "first_name", "last_name", "email", "company__name"))
        .select_related("company")
        .order_by("first_name", "last_name", "pk")[:limit]
    )
    deals = (
        Deal.objects.visible_to(user)
        .filter(_words_q(q, "title", "company__name"))
        .select_related("company", "stage")
        .order_by("-created_at", "-pk")[:limit]
    )
    companies = Company.objects.filter(_words_q(q, "name")).order_by("name", "pk")[:limit]
    groups = _share(
        [
            [
                LinkOption(
                    kind="contact",
                    label=str(c),
                    detail=" · ".join(filter(None, [c.company.name if c.company else "", c.title, _decision_maker(c)])),
                    contact_id=c.pk,
                )
                for c in contacts
            ],
            [
                LinkOption(kind="deal", label=d.title, detail=f"{d.company.name} · {d.stage.name}", deal_id=d.pk)
                for d in deals
            ],
            [
                LinkOption(kind="company", label=c.name, detail=c.get_segment_display(), company_id=c.pk)
                for c in companies
            ],
        ],
        limit,
    )
    return [option for group in groups for option in group]


def _decision_maker(contact: Contact) -> str:
    return _("decision maker") if contact.is_decision_maker else ""


@dataclass(frozen=True)
class UpcomingMeetings:
    awaiting: list[Activity]  # held before now, still "scheduled": someone should say how it went
    upcoming: list[Activity]  # still to come, soonest first


def upcoming_meetings(*, user: User, now: datetime) -> UpcomingMeetings:
    """Meetings and demos still marked *scheduled* that ``user`` may see (reps
    their own, managers their teams'), split at ``now``: past ones await an
    outcome (most recent first), future ones are upcoming (soonest first). One query."""
    meetings = list(
        Activity.objects.visible_to(user)
        .meetings()
        .filter(outcome=Outcome.SCHEDULED)
        .select_related("owner", "company", "contact", "deal")
        .order_by("occurred_at", "pk")
    )
    return UpcomingMeetings(
        awaiting=[m for m in reversed(meetings) if m.occurred_at <= now],
        upcoming=[m for m in meetings if m.occurred_at > now],
    )


def deal_activities(*, deal: Deal) -> QuerySet[Activity]:
    """Every activity linked to ``deal``, oldest first, for the deal's timeline."""
    return (
        Activity.objects.filter(deal=deal)
        .select_related("owner", "contact", "deal_stage")
        .order_by("occurred_at", "pk")
    )
