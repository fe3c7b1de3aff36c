"""Forecast accuracy (forecast/accuracy.py): each call and each week's snapshot against what was
won, the commit deals that closed and the deals that slipped, once the period is over."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from forecast.accuracy import accuracy_summaries, closed_periods, figure, period_accuracy
from forecast.models import ForecastCall
from pipeline import services as pipeline_services
from pipeline.models import ForecastCategory
from quotas.periods import Period
from tests.dashboards.rollups.helpers import deal_for, drained_clean, lose, win
from tests.helpers import at

OCTOBER = Period(date(2026, 10, 1), "month")
COMMIT, BEST = ForecastCategory.COMMIT, ForecastCategory.BEST_CASE


def edit(monkeypatch, deal, when, **fields):
    monkeypatch.setattr("django.utils.timezone.now", lambda: when)
    pipeline_services.deal_update(deal=deal, by=deal.owner, **fields)
    monkeypatch.undo()


def call(team, by, when, commit, best_case):
    return ForecastCall.objects.create(
        team=team,
        period_kind="month",
        period_start=OCTOBER.start,
        commit=Decimal(commit),
        best_case=Decimal(best_case),
        rolled_up_commit=Decimal(commit),
        rolled_up_best_case=Decimal(best_case),
        submitted_by=by,
        submitted_at=at(when),
    )


@pytest.fixture
def october(rep, monkeypatch):
    """The worked example of docs/metrics.md ("Forecast: accuracy"): the rep's October."""
    created = at(date(2026, 9, 15))

    def deal(amount, close, category, when=created):
        return deal_for(rep, None, when, amount=amount, expected_close_date=close, forecast_category=category)

    won = deal("10000", date(2026, 10, 20), COMMIT)
    win(won, date(2026, 10, 15))
    slipped = deal("5000", date(2026, 10, 25), COMMIT)
    edit(monkeypatch, slipped, at(date(2026, 10, 10)), expected_close_date=date(2026, 11, 10))
    best = deal("4000", date(2026, 10, 28), BEST)
    win(best, date(2026, 10, 27))
    lost = deal("3000", date(2026, 10, 30), ForecastCategory.PIPELINE)
    lose(lost, date(2026, 10, 29))
    late = deal("2000", date(2026, 10, 31), ForecastCategory.PIPELINE, when=at(date(2026, 10, 12)))
    win(late, date(2026, 10, 20))
    drained_clean()


def test_the_opening_commit_is_scored_against_what_was_won(rep, october):
    result = period_accuracy(rep_ids=[rep.pk], period=OCTOBER)
    # Won in October: 10,000 + 4,000 + 2,000.
    assert result.actual == Decimal("16000.00")
    # The first snapshot, at the end of the week holding 1 October (Sunday 4 October): nothing won
    # yet, 10,000 + 5,000 open in commit, 4,000 in best case.
    opening = result.opening
    assert (opening.week_end, opening.commit, opening.best_case) == (
        date(2026, 10, 4),
        Decimal("15000.00"),
        Decimal("19000.00"),
    )
    # Accuracy 1 - |15,000 - 16,000| / 16,000 = 93.75%; bias -6.25% (under-called).
    assert result.commit.accuracy == Decimal("0.9375")
    assert result.commit.bias == Decimal("-0.0625")


def test_each_weeks_snapshot_adds_what_was_won_by_its_end(rep, october):
    weeks = {
        week.week_end: (week.won, week.commit, week.best_case)
        for week in period_accuracy(rep_ids=[rep.pk], period=OCTOBER).weeks
    }
    assert list(weeks) == [
        date(2026, 10, 4),
        date(2026, 10, 11),
        date(2026, 10, 18),
        date(2026, 10, 25),
        date(2026, 11, 1),
    ]
    # 10 October: the 5,000 commit deal pushed to November.
    assert weeks[date(2026, 10, 11)] == (Decimal("0.00"), Decimal("10000.00"), Decimal("14000.00"))
    # 15 October: the 10,000 won (commit still, as won); 20 October the 2,000.
    assert weeks[date(2026, 10, 18)] == (Decimal("10000.00"), Decimal("10000.00"), Decimal("14000.00"))
    assert weeks[date(2026, 10, 25)] == (Decimal("12000.00"), Decimal("12000.00"), Decimal("16000.00"))
    assert weeks[date(2026, 11, 1)] == (Decimal("16000.00"), Decimal("16000.00"), Decimal("16000.00"))


