"""The dashboards' cached figures (dashboards/figure_cache.py): a reload is served from the
cache, and every change the figures show reaches the very next request, whichever path
it takes (a refresh, a settings change, the open pipeline, the clock, a one-on-one).

Every check reads the rendered HTML: the view's context is computed lazily and would
show fresh figures even where the page served stale ones.

The clock is frozen on Wednesday 18 November 2026, 12:00 UTC; both pages show this month.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities import services as activity_services
from dashboards import figure_cache, rollups
from dashboards.models import FigureVersion, OneOnOne
from pipeline.models import Deal
from quotas.models import ActivityGoal, OrgSettings
from tests.factories import make_deal, make_pipeline, stage
from tests.helpers import NOW

TEAM = reverse("dashboards:team")


def log_calls(owner, n):
    for _ in range(n):
        activity_services.activity_log(
            owner=owner, by=owner, kind="call", outcome="no_answer", occurred_at=NOW - timedelta(hours=2)
        )


@pytest.fixture
def org(frozen, rep, teammate):
    OrgSettings.load()
    pipeline = make_pipeline()
    log_calls(rep, 3)
    log_calls(teammate, 5)
    rollups.rebuild()
    return pipeline


def cell(html: str, rep, column: str) -> str:
    """The text of one column of the rep's row of the team table."""
    row = html.split(f'data-rep="{rep.pk}"')[1].split("</tr>")[0]
    return re.search(rf'data-col="{column}">([^<]*)<', row).group(1)


