"""My week: the rep's home page, checked against figures worked out by hand.

The clock is frozen on Wednesday 18 November 2026, 12:00 UTC (fiscal year from
January): the week runs Monday 16 to Sunday 22 November (3 of 7 days gone, 3
working days left), the month 1 to 30 November (18 of 30 days gone, 9 working
days left, 3 calendar weeks left), the quarter 1 October to 31 December (49 of
92 days gone, 7 weeks left).
"""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from activities import services as activity_services
from dashboards import rollups
from dashboards.selectors.rep import working_days_left
from quotas.models import ActivityGoal, OrgSettings, Quota
from quotas.periods import Period
from tests.dashboards.helpers import pipeline_with_stale_demos, stuck_demo
from tests.factories import make_deal, stage
from tests.helpers import NOW, at

TODAY = NOW.date()


def log(owner, kind, day, outcome="", minutes=0, hour=9):
    moment = at(day, hour)
    created = moment if moment <= NOW else NOW
    return activity_services.activity_log(
        owner=owner,
        by=owner,
        kind=kind,
        outcome=outcome,
        occurred_at=moment,
        duration_minutes=minutes,
        created_at=created,
    )


@pytest.fixture
def week_data(frozen, rep, teammate, team):
    """The fixture of every figure below (see each test for the hand computation)."""
    OrgSettings.load()
    pipeline = pipeline_with_stale_demos()
    proposal = stage(pipeline, "Proposal")
    proposal.rotting_days = 30
    proposal.save()

    # Goals, created out of priority order.
    ActivityGoal.objects.create(
        rep=rep,
        metric="email",
        frequency="week",
        target=40,
        ramp_start=10,
        ramp_step=10,
        starts_on=date(2026, 11, 9),
        priority=3,
    )
    ActivityGoal.objects.create(rep=rep, metric="call", frequency="week", target=50, priority=1)
    ActivityGoal.objects.create(
        team=team, metric="meeting", frequency="month", target=20, is_collective=True, priority=2
    )

    # Calls: 4 on each of Mon, Tue, Wed this week (2 connected today, 5 minutes each), 5 last week, 38 in September.
    for day in (date(2026, 11, 16), date(2026, 11, 17), TODAY):
        for n in range(4):
            connected = day == TODAY and n < 2
            log(rep, "call", day, "connected" if connected else "no_answer", minutes=5)
    for n in range(5):
        log(rep, "call", date(2026, 11, 10 + n), "no_answer")
    for n in range(38):
        log(rep, "call", date(2026, 9, 1 + n % 28), "no_answer")
    log(rep, "email", TODAY, "replied", minutes=3)

    # Meetings held: 4 in November, 6 in September; one more booked today for 2 December.
    for n in range(4):
        log(rep, "meeting", date(2026, 11, 2 + n), "held", minutes=30)
    for n in range(6):
        log(rep, "meeting", date(2026, 9, 7 + n), "positive", minutes=30)
    log(rep, "meeting", date(2026, 12, 2), "scheduled", hour=10)
    for n in range(2):
        log(teammate, "meeting", date(2026, 11, 10 + n), "held")

    # Won: 4,500 on 20 October, 3,000 on 5 and on 17 November.
    for closed, amount in ((date(2026, 10, 20), "4500"), (date(2026, 11, 5), "3000"), (date(2026, 11, 17), "3000")):
        make_deal(
            owner=rep, pipeline=pipeline, stage_name="Won", amount=amount, closed_on=closed, created_at=at(closed)
        )
    # Open: two leads, a demo sitting 10 days (stale after 7), a proposal 3 days (stale after 30).
    make_deal(owner=rep, pipeline=pipeline, stage_name="Lead", amount="1000", title="Lead one")
    make_deal(owner=rep, pipeline=pipeline, stage_name="Lead", amount="2000", title="Lead two")
    stuck_demo(rep, pipeline)
    make_deal(
        owner=rep,
        pipeline=pipeline,
        stage_name="Proposal",
        amount="5000",
        title="Fresh proposal",
        created_at=NOW - timedelta(days=3),
    )
    make_deal(
        owner=teammate,
        pipeline=pipeline,
        stage_name="Demo",
        amount="99000",
        title="Not mine",
        created_at=NOW - timedelta(days=20),
    )

    Quota.objects.create(rep=rep, period_kind="month", period_start=date(2026, 11, 1), target=Decimal("10000"))
    Quota.objects.create(rep=rep, period_kind="quarter", period_start=date(2026, 10, 1), target=Decimal("30000"))
    rollups.rebuild()
    return {"pipeline": pipeline}


