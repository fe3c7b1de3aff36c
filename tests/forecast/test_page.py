"""The forecast page (forecast/views.py ``page``) and its figures (forecast/selectors.py), worked by hand.

The clock stands at Wednesday 18 November 2026 (``frozen``); the fiscal year starts in January, so
the page shows November, December and January, FY2026-Q4 (October to December) and FY2027-Q1.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboards import rollups
from forecast import selectors
from quotas.models import OrgSettings, Quota
from tests.factories import RepFactory, TeamFactory, make_deal, make_pipeline
from tests.helpers import NOW

NOV = "month:2026-11-01"
DEC = "month:2026-12-01"
Q4 = "quarter:2026-10-01"


def figures_for(reps, *, team=None, today=date(2026, 11, 18), fiscal_start=1):
    periods = selectors.forecast_periods(today=today, fiscal_start=fiscal_start)
    forecast = selectors.forecast_figures(reps=reps, team=team, periods=periods, today=today, fiscal_start=fiscal_start)
    return {line.key: line for line in forecast.periods}, forecast


def open_deal(owner, pipeline, *, stage_name, amount, closes, category=None, **fields):
    return make_deal(
        owner=owner,
        pipeline=pipeline,
        stage_name=stage_name,
        amount=amount,
        expected_close_date=closes,
        forecast_category=category,
        **fields,
    )


@pytest.fixture
def november(frozen, rep):
    """docs/metrics.md "Forecast", the worked example: the rep's November."""
    pipeline = make_pipeline()
    Quota.objects.create(rep=rep, period_kind="month", period_start=date(2026, 11, 1), target=Decimal(10000))
    make_deal(owner=rep, pipeline=pipeline, stage_name="Won", amount="3000", closed_on=date(2026, 11, 5))
    open_deal(rep, pipeline, stage_name="Proposal", amount="2000", closes=date(2026, 11, 27), category="commit")
    open_deal(rep, pipeline, stage_name="Demo", amount="4000", closes=date(2026, 11, 30), category="best_case")
    open_deal(rep, pipeline, stage_name="Lead", amount="1000", closes=date(2026, 11, 18), category="pipeline")
    open_deal(rep, pipeline, stage_name="Demo", amount="5000", closes=date(2026, 11, 20), category="omitted")
    open_deal(rep, pipeline, stage_name="Proposal", amount="700", closes=None, category="commit")
    open_deal(
        rep,
        pipeline,
        stage_name="Lead",
        amount="800",
        closes=date(2026, 11, 10),
        category="pipeline",
        created_at=frozen - timedelta(days=30),
    )
    rollups.rebuild()
    return pipeline


def test_the_worked_example_of_the_forecast(november, rep):
    lines, _forecast = figures_for([rep])
    nov = lines[NOV]
    assert nov.won == Decimal(3000)
    assert (nov["commit"].amount, nov["best_case"].amount, nov["pipeline"].amount) == (2000, 4000, 1000)
    # 2,000 x 70% + 4,000 x 50% + 1,000 x 10%; the omitted 5,000 is left out.
    assert nov.counted.weighted == Decimal(3500)
    assert nov["omitted"].amount == Decimal(5000)
    assert nov.quota == Decimal(10000)
    assert nov.gap == Decimal(5000)  # 10,000 - 3,000 won - 2,000 commit
    assert (nov.rolled_up_commit, nov.rolled_up_best_case) == (Decimal(5000), Decimal(9000))
    # The quarter holds November's figures; December has no quota of any kind ("—").
    assert (lines[Q4].won, lines[Q4]["commit"].amount, lines[Q4].gap) == (Decimal(3000), Decimal(2000), Decimal(5000))
    assert lines[DEC].quota is None and lines[DEC].gap is None


def test_open_deals_without_a_close_date_or_overdue_count_in_no_period_and_are_shown_apart(november, rep):
    lines, forecast = figures_for([rep])
    assert forecast.undated["commit"].amount == Decimal(700)
    assert forecast.overdue["pipeline"].amount == Decimal(800)  # closes 10 November, before today
    assert lines[NOV]["pipeline"].amount == Decimal(1000)  # the 800 is not in November
    assert sum(line["commit"].amount for key, line in lines.items() if key.startswith("month")) == Decimal(2000)


def test_the_gap_is_never_below_zero(frozen, rep):
    pipeline = make_pipeline()
    Quota.objects.create(rep=rep, period_kind="month", period_start=date(2026, 11, 1), target=Decimal(10000))
    make_deal(owner=rep, pipeline=pipeline, stage_name="Won", amount="12000", closed_on=date(2026, 11, 2))
    rollups.rebuild()
    lines, _forecast = figures_for([rep])
    assert lines[NOV].gap == Decimal(0)


def test_a_quarter_quota_is_prorated_to_each_month(frozen, rep):
    Quota.objects.create(rep=rep, period_kind="quarter", period_start=date(2026, 10, 1), target=Decimal(92000))
    lines, _forecast = figures_for([rep])
    assert lines[NOV].quota == Decimal(30000)  # 92,000 x 30/92
    assert lines[Q4].quota == Decimal(92000)


