"""The stage rollup (dashboards/rollups/tables/stage.py) against METRICS.md, worked out by hand, edge
cases included: entries, advances, losses, stays and follow-ups per stage.

Every fixture is written through the domain services (as forms, the board and
imports write), then drained: the rows are what the dirty marks make of it.
Runs on SQLite and PostgreSQL.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from activities import services as activity_services
from dashboards import rollups
from dashboards.models import ClosedDay, StageRollup
from pipeline import services as pipeline_services
from quotas.periods import Period
from tests.dashboards.rollups.helpers import MON, deal_for, drained_clean, flow, log, lose, move, stage_row
from tests.factories import LostReasonFactory, make_deal, make_pipeline, stage
from tests.helpers import at

pytestmark = pytest.mark.django_db


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


def test_stage_flow_counts_entries_advances_losses_and_stays(rep):
    pipeline = make_pipeline()
    won = make_deal(owner=rep, pipeline=pipeline, amount="1000", created_at=at(MON))
    lost = make_deal(owner=rep, pipeline=pipeline, amount="500", created_at=at(MON))
    sitting = make_deal(owner=rep, pipeline=pipeline, created_at=at(MON))
    move(won, "Qualified", at(date(2026, 3, 3)))
    move(won, "Won", at(date(2026, 3, 5)), closed_on=date(2026, 3, 5))
    move(lost, "Lost", at(date(2026, 3, 4)), lost_reason=LostReasonFactory())
    rollups.drain()
    lead = StageRollup.objects.get(rep=rep, period_kind="week", period_start=MON, stage=stage(pipeline, "Lead"))
    # Three deals entered Lead; one advanced, one was lost, one still sits there.
    assert (lead.entered, lead.advanced, lead.lost, lead.won, lead.still_open) == (3, 1, 1, 1, 1)
    # Two stays in Lead ended this week: 1 day (won deal) and 2 days (lost deal).
    assert (lead.stays, lead.stay_days, lead.median_stay_days, lead.left_forward) == (2, 3.0, 1.5, 1)
    closed = ClosedDay.objects.get(rep=rep, won=True)
    assert (closed.day, closed.deals, closed.amount, closed.cycle_days) == (date(2026, 3, 5), 1, Decimal("1000"), 3)
    assert sitting.stage.name == "Lead"
    assert rollups.verify() == []


def test_a_deal_moved_backwards_then_forward_advanced_once(rep):
    pipeline = make_pipeline()
    deal = make_deal(owner=rep, pipeline=pipeline, stage_name="Qualified", created_at=at(MON))
    move(deal, "Demo", at(date(2026, 3, 3)))
    move(deal, "Qualified", at(date(2026, 3, 4)))
    move(deal, "Demo", at(date(2026, 3, 5)))
    rollups.drain()
    qualified = StageRollup.objects.get(
        rep=rep, period_kind="month", period_start=date(2026, 3, 1), stage=stage(pipeline, "Qualified")
    )
    assert (qualified.entered, qualified.advanced, qualified.still_open) == (1, 1, 0)
    assert qualified.stays == 2


def test_reassigning_a_deal_moves_its_flow_to_the_new_owner(rep, teammate):
    deal = make_deal(owner=rep, created_at=at(MON))
    rollups.drain()
    assert StageRollup.objects.filter(rep=rep).exists()
    pipeline_services.deal_update(deal=deal, by=rep, owner=teammate)
    rollups.drain()
    assert not StageRollup.objects.filter(rep=rep).exists()
    assert StageRollup.objects.filter(rep=teammate, period_kind="week").get().entered == 1


def test_a_follow_up_counts_against_the_stage_the_deal_sat_in_when_it_happened(rep, teammate, manager, pipeline):
    deal = deal_for(rep, pipeline, at(MON, 9))  # created in Lead, Monday 9:00
    move(deal, "Qualified", at(MON + timedelta(days=2)))  # Wednesday
    # Logged after the move, each dated by when it happened:
    log(rep, "call", "connected", day=MON + timedelta(days=1), deal=deal)  # Tuesday: the deal sat in Lead
    log(rep, "call", "connected", day=MON, hour=8, deal=deal)  # before the deal existed: its first stage, Lead
    log(rep, "email", "sent", day=MON + timedelta(days=3), deal=deal)  # Thursday: in Qualified
    # A teammate's call on the rep's deal, logged by their manager:
    activity_services.activity_log(
        owner=teammate, by=manager, kind="call", outcome="connected", occurred_at=at(MON + timedelta(days=1)), deal=deal
    )
    drained_clean()

    # 2 follow-ups while the deal sat in Lead / 1 deal that left Lead forward = 2.0.
    lead = stage_row(rep, pipeline, "Lead", "week", MON)
    assert (lead.followups, lead.left_forward) == (2, 1)
    assert stage_row(rep, pipeline, "Qualified", "week", MON).followups == 1
    # A follow-up counts for its owner, against the stage of the deal's own history.
    assert stage_row(teammate, pipeline, "Lead", "week", MON).followups == 1


def test_a_scheduled_meeting_counts_against_the_stage_the_deal_is_in_when_it_takes_place(rep, pipeline):
    now = timezone.now()
    deal = deal_for(rep, pipeline, now - timedelta(days=2))
    meeting = log(rep, "demo", "scheduled", day=(now + timedelta(days=2)).date(), deal=deal)
    drained_clean()
    week = Period.containing(meeting.day, "week").start
    assert stage_row(rep, pipeline, "Lead", "week", week).followups == 1
    # The deal moves to Demo before the meeting: the meeting now counts against Demo.
    move(deal, "Demo", now - timedelta(minutes=1))
    drained_clean()
    assert stage_row(rep, pipeline, "Lead", "week", week) is None
    assert stage_row(rep, pipeline, "Demo", "week", week).followups == 1


def test_a_move_dated_before_every_other_change_takes_the_earlier_follow_ups(rep, pipeline):
    deal = deal_for(rep, pipeline, at(MON, 9))  # created in Lead, Monday 9:00
    log(rep, "call", "connected", day=MON - timedelta(days=3), deal=deal)  # before the deal existed: Lead
    drained_clean()
    assert stage_row(rep, pipeline, "Lead", "week", MON - timedelta(days=7)).followups == 1
    # A move dated before the creation is now the deal's first change: the earlier call counts against it.
    move(deal, "Qualified", at(MON, 8))
    drained_clean()
    assert stage_row(rep, pipeline, "Lead", "week", MON - timedelta(days=7)) is None
    assert stage_row(rep, pipeline, "Qualified", "week", MON - timedelta(days=7)).followups == 1


def test_a_deal_that_left_a_stage_and_came_back_later_is_still_open_in_the_first_period_too(rep, pipeline):
    # docs/metrics.md "still open": of the deals that entered S in the period, those in S now.
    deal = deal_for(rep, pipeline, at(date(2026, 2, 2)))
    move(deal, "Demo", at(date(2026, 2, 5)))
    move(deal, "Qualified", at(date(2026, 2, 10)))  # back out of Demo in February
    move(deal, "Demo", at(date(2026, 3, 3)))  # and into it again in March, where it sits
    drained_clean()
    february = stage_row(rep, pipeline, "Demo", "month", date(2026, 2, 1))
    march = stage_row(rep, pipeline, "Demo", "month", date(2026, 3, 1))
    assert (february.entered, february.still_open) == (1, 1)
    assert (march.entered, march.still_open) == (1, 1)
    # Moving on clears both: the figure follows the deal's stage now.
    move(deal, "Proposal", at(date(2026, 3, 6)))
    drained_clean()
    assert stage_row(rep, pipeline, "Demo", "month", date(2026, 2, 1)).still_open == 0
    assert stage_row(rep, pipeline, "Demo", "month", date(2026, 3, 1)).still_open == 0
