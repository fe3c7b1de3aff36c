"""The activity rollup (dashboards/rollups/tables/activity.py) against METRICS.md, worked out by hand:
counts, minutes and outcomes per rep, day and kind."""

from datetime import date, timedelta

import pytest

from activities import services as activity_services
from activities.models import SELLING_KINDS
from dashboards import rollups
from dashboards.models import ActivityDay, ClosedDay, DirtyMark, StageRollup
from tests.dashboards.rollups.helpers import MON, activity_rows, drained_clean, log
from tests.factories import CompanyFactory
from tests.helpers import at

pytestmark = pytest.mark.django_db


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


def test_it_sums_a_reps_day_by_kind(rep):
    log(rep, "call", "connected", minutes=5)
    log(rep, "call", "no_answer", minutes=1)
    log(rep, "email", "replied")
    log(rep, "meeting", "positive", minutes=30)
    rollups.drain()
    calls = ActivityDay.objects.get(rep=rep, day=MON, kind="call")
    assert (calls.count, calls.minutes, calls.connected) == (2, 6, 1)
    meeting = ActivityDay.objects.get(rep=rep, day=MON, kind="meeting")
    assert (meeting.count, meeting.held, meeting.positive, meeting.booked) == (1, 1, 1, 1)
    assert DirtyMark.objects.count() == 0
    assert rollups.verify() == []


def test_a_meeting_counts_as_booked_on_the_day_it_was_logged(rep):
    log(rep, "meeting", "scheduled", day=date(2026, 3, 6), created=at(MON))
    rollups.drain()
    assert ActivityDay.objects.get(rep=rep, day=MON, kind="meeting").booked == 1
    friday = ActivityDay.objects.get(rep=rep, day=date(2026, 3, 6), kind="meeting")
    assert (friday.count, friday.booked) == (1, 0)


def test_deleting_the_last_activity_of_a_day_removes_its_row(rep):
    activity = log(rep, "call", "connected")
    rollups.drain()
    activity_services.activity_delete(activity=activity, by=rep)
    rollups.drain()
    assert not ActivityDay.objects.filter(rep=rep).exists()