def test_the_share_of_commit_deals_won_and_the_slip_rate(rep, october):
    result = period_accuracy(rep_ids=[rep.pk], period=OCTOBER)
    # Commit at the start: the 10,000 (won) and the 5,000 (pushed): 1 of 2 = 50%.
    assert (result.commit_deals, result.commit_won, result.commit_closed_share) == (2, 1, Decimal("0.5"))
    # Expected in October at its start: four deals; one pushed out = 25%. The lost one did not slip.
    assert (result.planned_deals, result.slipped, result.slip_rate) == (4, 1, Decimal("0.25"))
    assert result.slipped_amount == Decimal("5000.00")


@pytest.mark.django_db
def test_the_latest_call_before_the_period_ended_counts(rep, manager, team, october, django_assert_num_queries):
    call(team, manager, date(2026, 10, 2), "18000", "24000")
    call(team, manager, date(2026, 10, 30), "16500", "20000")
    call(team, manager, date(2026, 11, 3), "16000", "16000")  # after the end: no forecast
    with django_assert_num_queries(4):
        result = period_accuracy(rep_ids=[rep.pk], period=OCTOBER, team=team)
    assert [line.call.commit for line in result.calls] == [Decimal("16500.00"), Decimal("18000.00")]
    # 1 - 500 / 16,000 = 96.875%, over-called by 3.125%.
    assert result.call.commit.accuracy == Decimal("0.96875")
    assert result.call.commit.bias == Decimal("0.03125")
    assert result.call.best_case.bias == Decimal("0.25")


def test_nothing_won_gives_no_accuracy_and_no_bias():
    score = figure(called=Decimal("5000"), actual=Decimal("0"))
    assert (score.accuracy, score.bias) == (None, None)


def test_accuracy_is_floored_at_zero():
    score = figure(called=Decimal("30000"), actual=Decimal("10000"))
    assert (score.accuracy, score.bias) == (Decimal(0), Decimal(2))


@pytest.mark.django_db
def test_the_dashboards_summary_reads_the_last_closed_month_and_quarter(rep, october, django_assert_num_queries):
    with django_assert_num_queries(2):
        month, quarter = accuracy_summaries(rep_ids=[rep.pk], today=date(2026, 11, 18), fiscal_start=1)
    assert month.period == OCTOBER and month.score.accuracy == Decimal("0.9375")
    assert quarter.period == Period(date(2026, 7, 1), "quarter") and quarter.score.accuracy is None


def test_the_closed_periods_are_the_months_then_the_quarters_before_today():
    periods = closed_periods(today=date(2026, 11, 18), fiscal_start=4, months=2, quarters=2)
    assert [(p.kind, p.start) for p in periods] == [
        ("month", date(2026, 10, 1)),
        ("month", date(2026, 9, 1)),
        ("quarter", date(2026, 7, 1)),
        ("quarter", date(2026, 4, 1)),
    ]


# --- the page -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_shows_last_months_scores_for_the_team(client_as, manager, team, rep, october, frozen):
    call(team, manager, date(2026, 10, 30), "16500", "20000")
    response = client_as(manager).get(reverse("forecast:accuracy"), {"team": team.pk})
    assert response.status_code == 200
    assert response.context["period"] == OCTOBER
    html = response.content.decode()
    assert "16,000 USD" in html  # won
    assert "94%" in html  # the opening commit, 93.75% rounded half up
    assert "+3%" in html  # the call over-called by 3.125%
    assert "50%" in html and "25%" in html  # commit deals won, slip rate


@pytest.mark.django_db
def test_a_period_not_over_yet_falls_back_to_last_month_and_says_so(client_as, rep, frozen):
    response = client_as(rep).get(reverse("forecast:accuracy"), {"period": "month:2026-11-01"})
    assert response.status_code == 200
    assert response.context["period"] == OCTOBER
    assert "That period has not ended yet." in response.content.decode()


@pytest.mark.django_db
def test_the_page_answers_in_a_fixed_number_of_queries(
    client_as, manager, team, october, frozen, django_assert_max_num_queries
):
    client = client_as(manager)
    client.get(reverse("forecast:accuracy"), {"team": team.pk})
    with django_assert_max_num_queries(11):
        client.get(reverse("forecast:accuracy"), {"team": team.pk})
