"""Account coverage reads (docs/metrics.md "Account coverage"): who covers which account,
coverage over a period and the accounts left untouched longest. Each a fixed number of queries.

Public: ``Coverage``, ``coverage(*, rep_ids, start, end, scope)``, ``SCOPES``,
``assigned_to(rep_ids)``, ``neglected_accounts(*, rep, today, limit)``, ``accounts_ordered(*, rep,
today)`` and ``accounts_listed(companies, *, today)``, ``assignable_reps(user)``, ``assignable_companies(user)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, Team, User
from pipeline.models import Company, Segment
from salestracker.names import full_name

from .models import AccountTouch

# An assigned account with no touch in this many days, today included, is neglected.
NEGLECTED_AFTER_DAYS = 30

SCOPES: dict[str, str] = {"all": _("All accounts"), "customers": _("Customers"), **dict(Segment.choices)}


@dataclass(frozen=True)
class Coverage:
    """A rep's assigned accounts and how many of them were touched in the period."""

    assigned: int
    touched: int

    @property
    def share(self) -> Decimal | None:
        """touched / assigned, a fraction (1 = every account); None when nothing is assigned."""
        if not self.assigned:
            return None
        return Decimal(self.touched) / Decimal(self.assigned)

    @property
    def percent(self) -> Decimal | None:
        """The share x 100, as the pages show it."""
        share = self.share
        return None if share is None else share * 100


def assigned_to(rep_ids) -> QuerySet[Company]:
    """The companies assigned to these reps (by an assignment, else by ownership), each annotated
    with ``assignee``, the rep whose account it is."""
    rep_ids = rep_ids if isinstance(rep_ids, QuerySet) else list(rep_ids)
    return Company.objects.filter(
        Q(assignment__rep_id__in=rep_ids) | Q(assignment__isnull=True, owner_id__in=rep_ids)
    ).annotate(assignee=Coalesce("assignment__rep_id", "owner_id"))


def _in_scope(companies: QuerySet[Company], scope: str) -> QuerySet[Company]:
    if scope == "all":
        return companies
    if scope == "customers":
        return companies.filter(is_customer=True)
    if scope in Segment.values:
        return companies.filter(segment=scope)
    raise ValueError(f"not a coverage scope: {scope!r}")


def coverage(*, rep_ids: list[int], start: date, end: date, scope: str = "all") -> dict[int, Coverage]:
    """Per rep id: the accounts assigned to the rep now (all, customers, or one segment) and how
    many of them had at least one activity, by anyone, dated from ``start`` to ``end`` inclusive.
    Every rep id is in the answer (0 assigned: no share). One query."""
    touched = AccountTouch.objects.filter(company_id=OuterRef("pk"), day__gte=start, day__lte=end)
    counts = {
        row["assignee"]: Coverage(assigned=row["assigned"], touched=row["touched"])
        for row in _in_scope(assigned_to(rep_ids), scope)
        .order_by()
        .values("assignee")
        .annotate(assigned=Count("pk"), touched=Count("pk", filter=Exists(touched)))
    }
    return {rep_id: counts.get(rep_id, Coverage(assigned=0, touched=0)) for rep_id in rep_ids}


@dataclass(frozen=True)
class Account:
    """One assigned account with its last touch (None: never touched) and who made it (their id and name)."""

    company: Company
    last_day: date | None
    last_rep_id: int | None
    last_by: str | None
    neglected: bool


def _with_last_touch(companies: QuerySet[Company], today: date) -> QuerySet[Company]:
    """The companies with their last touch up to today (a meeting booked ahead is no touch yet) and
    who made it (of several reps that day, the one with the most touches, then the lowest id), named
    as ``User.__str__`` names them; never touched first, then the longest untouched, then by name."""
    last = AccountTouch.objects.filter(company_id=OuterRef("pk"), day__lte=today).order_by("-day", "-touches", "rep_id")
    return companies.annotate(
        last_day=Subquery(last.values("day")[:1]),
        last_rep_id=Subquery(last.values("rep_id")[:1]),
        last_by_first=Subquery(last.values("rep__first_name")[:1]),
        last_by_last=Subquery(last.values("rep__last_name")[:1]),
        last_by_username=Subquery(last.values("rep__username")[:1]),
    ).order_by(F("last_day").asc(nulls_first=True), "name", "pk")


def _neglected_since(today: date) -> date:
    return today - timedelta(days=NEGLECTED_AFTER_DAYS - 1)


def _accounts(companies: list[Company], today: date) -> list[Account]:
    """``Account`` rows for companies annotated by ``_with_last_touch`` (no query)."""
    since = _neglected_since(today)
    return [
        Account(
            company=c,
            last_day=c.last_day,
            last_rep_id=c.last_rep_id,
            last_by=full_name(c.last_by_first, c.last_by_last) or c.last_by_username if c.last_rep_id else None,
            neglected=c.last_day is None or c.last_day < since,
        )
        for c in companies
    ]


@dataclass(frozen=True)
class Neglected:
    """The first ``limit`` neglected accounts of a rep, and how many there are of how many assigned."""

    accounts: list[Account]
    count: int
    assigned: int


def neglected_accounts(*, rep: User, today: date, limit: int = 5) -> Neglected:
    """The rep's assigned accounts with no touch by anyone in the last ``NEGLECTED_AFTER_DAYS`` days
    (today included), longest untouched first (never touched first). Two queries."""
    since = _neglected_since(today)
    touched_lately = AccountTouch.objects.filter(company_id=OuterRef("pk"), day__gte=since, day__lte=today)
    counts = (
        assigned_to([rep.pk])
        .order_by()
        .aggregate(assigned=Count("pk"), neglected=Count("pk", filter=~Exists(touched_lately)))
    )
    companies = list(_with_last_touch(assigned_to([rep.pk]).filter(~Exists(touched_lately)), today)[:limit])
    return Neglected(accounts=_accounts(companies, today), count=counts["neglected"], assigned=counts["assigned"])


def accounts_ordered(*, rep: User, today: date) -> QuerySet[Company]:
    """Every account assigned to the rep, annotated with its last touch, longest untouched first
    (never touched first); ``accounts_listed`` turns a page of them into ``Account`` rows."""
    return _with_last_touch(assigned_to([rep.pk]), today)


def accounts_listed(companies: list[Company], *, today: date) -> list[Account]:
    """``Account`` rows for companies of ``accounts_ordered`` (no query)."""
    return _accounts(companies, today)


def assignable_reps(user: User) -> QuerySet[User]:
    """The reps ``user`` may assign accounts to: an admin every active rep, a manager the active reps
    of the teams they run (and the teams below), a rep nobody."""
    reps = User.objects.reps().order_by("first_name", "last_name", "username")
    if user.is_admin:
        return reps
    if user.is_manager:
        return reps.filter(team_id__in=Team.managed_team_ids(user))
    return reps.none()


def assignable_companies(user: User) -> QuerySet[Company]:
    """The companies ``user`` may assign: an admin any, a manager those assigned now to reps of the
    teams they run (and below), a rep none."""
    if user.is_admin:
        return Company.objects.all()
    if user.is_manager:
        reps = User.objects.filter(role=Role.REP, team_id__in=Team.managed_team_ids(user))
        return assigned_to(reps.values_list("pk", flat=True))
    return Company.objects.none()
