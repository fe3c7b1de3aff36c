"""One bad row or one failing key never stops the dashboards of everyone else (issue 25).

Rows dated far outside the accepted window (year 1, year 9999) are written straight
to the database here, past every form's validation, as an old row or a forgotten
path would have them."""

import logging
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.db.models import Max, Min
from django.utils import timezone

from activities import services as activity_services
from activities.models import Activity
from dashboards import marks, rollups
from dashboards.models import ActivityDay, Attainment, ClosedDay, DirtyMark, PeriodDay, Scope
from dashboards.rollups import draining
from pipeline.models import Deal, StageChange
from quotas.models import Quota
from salestracker.dates import EARLIEST_DAY, latest_day
from tests.factories import make_deal, stage

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 2)
FAR_FUTURE = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)
YEAR_ONE = datetime(1, 1, 1, 0, 30, tzinfo=UTC)


def log_call(rep, day=DAY):
    return activity_services.activity_log(
        owner=rep,
        by=rep,
        kind="call",
        outcome="connected",
        occurred_at=datetime(day.year, day.month, day.day, 10, tzinfo=UTC),
    )


def bad_meeting(rep, moment: datetime) -> Activity:
    """A meeting at ``moment``, written past validation, and its marks, as a writer would leave them."""
    activity = Activity.objects.create(
        owner=rep,
        kind="meeting",
        outcome="scheduled",
        occurred_at=moment,
        day=moment.date(),
        created_at=timezone.now(),
        created_day=timezone.localdate(),
    )
    marks.mark_days(Scope.ACTIVITY, [(rep.pk, moment.date()), (rep.pk, timezone.localdate())])
    marks.mark_days(Scope.PIPELINE, [(rep.pk, moment.date())])
    return activity


def bad_deal_history(rep, day: date) -> Deal:
    """A deal won on ``day``, with its stage change on that day, and a quota whose period starts then."""
    deal = make_deal(owner=rep, amount="500", closed_on=DAY)
    StageChange.objects.create(
        deal=deal,
        from_stage=deal.stage,
        to_stage=stage(deal.pipeline, "Won"),
        changed_at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
        from_entered_at=deal.created_at,
        day=day,
        owner=rep,
    )
    Deal.objects.filter(pk=deal.pk).update(stage=stage(deal.pipeline, "Won"), closed_on=day)
    Quota.objects.create(rep=rep, period_kind="month", period_start=day.replace(day=1), target=Decimal("100"))
    marks.mark_days(Scope.PIPELINE, [(rep.pk, day)])
    return deal


def calendar_span() -> tuple[date, date]:
    span = PeriodDay.objects.aggregate(first=Min("day"), last=Max("day"))
    return span["first"], span["last"]


def assert_calendar_within_the_window():
    first, last = calendar_span()
    # Whole fiscal years around the window, a week more each side: never years beyond it.
    assert first >= EARLIEST_DAY - timedelta(days=380)
    assert last <= latest_day() + timedelta(days=380)


@pytest.mark.parametrize("moment", [FAR_FUTURE, YEAR_ONE], ids=["year-9999", "year-1"])
def test_a_bad_date_beside_a_good_one_does_not_stop_the_drain(rep, teammate, moment):
    log_call(rep)
    bad_meeting(teammate, moment)
    rollups.drain()
    assert ActivityDay.objects.get(rep=rep, day=DAY, kind="call").count == 1
    assert not DirtyMark.objects.exists()
    assert_calendar_within_the_window()
    assert rollups.verify() == []


def test_a_meeting_in_year_3500_builds_no_calendar_beyond_the_window(rep):
    bad_meeting(rep, datetime(3500, 6, 1, 10, tzinfo=UTC))
    rollups.drain()
    assert_calendar_within_the_window()
    assert PeriodDay.objects.count() < 4 * 366 * 40


@pytest.mark.parametrize("day", [date(9999, 12, 31), date(1, 1, 1)], ids=["year-9999", "year-1"])
def test_rebuild_drain_and_verify_agree_on_rows_outside_the_window(rep, teammate, day):
    log_call(rep)
    bad_meeting(teammate, datetime(day.year, day.month, day.day, 0, 30, tzinfo=UTC))
    bad_deal_history(teammate, day)
    rollups.drain()
    drained = sorted(ClosedDay.objects.values_list("rep_id", "day", "deals"))
    assert rollups.verify() == []

    rollups.rebuild()
    assert_calendar_within_the_window()
    assert rollups.verify() == []
    # The day tables keep what happened on any day; figures by period leave those days out.
    assert sorted(ClosedDay.objects.values_list("rep_id", "day", "deals")) == drained
    assert (teammate.pk, day, 1) in drained
    assert ActivityDay.objects.filter(rep=teammate, day=day, kind="meeting").exists()
    assert Attainment.objects.get(quota__rep=teammate).achieved == 0


