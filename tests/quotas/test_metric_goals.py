"""Goals on any metric and their rewards: the form's and the model's rules, who may change them, the
admin's list of earned rewards and its CSV, and each on the pages that show them."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from dashboards import rollups
from quotas.models import MetricGoal, OrgSettings
from quotas.rewards import earned_rewards_record
from quotas.services import metric_goal_save
from salestracker.csvio import decode
from tests.factories import make_deal, make_pipeline
from tests.helpers import NOW, at


def form_data(**fields):
    data = {
        "rep": "",
        "team": "",
        "metric": "win_rate",
        "coverage_scope": "all",
        "direction": "at_least",
        "target": "30",
        "period_kind": "month",
        "ramp_start": "",
        "ramp_step": "",
        "starts_on": "2026-11-01",
        "priority": "1",
        "reward_description": "",
        "reward_amount": "",
        "reward_currency": "",
    }
    data.update({name: str(value) for name, value in fields.items()})
    return data


def post_new(client_as, user, **fields):
    return client_as(user).post(reverse("quotas:metric_goal_create"), form_data(**fields))


def test_a_manager_sets_a_coverage_goal_with_a_reward_for_their_rep(client_as, manager, rep):
    OrgSettings.objects.update_or_create(pk=1, defaults={"currency": "EUR"})
    response = post_new(
        client_as,
        manager,
        rep=rep.pk,
        metric="coverage",
        coverage_scope="customers",
        target="90",
        reward_description="Team lunch",
        reward_amount="250",
    )
    assert response.status_code == 302
    goal = MetricGoal.objects.get()
    assert (goal.rep, goal.metric, goal.coverage_scope, goal.target) == (rep, "coverage", "customers", 90)
    # No currency given: the organisation's.
    assert (goal.reward_description, goal.reward_amount, goal.reward_currency) == ("Team lunch", 250, "EUR")


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"target": "120"}, "target", "A percentage is at most 100."),
        ({"metric": "won_deals", "target": "2.5"}, "target", "Enter a whole number."),
        ({"target": "0"}, "target", "A goal of at least 0 is always met"),
        ({"metric": "win_rate", "coverage_scope": "customers"}, "coverage_scope", "Only a coverage goal"),
        ({"ramp_start": "10"}, "ramp_step", "A ramp needs a start and a step."),
        ({"ramp_start": "40", "ramp_step": "5"}, "ramp_start", "An at-least ramp starts below the target."),
        (
            {"metric": "cycle_length", "direction": "at_most", "target": "45", "ramp_start": "40", "ramp_step": "5"},
            "ramp_start",
            "An at-most ramp starts above the target.",
        ),
        ({"reward_amount": "100"}, "reward_description", "Describe the reward the amount is for."),
        ({"reward_currency": "EUR"}, "reward_amount", "Enter the amount the currency is for"),
        ({"reward_description": "x", "reward_amount": "5", "reward_currency": "eur"}, "reward_currency", "ISO 4217"),
        ({"reward_description": "x", "reward_amount": "-5", "reward_currency": "EUR"}, "reward_amount", "greater"),
        ({"team": "{team}", "is_collective": "on"}, "rep", "Choose a rep or a team, not both."),
    ],
)
def test_bad_input_is_refused_next_to_its_field_and_nothing_is_written(
    client_as, manager, rep, team, fields, field, message
):
    fields = {name: value.format(team=team.pk) for name, value in fields.items()}
    response = post_new(client_as, manager, rep=rep.pk, **fields)
    assert response.status_code == 422
    assert any(message in error for error in response.context["form"].errors[field])
    assert not MetricGoal.objects.exists()


def test_only_a_team_goal_can_be_collective(rep):
    with pytest.raises(Exception, match="Only a team goal can be collective"):
        metric_goal_save(goal=MetricGoal(rep=rep, metric="win_rate", target=30, is_collective=True))


def test_a_manager_cannot_set_a_goal_for_another_teams_rep(client_as, manager, outsider):
    response = post_new(client_as, manager, rep=outsider.pk)
    assert response.status_code == 422
    assert "rep" in response.context["form"].errors
    assert not MetricGoal.objects.exists()


def test_a_rep_sees_their_goal_but_may_not_change_it(client_as, rep, manager, outsider):
    goal = MetricGoal.objects.create(rep=rep, metric="win_rate", target=30)
    assert client_as(rep).get(reverse("quotas:metric_goal_edit", args=[goal.pk])).status_code == 403
    assert client_as(outsider).get(reverse("quotas:metric_goal_edit", args=[goal.pk])).status_code == 404
    listed = client_as(rep).get(reverse("quotas:goal_list"))
    assert [row.goal for row in listed.context["metric_rows"]] == [goal]
    assert client_as(outsider).get(reverse("quotas:goal_list")).context["metric_rows"] == []


def test_the_manager_edits_and_deletes_a_goal(client_as, rep, manager):
    goal = MetricGoal.objects.create(rep=rep, metric="win_rate", target=30)
    url = reverse("quotas:metric_goal_edit", args=[goal.pk])
    assert client_as(manager).post(url, form_data(rep=rep.pk, target="35")).status_code == 302
    goal.refresh_from_db()
    assert goal.target == 35
    client_as(manager).post(reverse("quotas:metric_goal_delete", args=[goal.pk]))
    assert not MetricGoal.objects.exists()


def test_an_outsider_cannot_delete_a_goal(client_as, rep, outsider):
    goal = MetricGoal.objects.create(rep=rep, metric="win_rate", target=30)
    assert client_as(outsider).post(reverse("quotas:metric_goal_delete", args=[goal.pk])).status_code == 404
    assert MetricGoal.objects.filter(pk=goal.pk).exists()


# --- earned rewards ------------------------------------------------------------------------------


@pytest.fixture
def october_won(frozen, rep, teammate):
    """The rep won 4,500 on 20 October; the teammate nothing; October's rewards recorded. Today is 18 November 2026."""
    OrgSettings.load()
    make_deal(
        owner=rep,
        pipeline=make_pipeline(),
        stage_name="Won",
        amount="4500",
        closed_on=date(2026, 10, 20),
        created_at=at(date(2026, 10, 1)),
    )
    rollups.rebuild()
    for who in (rep, teammate):
        MetricGoal.objects.create(
            rep=who,
            metric="won_revenue",
            target=4000,
            starts_on=date(2026, 9, 1),
            reward_description="Dinner for two",
            reward_amount=Decimal("1250.50"),
            reward_currency="EUR",
        )
    earned_rewards_record(today=NOW.date())  # the nightly run: the pages read what it recorded