def _page(client_as, user):
    response = client_as(user).get(reverse("dashboards:my_week"))
    assert response.status_code == 200
    return response


def test_working_days_left_counts_weekdays_from_today():
    week = Period.containing(TODAY, "week")
    assert working_days_left(week, TODAY) == 3  # Wed, Thu, Fri
    assert working_days_left(Period.containing(TODAY, "month"), TODAY) == 9
    # On Saturday no working day is left in the week: the calendar days are used.
    assert working_days_left(week, date(2026, 11, 21)) == 2


def test_it_lists_goals_in_priority_order_with_progress_pace_and_left_per_day(client_as, rep, week_data):
    goals = _page(client_as, rep).context["week"].goals
    assert [line.goal.metric for line in goals] == ["call", "meeting", "email"]
    calls, meetings, emails = goals
    # Calls: 12 this week of 50; pace 12 / (50 x 3/7) = 56%; 38 left over 3 working days = 13 a day.
    assert (calls.progress.count, calls.progress.target) == (12, 50)
    assert round(calls.progress.pace * 100) == 56
    assert (calls.left, calls.days_left, calls.per_day) == (38, 3, 13)
    # Meetings (collective team goal): 4 + 2 = 6 of 20, pace 6 / (20 x 18/30) = 50%;
    # my part is 10, 4 done, 6 left over 9 days.
    assert (meetings.progress.count, meetings.progress.target) == (6, 20)
    assert round(meetings.progress.pace * 100) == 50
    assert (meetings.own.count, meetings.own.part) == (4, 10)
    assert (meetings.left, meetings.days_left, meetings.per_day) == (6, 9, 1)
    # Emails: ramped from 10 (week of 9 Nov) by 10: 20 this week, then 30, 40.
    assert (emails.progress.count, emails.progress.target, emails.upcoming) == (1, 20, (30, 40))
    assert (emails.left, emails.per_day) == (19, 7)


def test_it_shows_the_goal_figures_on_the_page(client_as, rep, week_data):
    body = _page(client_as, rep).content.decode()
    assert "12 / 50" in body and "6 / 20" in body and "1 / 20" in body
    assert "Your part: 4 of 10" in body
    assert "ramping to 40" in body


def test_it_shows_quota_attainment_pace_and_stretch(client_as, rep, week_data):
    month, quarter = _page(client_as, rep).context["week"].quotas
    # Month: 6,000 of 10,000 = 60%, pace 60% / (18/30) = 100%, stretch 6,000 / 12,500 = 48%.
    assert (month.period.kind, month.achieved, month.attainment) == ("month", Decimal("6000"), Decimal("0.6"))
    assert month.pace == Decimal(1)
    assert month.stretch_attainment == Decimal("0.48")
    # Quarter: 10,500 of 30,000 = 35%, pace 35% / (49/92) = 65.7%, stretch 10,500 / 37,500 = 28%.
    assert (quarter.achieved, quarter.attainment) == (Decimal("10500"), Decimal("0.35"))
    assert round(quarter.pace * 100, 1) == Decimal("65.7")
    assert quarter.stretch_attainment == Decimal("0.28")


def test_it_works_out_deals_meetings_and_calls_still_needed_from_the_reps_history(client_as, rep, week_data):
    week = _page(client_as, rep).context["week"]
    # Trailing 180 days: 3 won for 10,500 (average 3,500), 10 meetings held (meeting -> won 30%),
    # 11 booked for 55 calls (call -> meeting 20%): enough history to use the rep's own rates.
    assert week.rates.average_deal.value == Decimal("3500")
    assert week.rates.meeting_to_win.value == Decimal("0.3")
    assert week.rates.call_to_meeting.value == Decimal("0.2")
    assert str(week.rates.average_deal.source) == "rep history"
    month, quarter = week.quotas
    # Month gap 4,000: 2 deals, 7 meetings, 35 calls; 3 weeks left.
    assert (month.funnel.deals, month.funnel.meetings, month.funnel.calls) == (2, 7, 35)
    assert (month.funnel.deals_per_week, month.funnel.meetings_per_week, month.funnel.calls_per_week) == (1, 3, 12)
    # Quarter gap 19,500: 6 deals, 20 meetings, 100 calls; 7 weeks left.
    assert (quarter.funnel.deals, quarter.funnel.meetings, quarter.funnel.calls) == (6, 20, 100)
    assert quarter.funnel.calls_per_week == 15