# --- a key whose refresh fails -------------------------------------------------------


@pytest.fixture
def poisoned(monkeypatch, teammate):
    """Every refresh that includes a mark of ``teammate`` fails, as a poison row would make it."""
    real = draining._refresh_claimed
    calls = []

    def refresh(token):
        calls.append(token)
        if DirtyMark.objects.filter(claim=token, rep_id=teammate.pk).exists():
            raise ValueError("poison row")
        real(token)

    monkeypatch.setattr(draining, "_refresh_claimed", refresh)
    return calls


def test_a_failing_key_is_set_aside_and_the_others_refresh(rep, teammate, outsider, poisoned):
    log_call(rep)
    log_call(outsider)
    log_call(teammate)
    good = DirtyMark.objects.exclude(rep_id=teammate.pk).count()
    assert rollups.drain() == good
    assert ActivityDay.objects.filter(rep=rep).exists()
    assert ActivityDay.objects.filter(rep=outsider).exists()
    assert not ActivityDay.objects.filter(rep=teammate).exists()
    left = list(DirtyMark.objects.all())
    assert {mark.rep_id for mark in left} == {teammate.pk}
    for mark in left:
        assert mark.attempts == 1 and mark.claim is None
        assert mark.failed_at is not None and mark.retry_at > timezone.now()
        assert "ValueError: poison row" in mark.error


def test_a_set_aside_key_costs_later_drains_nothing_until_it_is_due(rep, teammate, poisoned):
    log_call(teammate)
    rollups.drain()
    tries = len(poisoned)
    log_call(rep)
    rollups.drain()
    assert len(poisoned) == tries + 1  # the new mark's batch alone
    assert ActivityDay.objects.filter(rep=rep).exists()
    assert DirtyMark.objects.failed().filter(rep_id=teammate.pk).exists()


def test_a_set_aside_key_is_retried_when_due_and_backs_off_further(teammate, poisoned):
    log_call(teammate)
    rollups.drain()
    first = DirtyMark.objects.failed().filter(scope=Scope.ACTIVITY, day=DAY).get()
    DirtyMark.objects.update(retry_at=timezone.now() - timedelta(seconds=1))
    rollups.drain()
    second = DirtyMark.objects.failed().filter(scope=Scope.ACTIVITY, day=DAY).get()
    assert second.attempts == 2
    assert second.retry_at - second.failed_at > first.retry_at - first.failed_at


def test_a_set_aside_key_refreshes_once_its_fault_is_gone(teammate, poisoned, monkeypatch):
    log_call(teammate)
    rollups.drain()
    monkeypatch.undo()
    DirtyMark.objects.update(retry_at=timezone.now() - timedelta(seconds=1))
    rollups.drain()
    assert ActivityDay.objects.filter(rep=teammate).exists()
    assert not DirtyMark.objects.exists()


def test_a_failing_key_is_logged_once_per_failure_not_per_drain(rep, teammate, poisoned, caplog):
    log_call(teammate)
    with caplog.at_level(logging.WARNING, logger="dashboards.rollups"):
        rollups.drain()
        log_call(rep)
        rollups.drain()
    failures = [record.getMessage() for record in caplog.records if record.name == "dashboards.rollups"]
    # One line per key set aside (the call's day and the day it was logged), none from the second drain.
    keys = set(DirtyMark.objects.failed().values_list("scope", "day"))
    assert len(failures) == len(keys) > 0
    assert all(f"rep {teammate.pk}, day " in line for line in failures)


def test_a_lost_database_connection_is_not_taken_for_a_poison_key(rep, monkeypatch):
    log_call(rep)

    def refresh(token):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(draining, "_refresh_claimed", refresh)
    with pytest.raises(OperationalError):
        rollups.drain()
    assert not DirtyMark.objects.failed().exists()
    assert not DirtyMark.objects.filter(claim__isnull=False).exists()


def test_a_failing_rebuild_is_set_aside_and_the_keys_still_refresh(rep, monkeypatch):
    marks.mark_all()
    log_call(rep)

    def rebuild(**kwargs):
        raise ValueError("broken rebuild")

    monkeypatch.setattr(draining, "rebuild", rebuild)
    rollups.drain()
    assert ActivityDay.objects.filter(rep=rep).exists()
    assert DirtyMark.objects.failed().get().scope == Scope.ALL


def test_the_drain_command_names_the_keys_it_set_aside(rep, teammate, poisoned):
    log_call(rep)
    log_call(teammate)
    out, err = StringIO(), StringIO()
    call_command("rollups", "drain", stdout=out, stderr=err)
    assert "Drained" in out.getvalue()
    assert f"Set aside: activity rep {teammate.pk} day {DAY}" in err.getvalue()
    assert "ValueError: poison row" in err.getvalue()
    assert f"rep {rep.pk} " not in err.getvalue()
