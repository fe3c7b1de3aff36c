"""The planner page and applying a plan as quotas."""

from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities.models import Kind, Outcome
from quotas.history import SOURCE_DEFAULT
from quotas.models import Quota, QuotaChange
from tests.factories import RepFactory, TeamFactory, make_pipeline
from tests.quotas.helpers import log, win

PLANNER = reverse("quotas:planner")
APPLY = reverse("quotas:planner_apply")


def inputs(team=None, **fields):
    data = {"period_kind": "quarter", "day": "2025-06-16", "team": team.pk if team else "", "target": "300000"}
    data.update(fields)
    return data


@pytest.fixture(autouse=True)
def pipeline(db):
    return make_pipeline()


# --- who may plan --------------------------------------------------------------------------------


@pytest.mark.parametrize("who, status", [("rep", 403), ("teammate", 403), ("manager", 200), ("admin_user", 200)])
def test_it_lets_only_managers_and_admins_plan(request, client_as, who, status):
    client = client_as(request.getfixturevalue(who))
    assert client.get(PLANNER).status_code == status


@pytest.mark.parametrize("url", [PLANNER, APPLY])
def test_it_sends_anonymous_visitors_to_sign_in(client, url):
    response = client.get(url) if url == PLANNER else client.post(url, {})
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_it_starts_with_this_quarter_and_no_plan(client_as, manager):
    response = client_as(manager).get(PLANNER)
    assert response.context["plan"] is None
    assert response.context["form"]["period_kind"].value() == "quarter"


def test_a_manager_plans_their_team_only(client_as, manager, team, rep, outsider):
    client = client_as(manager)
    response = client.get(PLANNER, inputs(team))
    plan = response.context["plan"]
    assert (plan.team, [r.rep for r in plan.reps]) == (team, [rep])
    refused = client.get(PLANNER, inputs(outsider.team))
    assert refused.context["plan"] is None
    assert "team" in refused.context["form"].errors
    whole = client.get(PLANNER, inputs(None))
    assert whole.context["plan"] is None
    assert "team" in whole.context["form"].errors


def test_an_admin_plans_the_whole_organisation(client_as, admin_user, rep, outsider):
    plan = client_as(admin_user).get(PLANNER, inputs(None)).context["plan"]
    assert plan.team is None
    assert {r.rep for r in plan.reps} == {rep, outsider}


def test_it_needs_a_target_or_a_growth_not_both(client_as, admin_user, team, rep):
    client = client_as(admin_user)
    for fields in ({"target": ""}, {"growth": "10"}):
        response = client.get(PLANNER, inputs(team, **fields))
        assert response.context["plan"] is None
        assert response.context["form"].non_field_errors()
    assert client.get(PLANNER, inputs(team, target="", growth="10")).context["plan"] is not None


def test_it_shows_the_plan_with_the_source_of_each_figure(client_as, manager, team, rep):
    response = client_as(manager).get(PLANNER, inputs(team))
    page = response.content.decode()
    assert str(SOURCE_DEFAULT) in page
    assert "300,000" in page  # the target, formatted as money
    assert "split evenly" in page


def test_a_manager_sees_the_plan_without_the_apply_button(client_as, manager, admin_user, team, rep):
    assert 'data-testid="apply-plan"' not in client_as(manager).get(PLANNER, inputs(team)).content.decode()
    assert 'data-testid="apply-plan"' in client_as(admin_user).get(PLANNER, inputs(team)).content.decode()


def test_it_warns_when_history_says_the_quota_is_unrealistic(client_as, manager, team, rep, teammate):
    win(rep, 1000, on=date(2025, 2, 1))  # history, far below a 150,000 quota
    page = client_as(manager).get(PLANNER, inputs(team)).content.decode()
    assert "alert-warning" in page
    assert "History says 0% of reps would reach this quota; a realistic quota is reached by 70-80%." in page
    assert "No history (left out of the share):" in page and str(teammate) in page


def test_an_htmx_request_gets_the_results_alone(client_as, manager, team, rep):
    response = client_as(manager).get(PLANNER, inputs(team), headers={"HX-Request": "true"})
    page = response.content.decode()
    assert "<html" not in page
    assert 'data-testid="plan-summary"' in page


def test_an_htmx_request_with_invalid_inputs_gets_the_form_with_its_errors(client_as, manager, outsider):
    response = client_as(manager).get(PLANNER, inputs(outsider.team), headers={"HX-Request": "true"})
    page = response.content.decode()
    assert "<html" not in page
    assert "Select a valid choice" in page
    assert 'data-testid="plan-summary"' not in page


def test_the_planner_costs_the_same_queries_for_5_or_20_reps(client_as, admin_user):
    teams = [TeamFactory(name=f"Team {i}") for i in range(2)]
    client = client_as(admin_user)

    def add_reps(count, start):
        for index in range(start, start + count):
            rep = RepFactory(username=f"rep{index}", team=teams[index % 2])
            win(rep, 10000 + index, on=date(2025, 3, 1))
            log(rep, Kind.MEETING, Outcome.HELD, day=date(2025, 3, 2))

    def queries():
        with CaptureQueriesContext(connection) as context:
            assert client.get(PLANNER, inputs(None)).status_code == 200
        return len(context)

    add_reps(5, 0)
    queries()  # the first visit creates the organisation settings row
    five = queries()
    add_reps(15, 5)
    assert queries() == five


# --- apply -----------------------------------------------------------------------------------------


def test_an_admin_applies_the_plan_as_audited_quotas(client_as, admin_user, team, rep, teammate):
    response = client_as(admin_user).post(APPLY, inputs(team, target="300001"))
    assert response.status_code == 302
    assert response["Location"].startswith(PLANNER + "?")
    rep_quotas = {q.rep: q.target for q in Quota.objects.filter(rep__isnull=False)}
    assert sorted(rep_quotas.values()) == [150000, 150001]
    assert set(rep_quotas) == {rep, teammate}
    team_quota = Quota.objects.get(team=team)
    assert (team_quota.target, team_quota.period_kind, team_quota.period_start) == (300001, "quarter", date(2025, 4, 1))
    changes = QuotaChange.objects.all()
    assert len(changes) == 3
    assert {c.reason for c in changes} == {"Planner: 300,001 for FY2025-Q2"}
    assert {c.changed_by for c in changes} == {admin_user}
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["3 quotas set."]


def test_applying_the_whole_organisations_plan_sets_rep_quotas_only(client_as, admin_user, rep, outsider):
    response = client_as(admin_user).post(APPLY, inputs(None, target="200000"))
    assert response.status_code == 302
    assert {(q.rep, q.target) for q in Quota.objects.all()} == {(rep, 100000), (outsider, 100000)}


def test_a_manager_cannot_apply_a_plan(client_as, manager, team, rep):
    assert client_as(manager).post(APPLY, inputs(team)).status_code == 403
    assert not Quota.objects.exists()
    assert not QuotaChange.objects.exists()


def test_applying_needs_a_post(client_as, admin_user, team, rep):
    assert client_as(admin_user).get(APPLY, inputs(team)).status_code == 405
    assert not Quota.objects.exists()
