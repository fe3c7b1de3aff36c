"""The raw rows the reference reads, as plain values: an ``Org`` is everything the figures need
(settings, people, pipelines, deals with their stage and forecast history, activities, quotas and
goals).
``load_org`` reads it from the domain tables only (never a dashboard table, never a stored
local day: those are derived here from the timestamps)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class Person:
    id: int
    team_id: int | None
    role: str
    is_active: bool
    sort_key: tuple


@dataclass(frozen=True)
class Stage:
    id: int
    pipeline_id: int
    order: int
    kind: str  # open, won, lost
    probability: int
    rotting_days: int | None = None


@dataclass(frozen=True)
class Change:
    id: int
    deal_id: int
    to_stage_id: int
    at: datetime


@dataclass(frozen=True)
class DealChange:
    """A deal's forecast fields as one write left them (``pipeline.models.DealChange``, less its
    stored ``day``: the reference works the local day out from ``at``)."""

    id: int
    deal_id: int
    at: datetime
    owner_id: int
    stage_id: int
    amount: Decimal
    close: date | None  # expected close date
    category: str
    probability: int


@dataclass(frozen=True)
class Deal:
    id: int
    owner_id: int
    stage_id: int
    amount: Decimal
    units: int
    created_at: datetime
    stage_entered_at: datetime
    closed_on: date | None = None
    lead_source_id: int | None = None
    territory_id: int | None = None
    segment: str = ""
    deal_type: str = "new_business"
    competitor_id: int | None = None


@dataclass(frozen=True)
class Activity:
    id: int
    owner_id: int
    kind: str
    outcome: str
    occurred_at: datetime
    created_at: datetime
    minutes: int = 0
    deal_id: int | None = None


@dataclass(frozen=True)
class Quota:
    id: int
    rep_id: int | None
    team_id: int | None
    kind: str  # month, quarter, year
    start: date
    measure: str  # revenue, won_deals, units
    target: Decimal
    stretch_percent: int = 125


@dataclass(frozen=True)
class Goal:
    id: int
    rep_id: int | None
    team_id: int | None
    metric: str
    frequency: str  # week, month
    target: int
    starts_on: date
    ramp_start: int | None = None
    ramp_step: int | None = None
    is_collective: bool = False
    priority: int = 1


@dataclass
class Org:
    fiscal_start: int = 1
    zone: str = "UTC"
    now: datetime | None = None
    team_parents: dict[int, int | None] = field(default_factory=dict)
    people: dict[int, Person] = field(default_factory=dict)
    stages: dict[int, Stage] = field(default_factory=dict)
    deals: dict[int, Deal] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    deal_changes: list[DealChange] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    quotas: list[Quota] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)


def load_org(*, now: datetime) -> Org:
    """Every row the figures read, from the domain tables (Django's ORM, plain ``values``)."""
    from accounts.models import Team, User
    from activities.models import Activity as ActivityRow
    from pipeline.models import Deal as DealRow
    from pipeline.models import DealChange as DealChangeRow
    from pipeline.models import Stage as StageRow
    from pipeline.models import StageChange
    from quotas.models import ActivityGoal, OrgSettings
    from quotas.models import Quota as QuotaRow

    settings = OrgSettings.objects.filter(pk=1).values("fiscal_year_start_month", "time_zone").first() or {}
    org = Org(
        fiscal_start=settings.get("fiscal_year_start_month", 1),
        zone=settings.get("time_zone", "UTC"),
        now=now,
    )
    org.team_parents = dict(Team.objects.values_list("pk", "parent_id"))
    for row in User.objects.values("pk", "team_id", "role", "is_active", "first_name", "last_name", "username"):
        org.people[row["pk"]] = Person(
            row["pk"],
            row["team_id"],
            row["role"],
            row["is_active"],
            (row["first_name"], row["last_name"], row["username"]),
        )
    for row in StageRow.objects.values("pk", "pipeline_id", "order", "kind", "probability", "rotting_days"):
        org.stages[row["pk"]] = Stage(
            row["pk"], row["pipeline_id"], row["order"], row["kind"], row["probability"], row["rotting_days"]
        )
    for row in DealRow.objects.values(
        "pk",
        "owner_id",
        "stage_id",
        "amount",
        "units",
        "created_at",
        "stage_entered_at",
        "closed_on",
        "lead_source_id",
        "company__territory_id",
        "company__segment",
        "deal_type",
        "competitor_id",
    ):
        org.deals[row["pk"]] = Deal(
            row["pk"],
            row["owner_id"],
            row["stage_id"],
            row["amount"],
            row["units"],
            row["created_at"],
            row["stage_entered_at"],
            row["closed_on"],
            row["lead_source_id"],
            row["company__territory_id"],
            row["company__segment"],
            row["deal_type"],
            row["competitor_id"],
        )
    org.changes = [
        Change(*row) for row in StageChange.objects.values_list("pk", "deal_id", "to_stage_id", "changed_at")
    ]
    org.deal_changes = [
        DealChange(*row)
        for row in DealChangeRow.objects.values_list(
            "pk",
            "deal_id",
            "changed_at",
            "owner_id",
            "stage_id",
            "amount",
            "expected_close_date",
            "forecast_category",
            "probability",
        )
    ]
    org.activities = [
        Activity(*row)
        for row in ActivityRow.objects.values_list(
            "pk", "owner_id", "kind", "outcome", "occurred_at", "created_at", "duration_minutes", "deal_id"
        )
    ]
    org.quotas = [
        Quota(*row)
        for row in QuotaRow.objects.values_list(
            "pk", "rep_id", "team_id", "period_kind", "period_start", "measure", "target", "stretch_percent"
        )
    ]
    org.goals = [
        Goal(*row)
        for row in ActivityGoal.objects.values_list(
            "pk",
            "rep_id",
            "team_id",
            "metric",
            "frequency",
            "target",
            "starts_on",
            "ramp_start",
            "ramp_step",
            "is_collective",
            "priority",
        )
    ]
    return org
