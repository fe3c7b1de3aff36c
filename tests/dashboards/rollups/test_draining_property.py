"""Property: any sequence of writes, followed by a drain, leaves the dashboard tables exactly as a
full rebuild makes them.

Hypothesis draws a list of operations (log, edit and delete activities; create, move, close,
reopen and reassign deals; set quotas; move reps between teams; change a company's territory;
drain half-way) and plays them through the domain services on a small world of two teams. Each
example runs in a savepoint that is rolled back, so examples do not see each other's rows.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from accounts import services as account_services
from activities import services as activity_services
from activities.models import Activity
from dashboards import rollups
from dashboards.models import ActivityDay, Attainment, ClosedDay, DirtyMark, StageRollup
from pipeline import services as pipeline_services
from pipeline.models import Deal, DealType, StageKind
from quotas import services as quota_services
from quotas.periods import Period
from tests.factories import (
    AdminFactory,
    CompanyFactory,
    CompetitorFactory,
    LeadSourceFactory,
    LostReasonFactory,
    RepFactory,
    TeamFactory,
    TerritoryFactory,
    make_deal,
    make_pipeline,
)

pytestmark = pytest.mark.django_db

# Few days, so writes often share a rep's day, week, month or quota period; they still span
# week, month and quarter edges (31 March to 1 April).
FIRST_DAY = date(2026, 3, 9)
DAYS = 42
REPS, TEAMS, COMPANIES = 4, 2, 3
# Closing stages come first (Hypothesis simplifies towards them) and twice, so many deals close.
MOVES = ("Won", "Proposal", "Lost", "Won", "Lead", "Demo", "Qualified")
FIRST_STAGES = ("Won", "Lead", "Won", "Qualified", "Demo", "Proposal")
ACTIVITIES = (
    ("call", "connected"),
    ("call", "no_answer"),
    ("email", "replied"),
    ("email", "sent"),
    ("meeting", "held"),
    ("meeting", "positive"),
    ("meeting", "no_show"),
    ("demo", "negative"),
    ("follow_up", ""),
    ("travel", ""),
)
SEGMENTS = ("", "smb", "enterprise")

index = st.integers(min_value=0, max_value=7)  # taken modulo the current number of rows
day = st.integers(min_value=0, max_value=DAYS - 1)
hour = st.integers(min_value=7, max_value=19)
rep = st.integers(min_value=0, max_value=REPS - 1)

# Operations name deals and activities by an index into those written so far, and quotas, team
# moves and company edits follow a deal, so they touch figures that exist.
OPERATION = st.one_of(
    st.tuples(
        st.just("log"), rep, st.sampled_from(ACTIVITIES), day, hour, st.integers(0, 90), index, st.booleans(), day
    ),
    st.tuples(st.just("edit_activity"), index, rep, day, hour, st.booleans()),
    st.tuples(st.just("delete_activity"), index),
    st.tuples(st.just("create_deal"), rep, st.sampled_from(FIRST_STAGES), day, hour, index, st.booleans()),
    st.tuples(st.just("move"), index, st.sampled_from(MOVES), day, hour, st.booleans()),
    st.tuples(st.just("reassign"), index, st.integers(min_value=1, max_value=REPS - 1)),
    st.tuples(
        st.just("quota"),
        index,
        st.sampled_from((True, True, False)),  # for the team (twice as often), or for the rep
        st.sampled_from(("year", "quarter", "month")),
        st.sampled_from(("revenue", "won_deals", "units")),
        st.sampled_from(("2500", "0", "3", "10000")),
    ),
    st.tuples(st.just("team"), index, st.integers(min_value=1, max_value=TEAMS)),
    st.tuples(st.just("company"), index, st.sampled_from(SEGMENTS)),
)
# Each write may be followed by a drain: a key refreshed before a later write shows a missing mark.
STEP = st.tuples(OPERATION, st.booleans())


def at(offset: int, hour: int) -> datetime:
    moment = FIRST_DAY + timedelta(days=offset)
    return datetime(moment.year, moment.month, moment.day, hour, tzinfo=UTC)


class World:
    """Two teams of two reps, one pipeline, three companies, and the lists every operation picks from."""

    def __init__(self):
        self.admin = AdminFactory(username="boss")
        self.teams = [TeamFactory(name=f"Team {n}") for n in range(TEAMS)]
        self.reps = [RepFactory(username=f"rep{n}", team=self.teams[n % TEAMS]) for n in range(REPS)]
        self.pipeline = make_pipeline()
        self.stages = {stage.name: stage for stage in self.pipeline.stages.all()}
        self.territories = [TerritoryFactory(name="North"), TerritoryFactory(name="South")]
        self.companies = [
            CompanyFactory(owner=self.reps[n % REPS], territory=self.territories[n % 2], segment=SEGMENTS[n % 3])
            for n in range(COMPANIES)
        ]
        self.sources = [None, LeadSourceFactory(name="Referral")]
        self.competitors = [None, CompetitorFactory(name="Acme")]
        self.reason = LostReasonFactory(name="Price")
        self.activities: list[int] = []
        self.deals: list[int] = []

    def deal(self, i: int) -> Deal | None:
        return (
            Deal.objects.select_related("stage", "pipeline", "company", "owner__team").get(
                pk=self.deals[i % len(self.deals)]
            )
            if self.deals
            else None
        )

    def won_deal(self, i: int) -> Deal | None:
        """The i-th won deal, else the i-th deal: quotas, team moves and company edits
        matter most where deals were won."""
        won = list(
            Deal.objects.filter(pk__in=self.deals, stage__kind=StageKind.WON)
            .select_related("stage", "company", "owner__team")
            .order_by("pk")
        )
        return won[i % len(won)] if won else self.deal(i)

    def activity(self, i: int) -> Activity | None:
        return Activity.objects.get(pk=self.activities[i % len(self.activities)]) if self.activities else None

    def apply(self, operation: tuple) -> None:
        name, *args = operation
        getattr(self, f"op_{name}")(*args)

    def op_log(self, rep_i, kind_outcome, offset, hour, minutes, deal_i, on_deal, created_offset):
        kind, outcome = kind_outcome
        deal = self.deal(deal_i) if on_deal else None
        activity = activity_services.activity_log(
            owner=self.reps[rep_i],
            by=self.admin,
            kind=kind,
            outcome=outcome,
            occurred_at=at(offset, hour),
            duration_minutes=minutes,
            deal=deal,
            created_at=at(created_offset, hour),
        )
        self.activities.append(activity.pk)

    def op_edit_activity(self, activity_i, rep_i, offset, hour, drop_deal):
        activity = self.activity(activity_i)
        if activity is None:
            return
        fields = {"owner": self.reps[rep_i], "occurred_at": at(offset, hour)}
        if drop_deal:
            fields["deal"] = None
        activity_services.activity_update(activity=activity, by=self.admin, **fields)

    def op_delete_activity(self, activity_i):
        activity = self.activity(activity_i)
        if activity is not None:
            self.activities.remove(activity.pk)
            activity_services.activity_delete(activity=activity, by=self.admin)

    def op_create_deal(self, rep_i, stage_name, offset, hour, company_i, expansion):
        created = at(offset, hour)
        deal = make_deal(
            owner=self.reps[rep_i],
            by=self.admin,
            pipeline=self.pipeline,
            stage_name=stage_name,
            amount=str(1000 + 250 * company_i),
            units=company_i % 4,
            company=self.companies[company_i % COMPANIES],
            lead_source=self.sources[company_i % 2],
            deal_type=DealType.EXPANSION if expansion else DealType.NEW_BUSINESS,
            closed_on=created.date() if stage_name == "Won" else None,
            created_at=created,
        )
        self.deals.append(deal.pk)

    def op_move(self, deal_i, stage_name, offset, hour, with_competitor):
        deal = self.deal(deal_i)
        if deal is None:
            return
        to_stage, when = self.stages[stage_name], at(offset, hour)
        closing = {}
        if to_stage.kind != StageKind.OPEN:
            closing["closed_on"] = when.date()
        if to_stage.kind == StageKind.LOST:
            closing |= {"lost_reason": self.reason, "competitor": self.competitors[with_competitor]}
        pipeline_services.deal_move(deal=deal, to_stage=to_stage, by=self.admin, at=when, **closing)

    def op_reassign(self, deal_i, step):
        """Give the deal to the rep ``step`` places after its owner (always another rep)."""
        deal = self.deal(deal_i)
        if deal is not None:
            owner = self.reps[([r.pk for r in self.reps].index(deal.owner_id) + step) % REPS]
            pipeline_services.deal_update(deal=deal, by=self.admin, owner=owner)

    def op_quota(self, deal_i, for_team, kind, measure, target):
        """A quota of the deal's owner (or their team) for the period holding its close (or creation)."""
        deal = self.won_deal(deal_i)
        rep = deal.owner if deal else self.reps[0]
        day = (deal.closed_on or deal.created_at.date()) if deal else FIRST_DAY
        if for_team and rep.team is None:
            return
        owner = {"team": rep.team} if for_team else {"rep": rep}
        period = Period.containing(day, kind)
        quota_services.quota_set(by=self.admin, period=period, target=Decimal(target), measure=measure, **owner)

    def op_team(self, deal_i, step):
        """Move the deal's owner ``step`` places along the teams and "no team" (always a move)."""
        deal = self.won_deal(deal_i)
        rep = next(r for r in self.reps if r.pk == deal.owner_id) if deal else self.reps[0]
        places = [*self.teams, None]
        rep.team = places[(places.index(rep.team) + step) % len(places)]
        account_services.user_update(user=rep)

    def op_company(self, deal_i, segment):
        """Move the deal's company to the other territory, in ``segment``."""
        deal = self.won_deal(deal_i)
        company = deal.company if deal else self.companies[0]
        company.territory = self.territories[company.territory_id == self.territories[0].pk]
        company.segment = segment
        pipeline_services.company_save(company=company)


