"""Time spent per activity kind for the period a page shows (docs/metrics.md "Activity", "time spent"):
minutes by kind and the selling time share, on My week (the rep's week) and on the one-on-one page (the
range picked), against figures worked out by hand.

The clock is frozen on Wednesday 18 November 2026, 12:00 UTC: the week runs Monday 16 to Sunday 22
November. The rep logged, this week, calls of 30 (Monday) and 20 minutes (today), an email of 10 and 40
minutes of admin (Tuesday); last Friday (13 November) a call of 60 minutes; in October a call of 15. A
meeting booked today for 2 December counts as booked today but is dated in December. The teammate's
100-minute call is theirs.

- This week: calls 50 (2), email 10, admin 40: 100 minutes, selling 60 = 60%; calls are 50% of the time.
- This month: calls 110 (3), email 10, admin 40: 160 minutes, selling 120 = 75%.
"""

from datetime import date

import pytest
from django.urls import reverse

from activities import services as activity_services
from dashboards import rollups
from dashboards.selectors.time_spent import time_spent
from tests.helpers import NOW, at


def log(owner, kind, day, minutes, outcome="", hour=9):
    moment = at(day, hour)
    return activity_services.activity_log(
        owner=owner,
        by=owner,
        kind=kind,
        outcome=outcome,
        occurred_at=moment,
        duration_minutes=minutes,
        created_at=min(moment, NOW),
    )


@pytest.fixture
def logged(frozen, rep, teammate, team):
    log(rep, "call", date(2026, 11, 16), 30, "connected")
    log(rep, "call", date(2026, 11, 18), 20, "no_answer", hour=8)
    log(rep, "email", date(2026, 11, 17), 10, "sent")
    log(rep, "admin", date(2026, 11, 17), 40)
    log(rep, "call", date(2026, 11, 13), 60, "connected")
    log(rep, "call", date(2026, 10, 20), 15, "connected")
    log(rep, "meeting", date(2026, 12, 2), 45, "scheduled")
    log(teammate, "call", date(2026, 11, 16), 100, "connected")
    rollups.rebuild()


def _minutes(spent) -> dict[str, tuple[int, int]]:
    return {k.kind: (k.minutes, k.count) for k in spent.kinds}


def test_it_sums_the_minutes_by_kind_over_the_range(rep, logged):
    spent = time_spent(rep_ids=[rep.pk], start=date(2026, 11, 16), end=date(2026, 11, 22))
    assert _minutes(spent) == {"call": (50, 2), "email": (10, 1), "admin": (40, 1)}
    assert [k.kind for k in spent.kinds] == ["call", "email", "admin"]  # selling kinds first
    assert spent.minutes == 100
    assert spent.selling_minutes == 60
    assert spent.selling_share == pytest.approx(60.0)
    assert [k.share for k in spent.kinds] == pytest.approx([50.0, 10.0, 40.0])
    assert spent.computed_at is not None


def test_it_counts_each_activity_on_the_day_it_happened(rep, logged):
    month = time_spent(rep_ids=[rep.pk], start=date(2026, 11, 1), end=date(2026, 11, 30))
    assert _minutes(month) == {"call": (110, 3), "email": (10, 1), "admin": (40, 1)}
    assert month.selling_share == pytest.approx(75.0)  # 120 / 160
    december = time_spent(rep_ids=[rep.pk], start=date(2026, 12, 1), end=date(2026, 12, 31))
    assert _minutes(december) == {"meeting": (45, 1)}


def test_nothing_logged_has_no_selling_share(rep, logged):
    spent = time_spent(rep_ids=[rep.pk], start=date(2026, 8, 1), end=date(2026, 8, 31))
    assert spent.kinds == []
    assert spent.minutes == 0
    assert spent.selling_share is None  # shown "—", never 0%


def test_my_week_shows_the_weeks_time_by_kind(client_as, rep, logged):
    response = client_as(rep).get(reverse("dashboards:my_week"))
    spent = response.context["time_spent"]
    assert (spent.start, spent.end) == (date(2026, 11, 16), date(2026, 11, 22))
    assert spent.minutes == 100
    body = response.content.decode()
    assert 'data-testid="time-spent"' in body
    assert 'data-testid="selling-share">60%<' in body
    assert 'data-testid="time-call"' in body and 'data-testid="time-admin"' in body


def test_the_one_on_one_page_shows_the_time_of_the_range_picked(client_as, manager, rep, logged):
    url = reverse("dashboards:one_on_one", args=[rep.pk])
    client = client_as(manager)
    month = client.get(url, {"period": "this_month"})
    assert month.context["time_spent"].minutes == 160
    assert 'data-testid="selling-share">75%<' in month.content.decode()
    week = client.get(url, {"period": "this_week"})
    assert week.context["time_spent"].minutes == 100
    assert 'data-testid="selling-share">60%<' in week.content.decode()


def test_the_one_on_one_page_shows_a_dash_without_time_logged(client_as, manager, rep, logged):
    url = reverse("dashboards:one_on_one", args=[rep.pk])
    body = client_as(manager).get(url, {"start": "2026-08-01", "end": "2026-08-31"}).content.decode()
    assert 'data-testid="time-spent"' in body
    assert 'data-testid="selling-share">—<' in body
