"""Each rollup metric of METRICS.md against figures worked out by hand, edge cases included.

Every fixture is written through the domain services (as forms, the board and
imports write), then drained: the rows are what the dirty marks make of it.
Runs on SQLite and PostgreSQL.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from accounts import services as account_services
from activities import services as activity_services
from activities.models import SELLING_KINDS
from dashboards import rollups
from dashboards.models import ActivityDay, Attainment, ClosedDay, DirtyMark, PeriodDay, StageRollup
from pipeline import services as pipeline_services
from pipeline.models import DealType, Segment
from quotas import services as quota_services
from quotas.models import OrgSettings
from quotas.periods import Period
from tests.factories import (
    CompanyFactory,
    CompetitorFactory,
    LeadSourceFactory,
    LostReasonFactory,
    TerritoryFactory,
    make_deal,
    make_pipeline,
    stage,
)
from tests.helpers import at

pytestmark = pytest.mark.django_db

MON = date(2026, 3, 2)  # a Monday


def log(rep, kind, outcome="", day=MON, minutes=0, *, hour=10, created=None, **fields):
    return activity_services.activity_log(
        owner=rep,
        by=rep,
        kind=kind,
        outcome=outcome,
        occurred_at=at(day, hour),
        duration_minutes=minutes,
        created_at=created or at(day, hour),
        **fields,
    )


def move(deal, name, when: datetime, **fields):
    return pipeline_services.deal_move(deal=deal, to_stage=stage(deal.pipeline, name), by=deal.owner, at=when, **fields)


def win(deal, day: date, hour: int = 15):
    return move(deal, "Won", at(day, hour), closed_on=day)


def lose(deal, day: date, competitor=None):
    return move(
        deal, "Lost", at(day, 15), closed_on=day, lost_reason=LostReasonFactory(name="Price"), competitor=competitor
    )


def deal_for(rep, pipeline, created: datetime, stage_name="Lead", amount="1000", **fields):
    return make_deal(owner=rep, pipeline=pipeline, stage_name=stage_name, amount=amount, created_at=created, **fields)


def stage_row(rep, pipeline, name, kind, start) -> StageRollup | None:
    return StageRollup.objects.filter(
        rep=rep, stage=stage(pipeline, name), period_kind=kind, period_start=start
    ).first()


def flow(row: StageRollup) -> tuple:
    """entered, advanced, lost, won, still open."""
    return (row.entered, row.advanced, row.lost, row.won, row.still_open)


def activity_rows(rep, day=MON) -> dict[str, ActivityDay]:
    return {row.kind: row for row in ActivityDay.objects.filter(rep=rep, day=day)}


def quota(rep=None, team=None, *, kind="month", start, target, measure="revenue", stretch=125, fiscal_start=1):
    period = Period(start, kind, fiscal_start)
    return quota_services.quota_set(
        by=None, period=period, target=Decimal(target), measure=measure, rep=rep, team=team, stretch_percent=stretch
    )


def attained(q) -> tuple:
    row = Attainment.objects.get(quota=q)
    return (row.achieved, row.target, row.attainment, row.stretch_attainment)


def drained_clean():
    rollups.drain()
    assert DirtyMark.objects.count() == 0
    assert rollups.verify() == []


@pytest.fixture
def pipeline(db):
    return make_pipeline()


# --- activity ------------------------------------------------------------------------


def test_activity_counts_minutes_and_outcome_counts_by_kind(rep, teammate):
    for outcome, minutes in [("connected", 5), ("no_answer", 1), ("voicemail", 2), ("connected", 4)]:
        log(rep, "call", outcome, minutes=minutes)
    for outcome in ("sent", "replied", "bounced"):
        log(rep, "email", outcome)
    log(rep, "prospecting", minutes=30, company=CompanyFactory())
    log(rep, "travel", minutes=45)
    log(rep, "admin", minutes=20)
    for outcome, minutes in [("positive", 30), ("neutral", 60), ("no_show", 0)]:
        log(rep, "meeting", outcome, minutes=minutes)
    for outcome, minutes in [("negative", 45), ("held", 30)]:
        log(rep, "demo", outcome, minutes=minutes)
    log(teammate, "call", "connected", minutes=7)
    drained_clean()

    rows = activity_rows(rep)
    calls, emails = rows["call"], rows["email"]
    # Connect rate 2 / 4; reply rate 1 / 3.
    assert (calls.count, calls.minutes, calls.connected) == (4, 12, 2)
    assert (emails.count, emails.replied, emails.connected) == (3, 1, 0)
    # Meetings held: positive and neutral, not the no-show; positive meeting rate 1 / 2.
    meetings, demos = rows["meeting"], rows["demo"]
    assert (meetings.count, meetings.held, meetings.positive, meetings.booked, meetings.minutes) == (3, 2, 1, 3, 90)
    assert (demos.count, demos.held, demos.positive, demos.booked) == (2, 2, 0, 2)
    # Non-meeting kinds never count as held or booked.
    assert all(rows[kind].held == rows[kind].booked == 0 for kind in ("call", "email", "travel", "admin"))
    # Selling time share: 12 + 0 + 30 + 90 + 75 selling minutes of 272 logged.
    selling = sum(row.minutes for kind, row in rows.items() if kind in SELLING_KINDS)
    assert (selling, sum(row.minutes for row in rows.values())) == (207, 272)
    # Each rep has their own rows.
    assert [(r.kind, r.count, r.minutes, r.connected) for r in activity_rows(teammate).values()] == [("call", 1, 7, 1)]


def test_meetings_count_as_booked_on_the_day_logged_and_as_held_on_the_day_they_happen(rep):
    thursday, friday, next_monday = MON + timedelta(days=3), MON + timedelta(days=4), MON + timedelta(days=7)
    booked = log(rep, "meeting", "scheduled", day=thursday, created=at(MON))
    log(rep, "demo", "scheduled", day=next_monday, created=at(MON, 11))
    log(rep, "meeting", "held", day=friday, hour=16, created=at(friday, 9))
    activity_services.meeting_mark(activity=booked, outcome="positive", by=rep)
    drained_clean()

    def figures(day, kind):
        row = ActivityDay.objects.filter(rep=rep, day=day, kind=kind).first()
        return row and (row.count, row.booked, row.held, row.positive)

    # Booked on Monday, whatever their date: the row of Monday holds bookings only.
    assert figures(MON, "meeting") == (0, 1, 0, 0)
    assert figures(MON, "demo") == (0, 1, 0, 0)
    assert figures(thursday, "meeting") == (1, 0, 1, 1)
    assert figures(friday, "meeting") == (1, 1, 1, 0)
    assert figures(next_monday, "demo") == (1, 0, 0, 0)
    week = ActivityDay.objects.filter(rep=rep, day__range=(MON, MON + timedelta(days=6)))
    assert sum(row.booked for row in week) == 3
    assert sum(row.held for row in week) == 2


def test_an_empty_period_has_no_rows_and_an_emptied_day_loses_its_row(rep):
    call = log(rep, "call", "connected", minutes=5)
    drained_clean()
    assert ActivityDay.objects.filter(rep=rep, day=MON).exists()
    activity_services.activity_update(activity=call, by=rep, occurred_at=at(MON + timedelta(days=1)))
    drained_clean()
    assert not ActivityDay.objects.filter(rep=rep, day=MON).exists()
    assert activity_rows(rep, MON + timedelta(days=1))["call"].count == 1
    # A week with nothing logged has no rows at all: pages show "—" for its rates, never 0%.
    empty_week = (MON + timedelta(days=7), MON + timedelta(days=13))
    assert not ActivityDay.objects.filter(day__range=empty_week).exists()
    assert not ClosedDay.objects.exists()
    assert not StageRollup.objects.exists()


# --- closed deals: revenue, win rate, deal size, cycle, lost to competitors ---------------


def test_closed_deals_are_split_by_source_territory_segment_type_and_competitor(rep, pipeline):
    north, south = TerritoryFactory(name="North"), TerritoryFactory(name="South")
    referral, web = LeadSourceFactory(name="Referral"), LeadSourceFactory(name="Web")
    acme, globex = CompetitorFactory(name="Acme"), CompetitorFactory(name="Globex")
    small = CompanyFactory(owner=rep, territory=north, segment=Segment.SMB)
    big = CompanyFactory(owner=rep, territory=south, segment=Segment.ENTERPRISE)
    created = at(MON)

    def deal(amount, company=small, **fields):
        return deal_for(rep, pipeline, created, amount=amount, company=company, **fields)

    win(deal("1000", units=3, lead_source=referral), date(2026, 3, 10))
    win(deal("2500.50", units=1, lead_source=referral), date(2026, 3, 10))
    win(deal("4000", company=big, lead_source=web, deal_type=DealType.EXPANSION), date(2026, 3, 12))
    lose(deal("700"), date(2026, 3, 11), competitor=acme)
    lose(deal("300"), date(2026, 3, 11), competitor=acme)
    lose(deal("900"), date(2026, 3, 11), competitor=globex)
    lose(deal("100"), date(2026, 3, 11))
    deal("5000")  # still open: not closed, not counted
    drained_clean()

    won = {
        (r.day, r.lead_source_id, r.territory_id, r.segment, r.deal_type): (r.deals, r.amount, r.units, r.cycle_days)
        for r in ClosedDay.objects.filter(rep=rep, won=True)
    }
    assert won == {
        (date(2026, 3, 10), referral.pk, north.pk, "smb", "new_business"): (2, Decimal("3500.50"), 4, 16),
        (date(2026, 3, 12), web.pk, south.pk, "enterprise", "expansion"): (1, Decimal("4000.00"), 0, 10),
    }
    lost = {r.competitor_id: (r.deals, r.amount) for r in ClosedDay.objects.filter(rep=rep, won=False)}
    # Lost to competitors: Acme 2 deals for 1,000, Globex 1 for 900; the one with no competitor apart.
    assert lost == {acme.pk: (2, Decimal("1000.00")), globex.pk: (1, Decimal("900.00")), None: (1, Decimal("100.00"))}
    assert all(row.competitor_id is None for row in ClosedDay.objects.filter(won=True))

    # Win rate 3 / 7; average deal size 7,500.50 / 3; sales cycle (8 + 8 + 10) / 3 days.
    march = ClosedDay.objects.filter(rep=rep, day__month=3)
    won_rows = [r for r in march if r.won]
    assert (sum(r.deals for r in won_rows), sum(r.deals for r in march)) == (3, 7)
    assert sum((r.amount for r in won_rows), Decimal(0)) == Decimal("7500.50")
    assert sum(r.cycle_days for r in won_rows) == 26


def test_a_reopened_deal_counts_once_on_its_last_close(rep, pipeline):
    deal = deal_for(rep, pipeline, at(MON), amount="2000")
    win(deal, date(2026, 3, 10))
    march = quota(rep, start=date(2026, 3, 1), target="4000")
    april = quota(rep, start=date(2026, 4, 1), target="4000")
    rollups.drain()
    assert list(ClosedDay.objects.values_list("day", "deals")) == [(date(2026, 3, 10), 1)]
    assert attained(march)[0] == Decimal("2000")

    move(deal, "Proposal", at(date(2026, 3, 16)))  # reopened
    rollups.drain()
    assert not ClosedDay.objects.exists()
    assert attained(march)[:3] == (Decimal("0"), Decimal("4000"), Decimal("0"))

    win(deal, date(2026, 4, 2))  # won again
    drained_clean()
    assert list(ClosedDay.objects.values_list("day", "won", "deals", "amount", "cycle_days")) == [
        (date(2026, 4, 2), True, 1, Decimal("2000.00"), 31)
    ]
    assert attained(march)[0] == Decimal("0")
    assert attained(april)[:3] == (Decimal("2000"), Decimal("4000"), Decimal("0.5"))
    # The stage history keeps both wins: Won was entered once in March and once in April.
    assert stage_row(rep, pipeline, "Won", "month", date(2026, 3, 1)).entered == 1
    assert stage_row(rep, pipeline, "Won", "month", date(2026, 4, 1)).entered == 1
    # Proposal (entered on reopening) advanced to the second win.
    assert flow(stage_row(rep, pipeline, "Proposal", "month", date(2026, 3, 1))) == (1, 1, 0, 1, 0)
    assert flow(stage_row(rep, pipeline, "Lead", "month", date(2026, 3, 1))) == (1, 1, 0, 1, 0)


def test_a_deal_won_reopened_and_lost_counts_as_lost_only(rep, pipeline):
    deal = deal_for(rep, pipeline, at(MON), amount="2000")
    win(deal, date(2026, 3, 10))
    move(deal, "Demo", at(date(2026, 3, 11)))
    lose(deal, date(2026, 3, 12))
    drained_clean()
    assert list(ClosedDay.objects.values_list("day", "won", "deals")) == [(date(2026, 3, 12), False, 1)]


# --- stage flow -------------------------------------------------------------------------------


def test_a_skipped_stage_is_not_entered_and_the_jump_is_an_advance(rep, pipeline):
    deal = deal_for(rep, pipeline, at(MON))
    move(deal, "Demo", at(MON + timedelta(days=2), 16))  # Lead straight to Demo
    drained_clean()
    lead = stage_row(rep, pipeline, "Lead", "week", MON)
    assert flow(lead) == (1, 1, 0, 0, 0)
    assert (lead.stays, lead.stay_days, lead.median_stay_days, lead.left_forward) == (
        1,
        pytest.approx(2.25),
        pytest.approx(2.25),
        1,
    )
    assert stage_row(rep, pipeline, "Qualified", "week", MON) is None
    assert flow(stage_row(rep, pipeline, "Demo", "week", MON)) == (1, 0, 0, 0, 1)


def test_a_deal_moved_backwards_did_not_advance_from_the_later_stage(rep, pipeline):
    deal = deal_for(rep, pipeline, at(MON))
    move(deal, "Demo", at(MON + timedelta(days=1)))
    move(deal, "Qualified", at(MON + timedelta(days=2)))  # backwards
    lose(deal, MON + timedelta(days=3))
    drained_clean()
    week = {name: stage_row(rep, pipeline, name, "week", MON) for name in ("Lead", "Qualified", "Demo", "Lost")}
    assert flow(week["Lead"]) == (1, 1, 0, 0, 0)
    # Demo: left, but backwards; the loss came from Qualified, its next stage.
    assert flow(week["Demo"]) == (1, 0, 0, 0, 0)
    assert (week["Demo"].stays, week["Demo"].left_forward) == (1, 0)
    assert flow(week["Qualified"]) == (1, 0, 1, 0, 0)
    assert (week["Qualified"].stays, week["Qualified"].left_forward) == (1, 0)
    assert flow(week["Lost"]) == (1, 0, 0, 0, 0)
    # Leakage at Qualified = lost 1 / entered 1.


def test_a_deal_back_and_forth_is_entered_and_advanced_once_per_period(rep, pipeline):
    deal = deal_for(rep, pipeline, at(MON), stage_name="Qualified")
    move(deal, "Demo", at(MON + timedelta(days=1)))
    move(deal, "Qualified", at(MON + timedelta(days=2)))
    move(deal, "Proposal", at(MON + timedelta(days=3)))
    drained_clean()
    qualified = stage_row(rep, pipeline, "Qualified", "week", MON)
    assert flow(qualified) == (1, 1, 0, 0, 0)
    # Two completed stays in Qualified (1 day each), both ended by a move forward, by one deal:
    # follow-ups per advance divides by deals that left forward (METRICS.md), so it counts once.
    assert (qualified.stays, qualified.stay_days, qualified.left_forward) == (2, pytest.approx(2.0), 1)
    demo = stage_row(rep, pipeline, "Demo", "week", MON)
    # Demo went back to Qualified, but the deal later reached Proposal, a higher stage.
    assert flow(demo) == (1, 1, 0, 0, 0)
    assert (demo.stays, demo.left_forward) == (1, 0)


def test_days_in_stage_median_of_odd_and_even_counts(rep, pipeline):
    week2, week3 = MON + timedelta(days=7), MON + timedelta(days=14)  # 9 and 16 March
    # Odd: three stays in Qualified ending in the week of 9 March: 1, 2.5 and 4 days.
    for ends in (at(week2 + timedelta(days=1)), at(week2 + timedelta(days=2), 22), at(week2 + timedelta(days=4))):
        move(deal_for(rep, pipeline, at(week2), stage_name="Qualified"), "Demo", ends)
    # Even: four stays in Proposal ending in the week of 16 March: 1, 2.5, 3 and 10 days.
    stays = [
        (at(week3), at(week3 + timedelta(days=1))),
        (at(week3), at(week3 + timedelta(days=2), 22)),
        (at(week3), at(week3 + timedelta(days=3))),
        (at(week3 - timedelta(days=4)), at(week3 + timedelta(days=6))),  # entered the week before
    ]
    for entered, left in stays:
        proposal = deal_for(rep, pipeline, entered, stage_name="Proposal")
        move(proposal, "Lost", left, closed_on=left.date(), lost_reason=LostReasonFactory(name="Price"))
    drained_clean()

    odd = stage_row(rep, pipeline, "Qualified", "week", week2)
    assert (odd.stays, odd.stay_days, odd.median_stay_days) == (3, pytest.approx(7.5), pytest.approx(2.5))
    even = stage_row(rep, pipeline, "Proposal", "week", week3)
    # Median of 1, 2.5, 3, 10 = 2.75; average 16.5 / 4.
    assert (even.stays, even.stay_days, even.median_stay_days) == (4, pytest.approx(16.5), pytest.approx(2.75))
    assert (even.left_forward, even.lost) == (0, 3)  # lost counts deals that *entered* this week
    # Stays count in the period they ended: the 10-day stay's Proposal entry was the week before.
    before = stage_row(rep, pipeline, "Proposal", "week", week3 - timedelta(days=7))
    assert (before.entered, before.lost, before.stays, before.median_stay_days) == (1, 1, 0, None)
    # March as a whole: the same stays, medians taken over the month.
    month = stage_row(rep, pipeline, "Proposal", "month", date(2026, 3, 1))
    assert (month.entered, month.lost, month.stays, month.median_stay_days) == (4, 4, 4, pytest.approx(2.75))


def test_follow_ups_per_advance(rep, pipeline):
    created = at(MON)
    a, b, c, d = (deal_for(rep, pipeline, created, stage_name="Qualified") for _ in range(4))
    log(rep, "call", "connected", day=MON + timedelta(days=1), deal=a)
    log(rep, "email", "sent", day=MON + timedelta(days=2), deal=a)
    log(rep, "call", "no_answer", day=MON + timedelta(days=1), deal=b)
    log(rep, "follow_up", day=MON + timedelta(days=2), deal=c)
    log(rep, "call", "connected", day=MON + timedelta(days=2), deal=d)
    log(rep, "call", "connected", day=MON + timedelta(days=2))  # on no deal: not a follow-up
    move(a, "Demo", at(MON + timedelta(days=3)))
    move(b, "Proposal", at(MON + timedelta(days=4)))  # a skip forward is an advance too
    move(d, "Lead", at(MON + timedelta(days=3)))  # backwards: left, not forward
    log(rep, "demo", "held", day=MON + timedelta(days=4), deal=a)  # while a sat in Demo
    drained_clean()

    qualified = stage_row(rep, pipeline, "Qualified", "month", date(2026, 3, 1))
    # 5 follow-ups logged while deals sat in Qualified / 2 deals that left it forward = 2.5.
    assert (qualified.followups, qualified.left_forward, qualified.stays) == (5, 2, 3)
    assert flow(qualified) == (4, 2, 0, 0, 1)
    demo = stage_row(rep, pipeline, "Demo", "month", date(2026, 3, 1))
    # One follow-up, nobody left Demo forward: a zero denominator, shown as "—".
    assert (demo.followups, demo.left_forward) == (1, 0)


# --- quotas ---------------------------------------------------------------------------------


def test_attainment_of_revenue_won_deals_and_units_quotas(rep, pipeline):
    win(deal_for(rep, pipeline, at(MON), amount="3000", units=5), date(2026, 3, 10))
    win(deal_for(rep, pipeline, at(MON), amount="1500", units=2), date(2026, 3, 20))
    lose(deal_for(rep, pipeline, at(MON), amount="8000", units=9), date(2026, 3, 21))
    win(deal_for(rep, pipeline, at(MON), amount="999", units=1), date(2026, 4, 1))  # next month
    march = date(2026, 3, 1)
    revenue = quota(rep, start=march, target="6000")
    won_deals = quota(rep, start=march, target="4", measure="won_deals")
    units = quota(rep, start=march, target="10", measure="units", stretch=200)
    quarter = quota(rep, kind="quarter", start=date(2026, 1, 1), target="9000")
    empty = quota(rep, start=date(2026, 2, 1), target="5000")
    drained_clean()

    # 4,500 / 6,000; stretch 4,500 / (6,000 x 125%).
    assert attained(revenue) == (Decimal("4500"), Decimal("6000"), Decimal("0.75"), Decimal("0.6"))
    assert attained(won_deals) == (Decimal("2"), Decimal("4"), Decimal("0.5"), Decimal("0.4"))
    # Units: 7 / 10; stretch 7 / (10 x 200%).
    assert attained(units) == (Decimal("7"), Decimal("10"), Decimal("0.7"), Decimal("0.35"))
    assert attained(quarter)[0] == Decimal("4500")
    # A period with no wins: achieved 0 and attainment 0% (the target is not zero).
    assert attained(empty) == (Decimal("0"), Decimal("5000"), Decimal("0"), Decimal("0"))


def test_attainment_with_a_zero_target_is_empty(rep, pipeline):
    win(deal_for(rep, pipeline, at(MON), amount="3000"), date(2026, 3, 10))
    q = quota(rep, start=date(2026, 3, 1), target="0")
    drained_clean()
    # achieved / 0 has no value: NULL, shown as "—", never 0% and never an error.
    assert attained(q) == (Decimal("3000"), Decimal("0"), None, None)


def test_verify_accepts_an_attainment_that_does_not_end_in_four_decimals(rep, pipeline):
    win(deal_for(rep, pipeline, at(MON), amount="1000"), date(2026, 3, 10))
    q = quota(rep, start=date(2026, 3, 1), target="3000")
    rollups.drain()
    assert attained(q)[2:] == (Decimal("0.3333"), Decimal("0.2667"))
    assert rollups.verify() == []


def test_team_attainment_follows_the_current_members_when_a_rep_changes_team(rep, teammate, outsider, team, pipeline):
    april = date(2026, 4, 1)
    win(deal_for(rep, pipeline, at(MON), amount="1000"), date(2026, 4, 2))
    win(deal_for(teammate, pipeline, at(MON), amount="2000"), date(2026, 4, 3))
    win(deal_for(outsider, pipeline, at(MON), amount="4000"), date(2026, 4, 6))
    other_team = outsider.team
    ours = quota(team=team, kind="quarter", start=april, target="10000")
    theirs = quota(team=other_team, kind="quarter", start=april, target="5000")
    own = quota(rep, kind="quarter", start=april, target="2000")
    drained_clean()
    assert attained(ours)[0::2] == (Decimal("3000"), Decimal("0.3"))
    assert attained(theirs)[0::2] == (Decimal("4000"), Decimal("0.8"))

    outsider.team = team
    account_services.user_update(user=outsider)
    drained_clean()
    assert attained(ours)[0::2] == (Decimal("7000"), Decimal("0.7"))
    assert attained(theirs)[0::2] == (Decimal("0"), Decimal("0"))

    rep.team = other_team
    account_services.user_update(user=rep)
    drained_clean()
    assert attained(ours)[0::2] == (Decimal("6000"), Decimal("0.6"))
    assert attained(theirs)[0::2] == (Decimal("1000"), Decimal("0.2"))
    # A rep's own quota and rows go with the rep, whatever the team.
    assert attained(own)[0::2] == (Decimal("1000"), Decimal("0.5"))
    assert ClosedDay.objects.get(rep=rep).amount == Decimal("1000")

    # A rep with no team any more counts for no team.
    rep.team = None
    account_services.user_update(user=rep)
    drained_clean()
    assert attained(theirs)[0] == Decimal("0")


# --- fiscal year starting in April ----------------------------------------------------------


def _fiscal_start_april():
    org = OrgSettings.load()
    org.fiscal_year_start_month = 4
    quota_services.org_settings_save(org_settings=org)


def test_a_fiscal_year_from_april_splits_31_march_and_1_april(rep, pipeline):
    _fiscal_start_april()
    rollups.drain()
    march_31, april_1 = date(2026, 3, 31), date(2026, 4, 1)
    win(deal_for(rep, pipeline, at(MON), amount="1000"), march_31)
    win(deal_for(rep, pipeline, at(MON), amount="2000"), april_1)

    def q(kind, day):
        return quota(rep, kind=kind, start=Period.containing(day, kind, 4).start, target="4000", fiscal_start=4)

    quotas = {(kind, day): q(kind, day) for kind in ("month", "quarter", "year") for day in (march_31, april_1)}
    drained_clean()

    # 31 March is in FY2026 Q4 (January to March) and FY2026 (April 2025 on); 1 April starts FY2027.
    for kind in ("month", "quarter", "year"):
        assert attained(quotas[kind, march_31])[0::2] == (Decimal("1000"), Decimal("0.25")), kind
        assert attained(quotas[kind, april_1])[0::2] == (Decimal("2000"), Decimal("0.5")), kind
    assert {q.period_start for (kind, _), q in quotas.items() if kind == "quarter"} == {date(2026, 1, 1), april_1}
    assert {q.period_start for (kind, _), q in quotas.items() if kind == "year"} == {date(2025, 4, 1), april_1}
    calendar = dict(PeriodDay.objects.filter(day=march_31).values_list("period_kind", "period_start"))
    assert calendar == {
        "week": date(2026, 3, 30),
        "month": date(2026, 3, 1),
        "quarter": date(2026, 1, 1),
        "year": date(2025, 4, 1),
    }

    def won_entered(kind, start):
        row = stage_row(rep, pipeline, "Won", kind, start)
        return row and row.entered

    # The week of Monday 30 March spans the month edge: both wins in one week row.
    assert won_entered("week", date(2026, 3, 30)) == 2
    for kind, before, after in [
        ("month", date(2026, 3, 1), april_1),
        ("quarter", date(2026, 1, 1), april_1),
        ("year", date(2025, 4, 1), april_1),
    ]:
        assert (won_entered(kind, before), won_entered(kind, after)) == (1, 1), kind
    # Lead stays ended on 31 March (29 days 5 h) and 1 April (30 days 5 h): one week, two months.
    lead_week = stage_row(rep, pipeline, "Lead", "week", date(2026, 3, 30))
    assert (lead_week.stays, lead_week.median_stay_days) == (2, pytest.approx(29 + 5 / 24 + 0.5))
    assert stage_row(rep, pipeline, "Lead", "month", date(2026, 3, 1)).stays == 1
    assert stage_row(rep, pipeline, "Lead", "month", april_1).stays == 1
    # Revenue by day sums to each fiscal quarter.
    q4 = ClosedDay.objects.filter(day__range=(date(2026, 1, 1), march_31))
    assert sum(r.amount for r in q4) == Decimal("1000")


def test_changing_the_fiscal_year_start_rebuilds_quarters_and_years(rep, pipeline):
    win(deal_for(rep, pipeline, at(MON), amount="1000"), date(2026, 3, 31))
    rollups.drain()
    assert stage_row(rep, pipeline, "Won", "year", date(2026, 1, 1)).entered == 1
    _fiscal_start_april()
    assert DirtyMark.objects.filter(scope="all").exists()
    rollups.drain()
    assert stage_row(rep, pipeline, "Won", "year", date(2025, 4, 1)).entered == 1
    assert PeriodDay.objects.get(day=date(2026, 3, 31), period_kind="year").period_start == date(2025, 4, 1)


def test_changing_the_fiscal_year_start_leaves_no_rows_of_the_old_years(rep, pipeline):
    win(deal_for(rep, pipeline, at(MON), amount="1000"), date(2026, 3, 31))
    rollups.drain()
    _fiscal_start_april()
    rollups.drain()
    assert not StageRollup.objects.filter(period_kind="year", period_start=date(2026, 1, 1)).exists()
    assert rollups.verify() == []
