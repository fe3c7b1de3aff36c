"""Reads that answer one screen's question each: the activity list and its
counts, the quick-log type-ahead, upcoming meetings and a deal's activities."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import User
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


# Counts ``kind_totals`` faster than the activities can, when an app keeps them: the dashboards
# plug in their activity rollup (dashboards/apps.py). A domain app never imports the dashboards.
KindCounter = Callable[..., dict[str, int] | None]
_kind_counter: KindCounter | None = None


def kind_totals_counted_by(counter: KindCounter | None) -> None:
    """Let ``counter(user=..., filters=..., listed=...)`` answer ``kind_totals`` (``filters``: the
    non-empty known ones; ``listed``: the list to count, unordered). It returns the totals in one
    query, exact, or None when it cannot answer those filters; None unplugs it."""
    global _kind_counter
    _kind_counter = counter


def kind_totals(*, user: User, filters: dict[str, Any]) -> dict[str, int]:
    """What ``activity_list(user=user, filters=filters)`` lists, per stored kind value (every row
    counted once); one query: the plugged-in counter's (``kind_totals_counted_by``), else a
    ``GROUP BY kind`` over the activities."""
    used = {key: value for key, value in filters.items() if key in _FILTER_LOOKUPS and value}
    listed = activity_list(user=user, filters=used).prefetch_related(None).order_by()
    if _kind_counter is not None:
        totals = _kind_counter(user=user, filters=used, listed=listed)
        if totals is not None:
            return totals
    return dict(listed.values_list("kind").annotate(n=Count("*")))


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
    return Activity.objects.filter(deal=deal).select_related("owner", "contact").order_by("occurred_at", "pk")