def team_page(client, **query) -> tuple[str, int]:
    """The page's HTML and how many queries it took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(TEAM, query)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


# --- the team dashboard -------------------------------------------------------------------------


def test_it_serves_a_reload_from_the_cache_with_a_few_queries(client_as, manager, rep, org):
    client = client_as(manager)
    first, cold = team_page(client)
    again, warm = team_page(client)
    assert cell(again, rep, "calls") == cell(first, rep, "calls") == "3"
    figures = first.split('data-testid="range-label"')[1].split("<script")[0]
    assert figures in again
    assert "csrfmiddlewaretoken" not in figures  # nothing of one visitor's is kept for the next
    assert warm <= cold - 10  # none of the figures is read again


def test_a_release_never_serves_the_figures_the_one_before_rendered(client_as, manager, rep, org, monkeypatch):
    # The cache outlives a deploy: a page rendered by other templates or selectors is not reused.
    client = client_as(manager)
    _, cold = team_page(client)
    _, warm = team_page(client)
    monkeypatch.setattr(figure_cache, "code_digest", lambda: "another release")
    _, after_release = team_page(client)
    assert warm <= cold - 10 and after_release >= warm + 10  # every figure read again


def test_a_refresh_shows_at_once(client_as, manager, rep, org):
    client = client_as(manager)
    team_page(client)
    log_calls(rep, 2)
    assert cell(team_page(client)[0], rep, "calls") == "3"  # logged, not refreshed yet: the tables say 3
    rollups.drain()
    assert cell(team_page(client)[0], rep, "calls") == "5"


def test_a_rebuild_shows_at_once(client_as, manager, rep, org):
    client = client_as(manager)
    team_page(client)
    log_calls(rep, 4)
    rollups.rebuild()
    assert cell(team_page(client)[0], rep, "calls") == "7"


def test_a_goal_changed_shows_at_once(client_as, manager, rep, org):
    client = client_as(manager)
    assert "no goal" in re.search(
        r'data-col="calls">.*?</td>', team_page(client)[0].split(f'data-rep="{rep.pk}"')[1]
    ).group(0)
    ActivityGoal.objects.create(rep=rep, metric="call", frequency="month", target=30, starts_on=NOW.date())
    row = team_page(client)[0].split(f'data-rep="{rep.pk}"')[1].split("</tr>")[0]
    assert "/ 30" in re.search(r'data-col="calls">.*?</td>', row).group(0)


def test_a_rep_renamed_shows_at_once(client_as, manager, rep, org):
    client = client_as(manager)
    team_page(client)
    rep.first_name = "Renamed"
    rep.save()
    assert "Renamed" in team_page(client)[0]


def test_signing_in_keeps_the_cache(client_as, manager, rep, org):
    before = figure_cache.versions([])
    rep.save(update_fields=["last_login"])
    assert figure_cache.versions([]) == before
    rep.save()
    assert figure_cache.versions([]) != before


def test_the_open_pipeline_is_live(client_as, manager, rep, org):
    client = client_as(manager)
    assert cell(team_page(client)[0], rep, "open_amount").strip() in ("$0", "$0.00", "0")
    make_deal(owner=rep, pipeline=org, stage_name="Demo", amount="2500", created_at=NOW)  # no refresh
    assert "2,500" in cell(team_page(client)[0], rep, "open_amount")


def test_a_deal_turning_stale_with_time_shows_at_once(client_as, manager, rep, org):
    demo = stage(org, "Demo")
    demo.rotting_days = 7
    demo.save()
    deal = make_deal(owner=rep, pipeline=org, stage_name="Demo", amount="100", created_at=NOW)
    client = client_as(manager)
    assert cell(team_page(client)[0], rep, "stale_deals") == "0"
    # Eight days in the stage now: no write of ours tells the cache, the clock does.
    Deal.objects.filter(pk=deal.pk).update(stage_entered_at=NOW - timedelta(days=8))
    assert cell(team_page(client)[0], rep, "stale_deals") == "1"


def range_label(html: str) -> str:
    return html.split('data-testid="range-label"')[1].split("</p>")[0]


def test_each_period_has_its_own_figures(client_as, manager, rep, org):
    client = client_as(manager)
    month, _ = team_page(client)
    year, _ = team_page(client, period="this_year")
    assert "This month" in range_label(month) and "This year" in range_label(year)
    assert "This month" in range_label(team_page(client)[0])


def test_managers_of_other_teams_never_share_figures(client_as, manager, other_manager, rep, outsider, org):
    log_calls(outsider, 9)
    rollups.drain()
    mine, _ = team_page(client_as(manager))
    theirs, _ = team_page(client_as(other_manager))
    assert f'data-rep="{rep.pk}"' in mine and f'data-rep="{rep.pk}"' not in theirs
    assert cell(theirs, outsider, "calls") == "9"


# --- the versions --------------------------------------------------------------------------------


def test_a_refresh_moves_the_versions_of_its_reps_only(rep, teammate, org):
    before = dict(figure_cache.versions([rep.pk, teammate.pk]))
    log_calls(rep, 1)
    rollups.drain()
    after = dict(figure_cache.versions([rep.pk, teammate.pk]))
    assert after[rep.pk] > before.get(rep.pk, 0)
    assert after.get(teammate.pk) == before.get(teammate.pk)
    assert after[FigureVersion.ORGANISATION] == before[FigureVersion.ORGANISATION]


def test_a_version_only_grows_even_after_the_table_is_emptied(db):
    def version(pk):
        return FigureVersion.objects.get(pk=pk).version

    figure_cache.bump([41, 41, 42])
    figure_cache.bump([42])
    first = version(42)
    figure_cache.bump([42])
    assert version(42) > first
    seen = version(42)
    FigureVersion.objects.all().delete()  # a flushed database, or a restored backup
    figure_cache.bump([42])
    assert version(42) > seen


# --- the one-on-one page -----------------------------------------------------------------------


def one_on_one(client, rep) -> str:
    response = client.get(reverse("dashboards:one_on_one", args=[rep.pk]))
    assert response.status_code == 200
    return response.content.decode()


def rep_calls(html: str) -> str:
    row = html.split("Calls</th>")[1].split("</tr>")[0]
    return re.search(r'data-col="rep">([^<]*)<', row).group(1)


def test_the_one_on_one_figures_are_cached_until_a_refresh(client_as, manager, rep, org):
    client = client_as(manager)
    assert rep_calls(one_on_one(client, rep)) == "3"
    log_calls(rep, 1)
    assert rep_calls(one_on_one(client, rep)) == "3"
    rollups.drain()
    assert rep_calls(one_on_one(client, rep)) == "4"


def test_the_one_on_one_notes_and_stale_deals_are_live(client_as, manager, rep, org):
    client = client_as(manager)
    one_on_one(client, rep)
    meeting = OneOnOne.objects.create(rep=rep, manager=manager, notes="Talk about the demo backlog")
    demo = stage(org, "Demo")
    demo.rotting_days = 7
    demo.save()
    deal = make_deal(owner=rep, pipeline=org, stage_name="Demo", amount="100", title="Forgotten demo", created_at=NOW)
    Deal.objects.filter(pk=deal.pk).update(stage_entered_at=NOW - timedelta(days=8))
    html = one_on_one(client, rep)
    assert "Talk about the demo backlog" in html and "Forgotten demo" in html
    # Closing it freezes the figures: the next page compares against them.
    meeting.closed_at = NOW
    meeting.snapshot = {"figures": {"calls": 1}}
    meeting.save()
    assert 'data-col="previous"' in one_on_one(client, rep)


def test_the_rep_sees_no_previous_column_from_a_managers_cached_page(client_as, manager, rep, org):
    OneOnOne.objects.create(
        rep=rep, manager=manager, closed_at=NOW - timedelta(days=7), snapshot={"figures": {"calls": Decimal(1)}}
    )
    assert 'data-col="previous"' in one_on_one(client_as(manager), rep)
    assert 'data-col="previous"' not in one_on_one(client_as(rep), rep)


# --- a value remembered for a live page: the planner history of "My week" ----------------


def test_my_weeks_planner_history_is_remembered_until_a_member_is_refreshed_or_moved(
    org, rep, teammate, django_assert_num_queries
):
    from accounts.models import Team
    from dashboards.selectors.rep import planner_history

    today = NOW.date()
    first = planner_history(rep=rep, today=today)
    assert (first.rep.calls, first.team.calls) == (3, 8)
    with django_assert_num_queries(2):  # the members and their versions; no figure read
        assert planner_history(rep=rep, today=today) == first

    log_calls(teammate, 2)
    rollups.drain()  # the teammate's version moves
    assert planner_history(rep=rep, today=today).team.calls == 10

    teammate.team = Team.objects.create(name="Elsewhere")
    teammate.save()  # the members change (and the organisation's version moves)
    assert planner_history(rep=rep, today=today).team.calls == 3


def test_a_rep_without_a_team_is_remembered_under_their_own_version_only(org, rep, django_assert_num_queries):
    from dashboards.selectors.rep import planner_history

    rep.team = None
    rep.save()
    first = planner_history(rep=rep, today=NOW.date())
    assert (first.rep.calls, first.team) == (3, None)
    with django_assert_num_queries(1):  # the versions; no members to look up
        assert planner_history(rep=rep, today=NOW.date()) == first
    figure_cache.bump([rep.pk + 1000])  # someone else without a team: not in the key
    with django_assert_num_queries(1):
        planner_history(rep=rep, today=NOW.date())