def test_the_admin_lists_earned_rewards_and_exports_them(client_as, admin_user, rep, october_won):
    response = client_as(admin_user).get(reverse("quotas:rewards"))
    earned = response.context["rewards"]
    assert [(str(r.period), r.rep, r.amount) for r in earned] == [("2026-10", rep, Decimal("1250.50"))]
    page = response.content.decode()
    assert "Dinner for two" in page and "1,250.50 EUR" in page
    export = client_as(admin_user).get(reverse("quotas:rewards_export"))
    rows = list(csv.reader(io.StringIO(decode(b"".join(export.streaming_content)))))
    assert rows[1][3:] == [str(rep), "", "Won revenue at least 4000 per month", "Dinner for two", "1250.50", "EUR"]
    assert len(rows) == 2


def test_the_rewards_list_filters_by_range_and_rep(client_as, admin_user, rep, teammate, october_won):
    september = client_as(admin_user).get(
        reverse("quotas:rewards"), {"first_day": "2026-09-01", "last_day": "2026-10-30"}
    )
    assert september.context["rewards"] == []  # October ended on the 31st
    teammates = client_as(admin_user).get(reverse("quotas:rewards"), {"rep": teammate.pk})
    assert teammates.context["rewards"] == []


def test_a_backwards_range_is_refused_next_to_the_field(client_as, admin_user, october_won):
    response = client_as(admin_user).get(
        reverse("quotas:rewards"), {"first_day": "2026-11-01", "last_day": "2026-10-01"}
    )
    assert response.context["filters"].errors["last_day"] == ["The range ends before it starts."]
    assert response.context["rewards"] == []
    export = client_as(admin_user).get(
        reverse("quotas:rewards_export"), {"first_day": "2026-01-01", "last_day": "2027-06-01"}
    )
    assert export.status_code == 400


def test_my_week_shows_the_reward_beside_the_goal_and_what_was_earned(client_as, rep, october_won):
    page = client_as(rep).get(reverse("dashboards:my_week")).content.decode()
    assert 'data-testid="metric-goals"' in page
    assert "Dinner for two · 1,250.50 EUR" in page
    assert 'data-testid="earned-reward"' in page and "2026-10" in page


def test_the_team_dashboard_and_the_one_on_one_show_metric_goals(client_as, manager, rep, october_won):
    team_page = client_as(manager).get(reverse("dashboards:team")).content.decode()
    assert team_page.count('data-testid="team-metric-goal-row"') == 2
    one_on_one = client_as(manager).get(reverse("dashboards:one_on_one", args=[rep.pk])).content.decode()
    assert one_on_one.count('data-testid="metric-goal-row"') == 1
    assert NOW.date() == date(2026, 11, 18)
