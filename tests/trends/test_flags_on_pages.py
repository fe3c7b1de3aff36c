"""Early warnings on the team dashboard and at the top of the one-on-one page (frozen on Wednesday
18 November 2026: the last two weeks are 5-18 November)."""

from datetime import date

import pytest
from django.urls import reverse

from quotas.models import OrgSettings
from tests.trends.helpers import drained, logged

pytestmark = pytest.mark.django_db

TEAM = reverse("dashboards:team")


@pytest.fixture
def dropped(rep, teammate):
    """The rep's calls fell from 40 in the eight weeks before (10 per two weeks) to 5; the teammate's held."""
    for who, now in ((rep, 5), (teammate, 10)):
        logged(who, date(2026, 10, 1), "call", 40)
        logged(who, date(2026, 11, 10), "call", now)
    drained()


def test_the_team_dashboard_lists_the_flagged_rep_with_what_changed(client_as, manager, rep, dropped, frozen):
    html = client_as(manager).get(TEAM).content.decode()

    assert html.count('data-testid="flagged-rep"') == 1
    assert f'data-rep="{rep.pk}"' in html
    assert "<strong>Calls</strong>: 5 in the last two weeks, 50% of the usual 10 (the two-week average" in html
    assert reverse("dashboards:one_on_one", args=[rep.pk]) in html


def test_the_one_on_one_page_says_what_dropped_at_the_top(client_as, manager, rep, teammate, dropped, frozen):
    client = client_as(manager)

    html = client.get(reverse("dashboards:one_on_one", args=[rep.pk])).content.decode()
    assert 'data-testid="rep-flags"' in html
    assert html.index('data-testid="rep-flags"') < html.index('data-testid="period-picker"')
    assert "5 in the last two weeks, 50% of the usual 10" in html
    # The teammate's 10 calls are their usual: no warning.
    assert (
        'data-testid="rep-flags"'
        not in client.get(reverse("dashboards:one_on_one", args=[teammate.pk])).content.decode()
    )


def test_the_flag_clears_itself_when_the_calls_recover(client_as, manager, rep, dropped, frozen):
    logged(rep, date(2026, 11, 17), "call", 1)  # 6 of 10: 60%, no longer below
    drained()

    assert 'data-testid="team-flags"' not in client_as(manager).get(TEAM).content.decode()


def test_the_share_follows_the_organisation_setting(client_as, manager, rep, dropped, frozen):
    OrgSettings.objects.update_or_create(pk=1, defaults={"activity_drop_percent": 50})

    assert 'data-testid="team-flags"' not in client_as(manager).get(TEAM).content.decode()


def test_another_teams_manager_sees_no_flag_of_the_rep(client_as, other_manager, rep, dropped, frozen):
    html = client_as(other_manager).get(TEAM).content.decode()

    assert 'data-testid="team-flags"' not in html
    assert str(rep) not in html


def test_the_flags_cost_four_queries_whatever_the_number_of_reps(
    manager, rep, teammate, dropped, frozen, django_assert_num_queries
):
    from django.template import Context, Template

    from dashboards.views_team import TeamPick

    template = Template("{% load trends_flags %}{% team_flags dashboard %}")
    dashboard = TeamPick(teams=[], team=None, team_ids=set(), range=None, reps=[rep, teammate], scope=None)
    with django_assert_num_queries(4):
        html = template.render(Context({"dashboard": dashboard}))
    assert html.count('data-testid="flagged-rep"') == 1


def test_a_rep_in_ramp_is_flagged_against_the_plan(client_as, manager, teammate, frozen):
    from quotas.models import ActivityGoal
    from quotas.services import goal_save

    # 10 calls the week of 9 November, 20 the next: the plan for 5-18 November is 10 + 20 x 3/7 = 18.57.
    goal_save(
        goal=ActivityGoal(
            rep=teammate, metric="call", target=50, ramp_start=10, ramp_step=10, starts_on=date(2026, 11, 9)
        )
    )
    logged(teammate, date(2026, 11, 16), "call", 11)
    drained()

    html = client_as(manager).get(TEAM).content.decode()

    assert "in ramp" in html
    # 11 / 18.57 = 59%.
    assert "<strong>Calls</strong>: 11 in the last two weeks, 59% of the ramped plan of 18.6" in html


def test_without_flags_the_dashboard_says_so_and_links_growth(client_as, manager, team, frozen):
    html = client_as(manager).get(TEAM).content.decode()

    assert 'data-testid="no-flags"' in html
    assert f"{reverse('trends:growth')}?team={team.pk}" in html