def _rounded(value):
    return round(value, 6) if isinstance(value, float) else value


def tables() -> dict[str, list[tuple]]:
    """Every dashboard row, without ids and computing times, in a stable order."""
    shapes = {
        ActivityDay: (
            "rep_id",
            "day",
            "kind",
            "count",
            "minutes",
            "booked",
            "connected",
            "replied",
            "held",
            "positive",
        ),
        ClosedDay: (
            *("rep_id", "day", "won", "lead_source_id", "territory_id", "segment", "deal_type", "competitor_id"),
            *("deals", "amount", "units", "cycle_days"),
        ),
        StageRollup: (
            *("rep_id", "period_kind", "period_start", "stage_id", "entered", "advanced", "lost", "won"),
            *("still_open", "stays", "stay_days", "median_stay_days", "left_forward", "followups"),
        ),
        Attainment: ("quota_id", "achieved", "target", "attainment", "stretch_attainment"),
    }
    return {
        model.__name__: sorted(
            (tuple(_rounded(value) for value in row) for row in model.objects.values_list(*columns)), key=repr
        )
        for model, columns in shapes.items()
    }


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(steps=st.lists(STEP, min_size=8, max_size=20))
# Sequences random draws rarely make, played on every run: a rep leaving a team whose quota
# counted the rep's win; a won deal's company moving territory, then the deal reopened and lost.
@example(
    steps=[
        (("create_deal", 0, "Won", 3, 10, 0, False), False),
        (("quota", 0, True, "quarter", "revenue", "2500"), True),
        (("quota", 0, False, "month", "units", "3"), True),
        (("team", 0, 1), True),
        (("reassign", 0, 1), True),
        (("team", 0, 2), True),
    ]
)
@example(
    steps=[
        (("create_deal", 1, "Lead", 0, 9, 1, True), False),
        (("log", 1, ("demo", "negative"), 2, 11, 30, 0, True, 1), False),
        (("move", 0, "Won", 5, 15, False), True),
        (("company", 0, "enterprise"), True),
        (("move", 0, "Demo", 6, 10, False), True),
        (("edit_activity", 0, 2, 7, 12, True), True),
        (("move", 0, "Lost", 8, 10, True), True),
        (("delete_activity", 0), True),
    ]
)
def test_any_writes_then_a_drain_equal_a_full_rebuild(db, steps):
    with transaction.atomic():
        world = World()
        for operation, then_drain in steps:
            world.apply(operation)
            if then_drain:
                # Every prefix of the writes is a sequence too: a later write must not hide
                # a key an earlier one forgot to mark.
                rollups.drain()
                assert rollups.verify() == [], f"after {operation}"
        rollups.drain()
        assert not DirtyMark.objects.exists()
        assert rollups.verify() == []
        drained = tables()
        rollups.rebuild()
        assert tables() == drained
        transaction.set_rollback(True)
