"""The reference implementation itself, on tiny organisations worked by hand: the worked examples of
docs/metrics.md, so a difference the random comparison finds is the app's, not the reference's.

Dates are in November 2026: Mondays 2, 9, 16, 23 and 30 November start weeks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from tests.reference import calendar as cal
from tests.reference.figures import Reference
from tests.reference.rows import Activity, Change, Deal, Goal, Org, Person, Quota, Stage

TODAY = date(2026, 11, 18)
NOW = datetime(2026, 11, 18, 12, tzinfo=UTC)
NOV = (date(2026, 11, 1), date(2026, 11, 30))
Q4 = (date(2026, 10, 1), date(2026, 12, 31))
LEAD, QUALIFIED, DEMO, PROPOSAL, WON, LOST = 1, 2, 3, 4, 5, 6
EAST, WEST = 10, 20
REP, TEAMMATE, OUTSIDER = 100, 101, 102


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


class Builder:
    """A tiny organisation: one pipeline of the standard stages, two teams, three reps."""

    def __init__(self, *, fiscal_start: int = 1, zone: str = "UTC", now: datetime = NOW):
        self.org = Org(fiscal_start=fiscal_start, zone=zone, now=now)
        self.org.team_parents = {EAST: None, WEST: None}
        for pk, team in ((REP, EAST), (TEAMMATE, EAST), (OUTSIDER, WEST)):
            self.org.people[pk] = Person(pk, team, "rep", True, (f"Rep {pk}", "", f"rep{pk}"))
        for pk, order, kind, probability in (
            (LEAD, 1, "open", 10),
            (QUALIFIED, 2, "open", 25),
            (DEMO, 3, "open", 50),
            (PROPOSAL, 4, "open", 70),
            (WON, 5, "won", 100),
            (LOST, 6, "lost", 0),
        ):
            self.org.stages[pk] = Stage(pk, 1, order, kind, probability)
        self.ids = iter(range(1000, 100000))

    def deal(self, owner, *moves, amount="1000", units=0, closed_on=None, created=None) -> int:
        """A deal moved through ``moves`` ((stage, moment), the first its creation)."""
        pk = next(self.ids)
        for stage_id, moment in moves:
            self.org.changes.append(Change(next(self.ids), pk, stage_id, moment))
        last_stage, last_at = moves[-1]
        self.org.deals[pk] = Deal(
            pk, owner, last_stage, Decimal(amount), units, created or moves[0][1], last_at, closed_on=closed_on
        )
        return pk

    def won(self, owner, amount, closed_on, *, units=0) -> int:
        return self.deal(owner, (WON, at(closed_on)), amount=amount, units=units, closed_on=closed_on)

    def log(self, owner, kind, moment, outcome="", *, minutes=0, deal=None, logged=None) -> None:
        self.org.activities.append(
            Activity(next(self.ids), owner, kind, outcome, moment, logged or moment, minutes, deal)
        )

    def quota(self, *, kind, start, target, rep=None, team=None, measure="revenue", stretch=125) -> None:
        self.org.quotas.append(Quota(next(self.ids), rep, team, kind, start, measure, Decimal(target), stretch))

    def goal(self, *, metric="call", frequency="week", target, starts_on, rep=None, team=None, **more) -> None:
        self.org.goals.append(Goal(next(self.ids), rep, team, metric, frequency, target, starts_on, **more))

    @property
    def ref(self) -> Reference:
        return Reference(self.org)


# --- the calendar -------------------------------------------------------------------------------------


def test_a_fiscal_quarter_and_year_with_an_april_start():
    assert cal.quarter(date(2027, 2, 10), 4) == (date(2027, 1, 1), date(2027, 3, 31))
    assert cal.quarter(date(2026, 12, 31), 4) == (date(2026, 10, 1), date(2026, 12, 31))
    assert cal.year(date(2026, 5, 1), 4) == (date(2026, 4, 1), date(2027, 3, 31))
    assert cal.year(date(2027, 3, 31), 4) == (date(2026, 4, 1), date(2027, 3, 31))
    assert cal.year(date(2026, 5, 1), 1) == (date(2026, 1, 1), date(2026, 12, 31))


def test_a_week_starts_on_monday_and_crosses_months():
    assert cal.week(date(2026, 11, 1)) == (date(2026, 10, 26), date(2026, 11, 1))
    assert cal.periods_over("week", *NOV)[0][0] == date(2026, 10, 26)
    assert len(cal.periods_over("week", *NOV)) == 6


def test_a_late_evening_call_in_utc_is_the_next_day_in_auckland():
    moment = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    assert cal.local_day(moment, "UTC") == date(2026, 3, 1)
    assert cal.local_day(moment, "Pacific/Auckland") == date(2026, 3, 2)
    assert cal.local_day(datetime(2026, 3, 2, 5, tzinfo=UTC), "America/Los_Angeles") == date(2026, 3, 1)


def test_the_elapsed_share_counts_today_as_passed():
    assert cal.elapsed_share(*NOV, date(2026, 11, 15)) == 15 / 30
    assert cal.elapsed_share(*NOV, date(2026, 10, 31)) == 0
    assert cal.elapsed_share(*NOV, date(2026, 12, 1)) == 1


# --- activity and closed deals --------------------------------------------------------------------------


def test_rates_count_every_outcome_and_meetings_booked_count_on_the_day_logged():
    b = Builder()
    monday = date(2026, 11, 16)
    for outcome in ("connected", "connected", "no_answer", "voicemail"):
        b.log(REP, "call", at(monday), outcome, minutes=10)
    for outcome in ("replied", "sent", "bounced"):
        b.log(REP, "email", at(monday), outcome, minutes=5)
    b.log(REP, "meeting", at(monday), "positive", minutes=60)
    b.log(REP, "demo", at(monday), "negative", minutes=60)
    b.log(REP, "meeting", at(monday), "no_show", minutes=30)
    b.log(REP, "admin", at(monday), minutes=40)
    # Booked on Monday for the week after: booked this week, held in the next.
    b.log(REP, "meeting", at(monday + timedelta(days=8)), "scheduled", logged=at(monday))
    week = b.ref.activity([REP], *cal.week(monday))
    assert (week["connected"], week["calls"], week["replied"], week["emails"]) == (2, 4, 1, 3)
    assert (week["positive"], week["held"], week["meetings"], week["booked"]) == (1, 2, 3, 4)
    assert (week["selling_minutes"], week["minutes"]) == (205, 245)
    assert b.ref.activity([REP], *cal.week(monday + timedelta(days=7)))["booked"] == 0


def test_a_deal_won_reopened_and_won_again_counts_once_on_its_last_close():
    b = Builder()
    b.deal(
        REP,
        (LEAD, at(date(2026, 10, 1))),
        (WON, at(date(2026, 11, 4))),
        (DEMO, at(date(2026, 11, 5))),
        (WON, at(date(2026, 11, 10))),
        amount="5000",
        closed_on=date(2026, 11, 10),
    )
    b.deal(REP, (LEAD, at(date(2026, 10, 1))), (WON, at(date(2026, 10, 20))), (LOST, at(date(2026, 11, 12))),
           closed_on=date(2026, 11, 12))  # fmt: skip
    b.deal(REP, (LEAD, at(date(2026, 10, 1))), (LOST, at(date(2026, 11, 13))))  # lost without a close date
    closed = b.ref.closed([REP], *NOV)
    assert (closed["won_deals"], closed["won_amount"], closed["lost_deals"]) == (1, Decimal(5000), 1)
    assert closed["cycle_days"] == 40  # 1 October to 10 November
    assert b.ref.closed([REP], date(2026, 10, 1), date(2026, 10, 31))["won_deals"] == 0


# --- quota over a chosen range (issue 20, item 1) ----------------------------------------------------


def test_a_quarter_quota_over_a_month_counts_the_months_share_of_its_days():
    b = Builder()
    b.quota(rep=REP, kind="quarter", start=Q4[0], target=90000)
    b.won(REP, "65200", date(2026, 11, 10))
    b.won(REP, "10200", date(2026, 10, 10))  # the quarter's, not November's
    row = b.ref.rep_rows([REP], *NOV)[REP]
    assert row["quota_target"] == pytest.approx(Decimal("29347.83"), abs=Decimal("0.01"))
    assert row["quota_stretch_target"] == pytest.approx(Decimal(112500) * 30 / 92, abs=Decimal("0.0001"))
    assert row["quota_achieved"] == Decimal(65200)
    assert round(row["attainment"], 1) == 222.2
    assert round(row["stretch_attainment"], 1) == 177.7
    assert row["pace"] == pytest.approx(row["attainment"] / (18 / 30))  # on 18 November
    b.org.now = datetime(2026, 12, 5, tzinfo=UTC)
    assert b.ref.rep_rows([REP], *NOV)[REP]["pace"] == pytest.approx(row["attainment"])  # a past range


def test_a_week_across_two_months_takes_each_months_share():
    b = Builder()
    b.quota(rep=REP, kind="month", start=date(2026, 11, 1), target=10000)
    b.quota(rep=REP, kind="month", start=date(2026, 12, 1), target=12400)
    row = b.ref.rep_rows([REP], date(2026, 11, 30), date(2026, 12, 6))[REP]
    assert round(row["quota_target"], 2) == Decimal("2733.33")


def test_the_finest_kind_of_quota_overlapping_the_range_is_the_one_prorated():
    b = Builder()
    b.quota(rep=REP, kind="month", start=date(2026, 11, 1), target=10000)
    b.quota(rep=REP, kind="quarter", start=Q4[0], target=90000)
    assert b.ref.rep_rows([REP], *Q4)[REP]["quota_target"] == Decimal(10000)
    week = b.ref.rep_rows([REP], date(2026, 11, 16), date(2026, 11, 22))[REP]
    assert week["quota_target"] == pytest.approx(Decimal(10000) * 7 / 30)


def test_a_year_over_quarterly_quotas_adds_up_the_quarters_and_paces_on_the_days_gone():
    b = Builder()
    b.quota(rep=REP, kind="quarter", start=date(2026, 7, 1), target=60000)
    b.quota(rep=REP, kind="quarter", start=Q4[0], target=90000)
    b.won(REP, "20000", date(2026, 3, 10))
    b.won(REP, "80000", date(2026, 11, 2))
    row = b.ref.rep_rows([REP], date(2026, 1, 1), date(2026, 12, 31))[REP]
    assert (row["quota_target"], row["quota_achieved"]) == (Decimal(150000), Decimal(100000))
    assert round(row["attainment"], 1) == 66.7
    assert row["pace"] == pytest.approx(100000 / (150000 * 322 / 365) * 100)


def test_revenue_quotas_come_before_won_deals_quotas_and_a_rep_with_only_those_shows_none():
    b = Builder()
    b.quota(rep=REP, kind="month", start=NOV[0], target=10000)
    b.quota(rep=TEAMMATE, kind="month", start=NOV[0], target=4, measure="won_deals")
    b.won(TEAMMATE, "100", date(2026, 11, 3))
    rows = b.ref.rep_rows([REP, TEAMMATE], *NOV)
    assert rows[REP]["quota_measure"] == "revenue"
    assert rows[TEAMMATE]["quota_target"] is None and rows[TEAMMATE]["attainment"] is None
    only_deals = b.ref.rep_rows([TEAMMATE], *NOV)[TEAMMATE]
    assert (only_deals["quota_achieved"], only_deals["attainment"]) == (Decimal(1), 25.0)


def test_a_zero_target_has_no_attainment():
    b = Builder()
    b.quota(rep=REP, kind="month", start=NOV[0], target=0)
    b.won(REP, "100", date(2026, 11, 3))
    row = b.ref.rep_rows([REP], *NOV)[REP]
    assert (row["quota_target"], row["attainment"], row["pace"]) == (Decimal(0), None, None)


# --- goal plans (issue 20, item 2) --------------------------------------------------------------------


def test_a_weekly_goal_over_a_month_counts_the_days_of_each_week_inside_it():
    b = Builder()
    b.goal(rep=REP, target=21, starts_on=date(2026, 1, 1))
    assert b.ref.rep_rows([REP], *NOV)[REP]["calls_goal"] == Decimal(90)


def test_a_ramped_goal_counts_its_target_for_that_week():
    b = Builder()
    b.goal(rep=REP, target=40, starts_on=date(2026, 11, 2), ramp_start=10, ramp_step=10)
    week = b.ref.rep_rows([REP], date(2026, 11, 16), date(2026, 11, 22))[REP]
    assert week["calls_goal"] == Decimal(30)
    b.goal(rep=TEAMMATE, frequency="month", target=100, starts_on=date(2026, 9, 15), ramp_start=50, ramp_step=20)
    assert b.ref.rep_rows([TEAMMATE], *NOV)[TEAMMATE]["calls_goal"] == Decimal(90)  # 50, 70, 90


def test_the_plan_is_rounded_to_whole_activities_and_the_percentage_taken_from_it():
    b = Builder()
    b.goal(rep=REP, frequency="month", target=89, starts_on=date(2026, 1, 1))
    for n in range(8):
        b.log(REP, "call", at(date(2026, 11, 2 + n % 6)), "no_answer")
    row = b.ref.rep_rows([REP], date(2026, 11, 2), date(2026, 11, 7))[REP]
    assert (row["calls_goal_count"], row["calls_goal"]) == (8, Decimal(18))
    assert round(row["calls_progress"]) == 44


def test_a_goal_that_started_this_quarter_shows_the_same_plan_and_count_over_the_quarter_and_the_year():
    b = Builder()
    b.goal(rep=REP, target=21, starts_on=date(2026, 11, 4))
    for day, n in ((date(2026, 10, 20), 5), (date(2026, 11, 3), 2), (date(2026, 11, 10), 4)):
        for _ in range(n):
            b.log(REP, "call", at(day), "no_answer")
    for first, last in (Q4, (date(2026, 1, 1), date(2026, 12, 31))):
        row = b.ref.rep_rows([REP], first, last)[REP]
        assert (row["calls"], row["calls_goal_count"], row["calls_goal"]) == (11, 6, Decimal(180))


def test_meetings_and_demos_goals_add_up_unless_one_covers_both_and_collective_parts_round_up():
    b = Builder()
    b.goal(rep=REP, metric="meeting", target=3, starts_on=date(2026, 1, 1))
    b.goal(rep=REP, metric="demo", target=2, starts_on=date(2026, 1, 1))
    b.goal(rep=TEAMMATE, metric="meeting", target=3, starts_on=date(2026, 1, 1))
    b.goal(rep=TEAMMATE, metric="meetings_demos", target=4, starts_on=date(2026, 1, 1))
    b.goal(team=EAST, metric="call", target=31, starts_on=date(2026, 1, 1), is_collective=True)
    b.goal(rep=REP, metric="call", target=50, starts_on=date(2026, 1, 1))
    rows = b.ref.rep_rows([REP, TEAMMATE], date(2026, 11, 16), date(2026, 11, 22))
    assert (rows[REP]["meetings_goal"], rows[TEAMMATE]["meetings_goal"]) == (Decimal(5), Decimal(4))
    assert (rows[REP]["calls_goal"], rows[TEAMMATE]["calls_goal"]) == (Decimal(50), Decimal(16))


# --- team totals and team attainment (issue 20, items 3 and 4) ---------------------------------------


def test_the_team_attainment_uses_the_teams_own_prorated_quota_and_leaves_a_leaver_out():
    b = Builder()
    b.quota(rep=REP, kind="month", start=NOV[0], target=10000)
    b.quota(rep=TEAMMATE, kind="month", start=NOV[0], target=20000)
    b.won(REP, "6000", date(2026, 11, 5))
    b.won(TEAMMATE, "12000", date(2026, 11, 6))
    ref = b.ref
    rows = list(ref.rep_rows([REP, TEAMMATE], *NOV).values())
    members = ref.team_total(rows, team_id=None, first=NOV[0], last=NOV[1])
    assert (members["quota_target"], members["attainment"]) == (Decimal(30000), 60.0)
    b.quota(team=EAST, kind="quarter", start=Q4[0], target=69000)
    ref = b.ref
    total = ref.team_total(rows, team_id=EAST, first=NOV[0], last=NOV[1])
    assert total["quota_target"] == pytest.approx(Decimal(22500))
    assert total["attainment"] == pytest.approx(80.0)
    assert ref.team_average(total, 2)["attainment"] == pytest.approx(80.0)
    # A rep who left is no row: their wins leave the total.
    b.org.people[TEAMMATE] = Person(TEAMMATE, EAST, "rep", False, ("Rep", "", "rep101"))
    page = b.ref.team_dashboard(team_id=EAST, first=NOV[0], last=NOV[1], trend_end=TODAY)
    assert page["reps"] == [REP]
    assert page["total"]["quota_achieved"] == page["total"]["won_amount"] == Decimal(6000)


def test_the_team_total_adds_up_the_rows_and_recomputes_ratios_from_the_sums():
    b = Builder()
    for outcome in ("connected", "connected", "connected", "no_answer"):
        b.log(REP, "call", at(date(2026, 11, 3)), outcome)
    for _ in range(4):
        b.log(TEAMMATE, "call", at(date(2026, 11, 3)), "no_answer")
    ref = b.ref
    total = ref.team_total(list(ref.rep_rows([REP, TEAMMATE], *NOV).values()), team_id=None, first=NOV[0], last=NOV[1])
    assert (total["calls"], total["connect_rate"]) == (8, 37.5)
    assert total["quota_target"] is None and total["calls_goal"] is None


def test_a_team_goal_that_started_in_the_range_counts_the_teams_calls_since_its_first_week():
    b = Builder()
    b.goal(team=EAST, target=10, starts_on=date(2026, 11, 10))
    for day, n in ((date(2026, 11, 3), 7), (date(2026, 11, 9), 3), (date(2026, 11, 20), 5)):
        for i in range(n):
            b.log((REP, TEAMMATE)[i % 2], "call", at(day), "no_answer")
    ref = b.ref
    rows = ref.rep_rows([REP, TEAMMATE], *NOV)
    assert rows[REP]["calls_goal"] is None  # a team goal that is not collective gives the reps no plan
    total = ref.team_total(list(rows.values()), team_id=EAST, first=NOV[0], last=NOV[1])
    assert (total["calls"], total["calls_goal_count"], total["calls_goal"]) == (15, 8, Decimal(31))
    assert round(total["calls_progress"]) == 26


# --- pipeline ------------------------------------------------------------------------------------------


def test_a_follow_up_counts_against_the_stage_the_deal_sat_in_when_it_happened():
    b = Builder()
    monday = date(2026, 11, 16)
    deal = b.deal(REP, (LEAD, at(monday, 9)), (QUALIFIED, at(monday + timedelta(days=2))))
    b.log(REP, "call", at(monday + timedelta(days=1)), "connected", deal=deal)
    b.log(REP, "call", at(monday, 8), "connected", deal=deal)  # before the deal existed: its first stage
    b.log(REP, "email", at(monday + timedelta(days=3)), "sent", deal=deal)
    b.log(TEAMMATE, "call", at(monday + timedelta(days=1)), "connected", deal=deal)
    flow = b.ref.stage_flow([REP, TEAMMATE], *cal.week(monday))
    assert (flow[REP, LEAD]["followups"], flow[REP, LEAD]["left_forward"]) == (2, 1)
    assert flow[REP, QUALIFIED]["followups"] == 1
    assert flow[TEAMMATE, LEAD]["followups"] == 1


def test_the_funnels_won_and_lost_stages_count_the_closed_deals_once_on_their_last_close():
    b = Builder()
    b.deal(REP, (LEAD, at(date(2026, 10, 1))), (WON, at(date(2026, 11, 4))), (DEMO, at(date(2026, 11, 5))),
           (WON, at(date(2026, 11, 10))), closed_on=date(2026, 11, 10))  # fmt: skip
    b.deal(REP, (LEAD, at(date(2026, 10, 1))), (WON, at(date(2026, 11, 6))), closed_on=date(2026, 11, 6))
    b.deal(REP, (LEAD, at(date(2026, 10, 1))), (WON, at(date(2026, 10, 20))), (LOST, at(date(2026, 11, 12))),
           closed_on=date(2026, 11, 12))  # fmt: skip
    b.deal(TEAMMATE, (LEAD, at(date(2026, 10, 1))), (LOST, at(date(2026, 11, 9))), closed_on=date(2026, 11, 9))
    stages = b.ref.stage_figures([REP, TEAMMATE], *NOV, closed=True)
    assert (stages[REP, WON]["entered"], stages[REP, WON]["won"]) == (2, 2)
    assert stages[REP, LOST]["entered"] + stages[TEAMMATE, LOST]["entered"] == 2
    assert stages[REP, LOST]["won"] == 0
    custom = b.ref.stage_figures([REP, TEAMMATE], date(2026, 11, 5), date(2026, 11, 11), closed=True)
    assert (custom[REP, WON]["entered"], custom[TEAMMATE, LOST]["entered"]) == (2, 1)
    stored = b.ref.stage_flow([REP, TEAMMATE], *NOV)  # the stored figures count entries, once per deal
    assert stored[REP, WON]["entered"] == 2
    assert b.ref.stage_flow([REP], date(2026, 10, 1), date(2026, 10, 31))[REP, WON]["entered"] == 1


def test_conversion_leakage_still_open_and_days_in_stage():
    b = Builder()
    week = cal.week(date(2026, 11, 9))
    b.deal(REP, (LEAD, at(week[0])), (QUALIFIED, at(week[0] + timedelta(days=2))))
    b.deal(REP, (LEAD, at(week[0])), (LOST, at(week[0] + timedelta(days=4))))
    b.deal(REP, (LEAD, at(week[0])))
    lead = b.ref.stage_flow([REP], *week)[REP, LEAD]
    assert (lead["entered"], lead["advanced"], lead["lost"], lead["still_open"]) == (3, 1, 1, 1)
    assert (lead["stays"], lead["stay_days"], lead["left_forward"]) == (2, 6.0, 1)


def test_a_deal_back_and_forth_is_entered_and_advanced_once_per_period_and_a_backwards_move_is_no_advance():
    b = Builder()
    week = cal.week(date(2026, 11, 9))
    day = week[0]
    b.deal(
        REP,
        (LEAD, at(day)),
        (QUALIFIED, at(day, 11)),
        (LEAD, at(day, 12)),
        (QUALIFIED, at(day, 13)),
        (DEMO, at(day + timedelta(days=1))),
        (LEAD, at(day + timedelta(days=2))),
    )
    flow = b.ref.stage_flow([REP], *week)
    assert (flow[REP, LEAD]["entered"], flow[REP, LEAD]["advanced"]) == (1, 1)
    assert (flow[REP, QUALIFIED]["entered"], flow[REP, QUALIFIED]["advanced"]) == (1, 1)
    assert (flow[REP, DEMO]["entered"], flow[REP, DEMO]["advanced"], flow[REP, DEMO]["left_forward"]) == (1, 0, 0)
    assert flow[REP, LEAD]["stays"] == 2 and flow[REP, LEAD]["left_forward"] == 1


def test_a_deal_that_left_a_stage_and_came_back_later_is_still_open_in_the_first_period_too():
    # docs/metrics.md "still open": of the deals that entered S in the period, those still in S now.
    b = Builder()
    b.deal(REP, (LEAD, at(date(2026, 10, 1))), (DEMO, at(date(2026, 10, 5))), (LEAD, at(date(2026, 10, 10))),
           (DEMO, at(date(2026, 11, 3))))  # fmt: skip
    october = b.ref.stage_flow([REP], date(2026, 10, 1), date(2026, 10, 31))
    november = b.ref.stage_flow([REP], *NOV)
    assert october[REP, DEMO]["still_open"] == november[REP, DEMO]["still_open"] == 1


def test_a_custom_range_sums_the_weeks_that_start_inside_it():
    b = Builder()
    b.deal(REP, (LEAD, at(date(2026, 11, 3))))  # the week of 2 November: starts before the range
    b.deal(REP, (LEAD, at(date(2026, 11, 10))))
    b.deal(REP, (LEAD, at(date(2026, 11, 19))))  # the week of 16 November: counted whole
    stages = b.ref.stage_figures([REP], date(2026, 11, 4), date(2026, 11, 17), closed=True)
    assert stages[REP, LEAD]["entered"] == 2


def test_stale_after_twice_the_median_stay_unless_the_stage_rots_sooner():
    b = Builder()
    start = NOW - timedelta(days=40)
    for days in (1, 2, 4.5, 10):
        b.deal(OUTSIDER, (DEMO, start), (PROPOSAL, start + timedelta(days=days)))
    b.deal(OUTSIDER, (DEMO, NOW - timedelta(days=400)), (PROPOSAL, NOW - timedelta(days=300)))  # too old
    old = b.deal(REP, (DEMO, NOW - timedelta(days=7)), amount="4000.50")
    b.deal(REP, (DEMO, NOW - timedelta(days=6)))
    ref = b.ref
    assert ref.stale_threshold(DEMO) == 6.5
    assert ref.stale_threshold(LEAD) is None
    week = ref.my_week(REP)
    assert [deal for deal, _age, _limit in week["stale"]] == [old]
    assert ref.pipeline([REP], ref.thresholds())["stale_deals"] == 1
    assert week["pipeline"][DEMO] == (2, Decimal("5000.50"), Decimal("2500.25"))


# --- My week and the one-on-one page -------------------------------------------------------------------


def test_my_week_goals_and_quotas():
    b = Builder()
    b.goal(rep=REP, target=50, starts_on=date(2026, 1, 1))
    b.goal(team=EAST, target=9, starts_on=date(2026, 1, 1), is_collective=True, priority=2)
    for _ in range(12):
        b.log(REP, "call", at(date(2026, 11, 17)), "no_answer")
    b.log(TEAMMATE, "call", at(date(2026, 11, 16)), "no_answer")
    b.quota(rep=REP, kind="month", start=NOV[0], target=10000)
    b.quota(rep=REP, kind="quarter", start=Q4[0], target=30000)
    b.won(REP, "6000", date(2026, 11, 10))
    b.won(REP, "4500", date(2026, 10, 10))
    week = b.ref.my_week(REP)
    own, team = week["goals"].values()
    assert (own["count"], own["target"]) == (12, 50)
    assert (team["count"], team["target"], team["members"]) == (13, 9, {REP: (12, 5), TEAMMATE: (1, 5)})
    month, quarter = week["quotas"].values()
    assert (month["achieved"], month["attainment"], month["stretch_attainment"]) == (
        Decimal(6000),
        Decimal("0.6"),
        Decimal("0.48"),
    )
    assert month["pace"] == pytest.approx(Decimal("0.6") / (Decimal(18) / 30))
    assert quarter["attainment"] == Decimal("0.35")
    assert quarter["pace"] == pytest.approx(Decimal("0.35") / (Decimal(49) / 92))


def test_goal_history_never_shows_a_period_wholly_before_the_goal_started():
    b = Builder()
    b.goal(rep=REP, target=5, starts_on=date(2026, 11, 4))
    b.goal(rep=REP, frequency="month", target=5, starts_on=date(2026, 1, 1))
    weekly, monthly = b.ref.goal_history(REP).values()
    assert [p["start"] for p in weekly] == [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)]
    assert [p["start"] for p in monthly] == [date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1), NOV[0]]


def test_the_one_on_one_average_divides_the_team_sums_by_its_reps():
    b = Builder()
    for n, outcome in enumerate(["connected"] * 4 + ["no_answer"] * 6):
        b.log(REP, "call", at(date(2026, 11, 2 + n % 5)), outcome)
    for n, outcome in enumerate(["connected"] * 5 + ["no_answer"] * 15):
        b.log(TEAMMATE, "call", at(date(2026, 11, 2 + n % 5)), outcome)
    page = b.ref.one_on_one(REP, *NOV)
    assert (page["row"]["calls"], page["row"]["connect_rate"]) == (10, 40.0)
    assert (page["average"]["calls"], page["average"]["connect_rate"]) == (15, 30.0)
    assert b.ref.one_on_one(OUTSIDER, *NOV)["team_size"] == 1