def test_it_shows_the_open_pipeline_by_stage_with_weighted_value(client_as, rep, week_data):
    week = _page(client_as, rep).context["week"]
    stages = [(s.stage, s.deals, s.value, s.weighted) for s in week.pipeline.stages]
    assert stages == [
        ("Lead", 2, Decimal("3000"), Decimal("300.00")),
        ("Demo", 1, Decimal("10000"), Decimal("5000.00")),
        ("Proposal", 1, Decimal("5000"), Decimal("3500.00")),
    ]
    assert (week.pipeline.deals, week.pipeline.value, week.pipeline.weighted) == (4, Decimal("18000"), Decimal("8800"))
    body = _page(client_as, rep).content.decode()
    assert "18,000" in body and "8,800" in body


def test_it_lists_only_the_reps_stale_deals_with_days_in_stage(client_as, rep, week_data):
    week = _page(client_as, rep).context["week"]
    assert [(d.title, round(d.age_days)) for d in week.stale] == [("Stuck demo", 10)]
    assert "Not mine" not in _page(client_as, rep).content.decode()


def test_it_shows_upcoming_meetings_and_todays_activity(client_as, rep, week_data):
    week = _page(client_as, rep).context["week"]
    assert [m.occurred_at for m in week.upcoming] == [at(date(2026, 12, 2), 10)]
    kinds = {k.kind: (k.count, k.minutes, k.connected, k.replied, k.booked) for k in week.day.kinds}
    # Today: 4 calls (2 connected, 20 minutes), 1 email replied, and the meeting booked for December.
    assert kinds == {"call": (4, 20, 2, 0, 0), "email": (1, 3, 0, 1, 0), "meeting": (0, 0, 0, 0, 1)}
    assert (week.day.count, week.day.minutes) == (5, 23)


def test_it_says_when_the_figures_were_last_refreshed(client_as, rep, week_data):
    response = _page(client_as, rep)
    assert response.context["week"].refreshed_at == NOW
    assert "Figures last refreshed" in response.content.decode()


def test_it_shows_a_manager_their_own_empty_week(client_as, manager, frozen):
    body = _page(client_as, manager).content.decode()
    assert "No activity goals set" in body and "No quota set" in body and "No open deals" in body
    assert "Figures not computed yet" in body


def test_it_exports_every_table_as_csv(client_as, rep, week_data):
    client = client_as(rep)
    expected_first = {
        "goals": ["1", "Calls per week", "me", "2026-W47", "12", "50", "24.0", "56.0", "38", "13"],
        "quotas": ["2026-11", "Revenue", "10000.00", "6000.00", "60.0", "100.0", "48.0", "2", "7", "35"],
        "pipeline": ["New business", "Lead", "2", "3000.00", "300.00"],
        "stale": None,
        "upcoming": None,
        "today": ["Call", "4", "20", "2", "0", "0", "0"],
    }
    for table, first in expected_first.items():
        response = client.get(reverse("dashboards:my_week_export", args=[table]))
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
        assert len(rows) >= 2, table
        if first:
            assert rows[1] == first, table
    assert client.get(reverse("dashboards:my_week_export", args=["nothing"])).status_code == 404


def test_it_neutralises_formulas_in_exported_cells(client_as, rep, frozen):
    make_deal(owner=rep, stage_name="Demo", amount="10", title="=HYPERLINK(1)", created_at=NOW - timedelta(days=1))
    body = b"".join(client_as(rep).get(reverse("dashboards:my_week_export", args=["pipeline"])).streaming_content)
    assert b"=" not in body.replace(b"'=", b"")


def _grow(rep, teammate, pipeline, n):
    """More of everything: n calls, n open deals and n won deals (same pipeline and stages)."""
    for i in range(n):
        log(rep, "call", date(2026, 11, 16 + i % 3), "connected")
        make_deal(owner=rep, pipeline=pipeline, stage_name="Demo", amount="100", created_at=NOW - timedelta(days=9))
        make_deal(owner=rep, pipeline=pipeline, stage_name="Won", amount="100", closed_on=date(2026, 11, 2 + i % 10))
        log(teammate, "email", date(2026, 11, 17), "sent")
    rollups.rebuild()


def test_it_builds_the_page_in_a_fixed_number_of_queries(
    client_as, rep, teammate, week_data, django_assert_num_queries
):
    client = client_as(rep)
    client.get(reverse("dashboards:my_week"))  # warm the session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(reverse("dashboards:my_week"))
    expected = len(small.captured_queries)  # read now: the next request resets the query log
    _grow(rep, teammate, week_data["pipeline"], 20)
    client.get(reverse("dashboards:my_week"))  # the new stage changes: the stage medians are taken again
    with django_assert_num_queries(expected):
        response = client.get(reverse("dashboards:my_week"))
    assert response.context["week"].pipeline.deals == 24
    # Two of them: the neglected accounts (portfolio), their counts and the first five with their last touch.
    assert expected <= 23
