"""Team calls (forecast/views.py ``call_submit``, ``call_history``; forecast/services.py; the roll-up in
forecast/selectors.py ``team_calls``). The clock stands at Wednesday 18 November 2026 (``frozen``)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboards import rollups
from forecast import selectors
from forecast.models import ForecastCall
from tests.factories import RepFactory, TeamFactory, make_deal, make_pipeline

NOV = "month:2026-11-01"


def submit(client, team, **data):
    fields = {"period": NOV, "commit": "5000", "best_case": "9000", "note": ""} | data
    return client.post(reverse("forecast:call_submit", args=[team.pk]), fields)


def calls_on_page(client, team):
    view = client.get(reverse("forecast:page"), {"team": team.pk}).context["view"]
    return view.calls


@pytest.fixture
def pipeline(db):
    return make_pipeline()


@pytest.fixture
def reps_november(frozen, rep, pipeline):
    """The rep won 3,000 in November, commits 2,000 and has 4,000 in best case closing this month."""
    make_deal(owner=rep, pipeline=pipeline, stage_name="Won", amount="3000", closed_on=date(2026, 11, 5))
    for stage_name, amount, category in (("Proposal", "2000", "commit"), ("Demo", "4000", "best_case")):
        make_deal(
            owner=rep,
            pipeline=pipeline,
            stage_name=stage_name,
            amount=amount,
            expected_close_date=date(2026, 11, 27),
            forecast_category=category,
        )
    rollups.rebuild()


def test_the_call_form_is_pre_filled_with_the_reps_roll_up(client_as, reps_november, manager, team):
    response = client_as(manager).get(reverse("forecast:page"), {"team": team.pk})
    form = response.context["form"]
    # commit = 3,000 won + 2,000 commit; best case = 5,000 + 4,000 best case.
    assert (form.initial["period"], form.initial["commit"], form.initial["best_case"]) == (NOV, 5000, 9000)


def test_a_manager_submits_a_call_and_overrides_it_and_the_latest_counts(client_as, reps_november, manager, team):
    client = client_as(manager)
    assert submit(client, team).status_code == 302
    # The clock stands still: the later of two calls at the same moment is the one sent last.
    response = submit(client, team, commit="6500", best_case="9000", note="Globex signs early")
    assert response.status_code == 302
    assert ForecastCall.objects.count() == 2  # both kept
    latest = calls_on_page(client, team)[NOV].latest
    assert (latest.commit, latest.note, latest.submitted_by) == (Decimal(6500), "Globex signs early", manager)
    # The override sits beside the roll-up the form offered.
    assert (latest.rolled_up_commit, latest.rolled_up_best_case) == (Decimal(5000), Decimal(9000))
    html = client.get(reverse("forecast:page"), {"team": team.pk}).content.decode()
    assert 'data-testid="call-commit">6,500 USD<' in html


def test_the_roll_up_kept_is_the_servers_not_one_the_browser_sends(client_as, reps_november, manager, team):
    submit(client_as(manager), team, rolled_up_commit="1", rolled_up_best_case="1")
    call = ForecastCall.objects.get()
    assert (call.rolled_up_commit, call.rolled_up_best_case) == (Decimal(5000), Decimal(9000))


def test_a_director_sees_each_child_teams_call_their_own_override_and_the_sum(client_as, frozen, pipeline):
    department = TeamFactory(name="North America")
    director = department.manager
    east, west = TeamFactory(name="East", parent=department), TeamFactory(name="West", parent=department)
    own_rep = RepFactory(username="direct", team=department)
    west_rep = RepFactory(username="westrep", team=west)
    for owner, amount in ((own_rep, "1000"), (west_rep, "2500")):
        make_deal(
            owner=owner,
            pipeline=pipeline,
            stage_name="Proposal",
            amount=amount,
            expected_close_date=date(2026, 11, 27),
            forecast_category="commit",
        )
    submit(client_as(east.manager), east, commit="10000", best_case="15000")
    calls = calls_on_page(client_as(director), department)[NOV]
    children = {child.team.name: child for child in calls.children}
    assert (children["East"].commit, children["East"].latest.commit) == (Decimal(10000), Decimal(10000))
    assert children["West"].latest is None and children["West"].commit == Decimal(2500)  # its roll-up
    # The sum: the department's own rep 1,000 + East's call 10,000 + West's roll-up 2,500.
    assert (calls.rolled_up_commit, calls.rolled_up_best_case) == (Decimal(13500), Decimal(18500))
    submit(client_as(director), department, commit="12000", best_case="18500")
    calls = calls_on_page(client_as(director), department)[NOV]
    assert (calls.latest.commit, calls.rolled_up_commit, calls.commit) == (
        Decimal(12000),
        Decimal(13500),
        Decimal(12000),
    )
    assert ForecastCall.objects.get(team=department).rolled_up_commit == Decimal(13500)


def test_a_rep_cannot_submit_a_call(client_as, rep, team):
    assert submit(client_as(rep), team).status_code == 403
    assert not ForecastCall.objects.exists()


def test_a_manager_can_neither_submit_nor_read_another_teams_calls(client_as, manager, outsider):
    other = outsider.team
    ForecastCall.objects.create(
        team=other,
        period_kind="month",
        period_start=date(2026, 11, 1),
        commit=1,
        best_case=1,
        rolled_up_commit=1,
        rolled_up_best_case=1,
        submitted_by=other.manager,
    )
    client = client_as(manager)
    assert submit(client, other).status_code == 404
    assert client.get(reverse("forecast:call_history", args=[other.pk])).status_code == 404
    assert ForecastCall.objects.count() == 1


def test_an_admin_can_submit_for_any_team(client_as, frozen, admin_user, outsider):
    assert submit(client_as(admin_user), outsider.team).status_code == 302
    assert ForecastCall.objects.get().submitted_by == admin_user


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"commit": "-1"}, "commit", "An amount cannot be negative."),
        ({"best_case": "-5"}, "best_case", "An amount cannot be negative."),
        ({"commit": "9000", "best_case": "5000"}, "best_case", "The best case cannot be below the commit."),
        ({"period": "month:2026-10-01"}, "period", "Choose one of the periods the forecast shows."),
        ({"period": "quarter:2027-04-01"}, "period", "Choose one of the periods the forecast shows."),
    ],
)
def test_bad_input_is_refused_next_to_the_field_and_nothing_is_written(
    client_as, frozen, manager, team, data, field, message
):
    response = submit(client_as(manager), team, **data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    html = response.content.decode()
    assert message in html
    # The page shown at the submit's address still links each period's call form on the forecast page.
    assert f'href="{reverse("forecast:page")}?team={team.pk}&amp;period={NOV}#call-form"' in html
    assert not ForecastCall.objects.exists()


def test_the_same_form_sent_twice_saves_once(client_as, frozen, manager, team):
    client = client_as(manager)
    key = {"submission_key": "k" * 22}
    submit(client, team, **key)
    submit(client, team, **key)
    assert ForecastCall.objects.count() == 1


def test_the_history_lists_every_call_newest_first_and_marks_the_one_that_counts(client_as, frozen, manager, team):
    client = client_as(manager)
    submit(client, team, commit="5000")
    submit(client, team, commit="6500")
    submit(client, team, period="quarter:2026-10-01", commit="20000", best_case="30000")
    response = client.get(reverse("forecast:call_history", args=[team.pk]), {"period": NOV})
    calls = response.context["calls"]
    assert [(c.commit, c.counts) for c in calls] == [(Decimal(6500), True), (Decimal(5000), False)]
    assert response.content.decode().count('data-testid="counts"') == 1
    everything = client.get(reverse("forecast:call_history", args=[team.pk])).context["calls"]
    assert [(c.label, c.counts) for c in everything] == [
        ("FY2026-Q4", True),
        ("November 2026", True),
        ("November 2026", False),
    ]


def test_the_latest_call_is_read_per_team_and_period(frozen, manager, team):
    periods = selectors.forecast_periods(today=date(2026, 11, 18), fiscal_start=1)
    forecast = selectors.forecast_figures(reps=[], team=team, periods=periods, today=date(2026, 11, 18), fiscal_start=1)
    base = {"team": team, "rolled_up_commit": 0, "rolled_up_best_case": 0, "submitted_by": manager}
    ForecastCall.objects.create(period_kind="month", period_start=date(2026, 12, 1), commit=7, best_case=7, **base)
    calls = selectors.team_calls(team=team, teams=[team], forecast=forecast)
    assert calls[NOV].latest is None and calls["month:2026-12-01"].latest.commit == 7


def test_a_director_lands_on_their_departments_calls(client_as, frozen, db):
    department = TeamFactory(name="North America")
    TeamFactory(name="East", parent=department)
    view = client_as(department.manager).get(reverse("forecast:page")).context["view"]
    assert view.team == department and set(view.calls) == {line.key for line in view.forecast.periods}


def test_another_period_fetches_the_form_pre_filled_with_its_roll_up(client_as, reps_november, manager, team, pipeline):
    # A December commit deal: December's roll-up is 1,500 (nothing won in December yet).
    make_deal(
        owner=team.members.get(username="owner"),
        pipeline=pipeline,
        stage_name="Proposal",
        amount="1500",
        expected_close_date=date(2026, 12, 10),
        forecast_category="commit",
    )
    response = client_as(manager).get(
        reverse("forecast:page"),
        {"team": team.pk, "part": "call-form", "period": "month:2026-12-01"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="call-form">')
    assert 'name="commit" value="1500.00"' in html or 'name="commit" value="1500"' in html
    assert '<option value="month:2026-12-01" selected>' in html


def test_the_history_takes_the_same_queries_however_many_calls(
    client_as, frozen, manager, team, django_assert_max_num_queries
):
    client = client_as(manager)
    submit(client, team)
    url = reverse("forecast:call_history", args=[team.pk])
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    # Counted now: each request clears the connection's query log.
    queries = len(first.captured_queries)
    for amount in range(1000, 6000, 1000):
        submit(client, team, commit=str(amount))
    with django_assert_max_num_queries(queries):
        assert len(client.get(url).context["calls"]) == 6