def test_the_teams_own_quota_wins_over_the_reps_sum(frozen, rep, teammate, team):
    for person in (rep, teammate):
        Quota.objects.create(rep=person, period_kind="month", period_start=date(2026, 11, 1), target=Decimal(1000))
    lines, _forecast = figures_for([rep, teammate])
    assert lines[NOV].quota == Decimal(2000)
    Quota.objects.create(team=team, period_kind="month", period_start=date(2026, 11, 1), target=Decimal(5000))
    lines, _forecast = figures_for([rep, teammate], team=team)
    assert lines[NOV].quota == Decimal(5000)


def test_the_periods_follow_the_fiscal_year(frozen):
    periods = selectors.forecast_periods(today=date(2026, 11, 18), fiscal_start=4)
    assert [selectors.period_key(p) for p in periods] == [
        NOV,
        DEC,
        "month:2027-01-01",
        "quarter:2026-10-01",  # FY2027-Q3 with an April start
        "quarter:2027-01-01",
    ]
    assert str(periods[3]) == "FY2027-Q3"


def test_a_rep_sees_only_their_own_deals(client_as, frozen, rep, teammate):
    pipeline = make_pipeline()
    open_deal(rep, pipeline, stage_name="Proposal", amount="2000", closes=date(2026, 11, 27), category="commit")
    open_deal(teammate, pipeline, stage_name="Proposal", amount="9000", closes=date(2026, 11, 27), category="commit")
    response = client_as(rep).get(reverse("forecast:page"))
    assert response.status_code == 200
    nov = response.context["view"].forecast.periods[0]
    assert nov["commit"].amount == Decimal(2000)
    assert "team-picker" not in response.content.decode()
    assert "calls-table" not in response.content.decode()


def test_a_manager_sees_the_teams_below_theirs_rolled_up(client_as, frozen, rep, team, manager):
    child = TeamFactory(name="Enterprise East North", parent=team)
    child_rep = RepFactory(username="north", team=child)
    pipeline = make_pipeline()
    open_deal(rep, pipeline, stage_name="Proposal", amount="2000", closes=date(2026, 11, 27), category="commit")
    open_deal(child_rep, pipeline, stage_name="Proposal", amount="3000", closes=date(2026, 11, 27), category="commit")
    response = client_as(manager).get(reverse("forecast:page"), {"team": team.pk})
    assert response.context["view"].forecast.periods[0]["commit"].amount == Decimal(5000)
    response = client_as(manager).get(reverse("forecast:page"), {"team": child.pk})
    assert response.context["view"].forecast.periods[0]["commit"].amount == Decimal(3000)


def test_the_page_shows_each_periods_figures(client_as, november, rep, manager, team):
    response = client_as(manager).get(reverse("forecast:page"), {"team": team.pk})
    html = response.content.decode()
    assert 'data-period="month:2026-11-01" data-testid="gap">5,000 USD<' in html
    assert 'data-testid="won">3,000 USD<' in html
    assert "3,500 USD" in html  # weighted
    assert 'data-testid="commit">2,000 USD<' in html


def test_a_manager_cannot_pick_another_team(client_as, manager, outsider):
    assert client_as(manager).get(reverse("forecast:page"), {"team": outsider.team_id}).status_code == 404


def _seed(reps, pipeline, n):
    for rep in reps:
        for _ in range(n):
            # A month without activity: at risk, so the list of deals at risk grows too.
            open_deal(
                rep,
                pipeline,
                stage_name="Proposal",
                amount="1000",
                closes=date(2026, 11, 20),
                category="commit",
                created_at=NOW - timedelta(days=30),
            )
            make_deal(owner=rep, pipeline=pipeline, stage_name="Won", amount="500", closed_on=date(2026, 11, 2))
        Quota.objects.get_or_create(
            rep=rep, period_kind="month", period_start=date(2026, 11, 1), defaults={"target": Decimal(10000)}
        )


@pytest.mark.parametrize("viewer", ["rep", "manager", "admin_user"])
def test_the_page_takes_the_same_number_of_queries_whatever_the_number_of_deals_and_reps(
    client_as, frozen, request, viewer, team, rep, django_assert_max_num_queries
):
    OrgSettings.load()
    pipeline = make_pipeline()
    user = request.getfixturevalue(viewer)
    client = client_as(user)
    params = {"team": team.pk} if viewer != "rep" else {}
    _seed([rep], pipeline, 1)
    rollups.rebuild()
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("forecast:page"), params).status_code == 200
    # Counted now: each request clears the connection's query log.
    queries = len(few.captured_queries)
    assert queries <= 16
    _seed([rep, *(RepFactory(team=team) for _ in range(4))], pipeline, 3)
    rollups.rebuild()
    with django_assert_max_num_queries(queries):
        response = client.get(reverse("forecast:page"), params)
    assert response.context["view"].forecast.periods[0]["commit"].amount > Decimal(1000)
    assert len(response.context["view"].at_risk) > 1


def test_the_page_links_the_teams_pipeline_movement_and_forecast_accuracy(client_as, manager, team):
    html = client_as(manager).get(reverse("forecast:page"), {"team": team.pk}).content.decode()
    assert f'href="{reverse("forecast:waterfall")}?team={team.pk}"' in html
    assert f'href="{reverse("forecast:accuracy")}?team={team.pk}"' in html
