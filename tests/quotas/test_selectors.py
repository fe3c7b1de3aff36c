from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from quotas import selectors, services
from quotas.periods import Period
from tests.factories import RepFactory, TeamFactory

Q4 = Period.containing(date(2026, 10, 1), "quarter")
PERIODS = [Q4, Q4.next(), Q4.next().next(), Q4.next().next().next()]


def _grid(viewer, periods=PERIODS, measure="revenue"):
    return selectors.grid_rows(viewer=viewer, kind="quarter", measure=measure, periods=periods)


def _reps_shown(groups):
    return {row.rep.username for group in groups for row in group.rows}


def _set(by, target, period=Q4, **owner):
    return services.quota_set(by=by, period=period, target=Decimal(target), **owner)


def test_it_shows_admins_every_team_with_its_reps(admin_user, rep, teammate, outsider):
    _set(admin_user, "90000", rep=rep)
    groups = _grid(admin_user)
    assert [str(group.team) for group in groups] == ["Enterprise East", "Mid-Market West"]
    assert {row.rep for row in groups[0].rows} == {rep, teammate}
    owner_row = next(row for row in groups[0].rows if row.rep == rep)
    assert [cell.quota.target if cell.quota else None for cell in owner_row.cells] == [
        Decimal("90000"),
        None,
        None,
        None,
    ]


def test_it_shows_managers_only_their_teams(manager, rep, teammate, outsider):
    assert _reps_shown(_grid(manager)) == {"owner", "teammate"}


def test_it_shows_a_rep_only_their_own_row(rep, teammate, outsider, admin_user):
    _set(admin_user, "1000", rep=teammate)
    groups = _grid(rep)
    assert _reps_shown(groups) == {"owner"}
    assert groups[0].team_cells is None


def test_it_keeps_a_rep_who_left_while_they_hold_a_quota(admin_user, team):
    gone = RepFactory(username="gone", team=team, is_active=False)
    RepFactory(username="gone-without-quota", team=team, is_active=False)
    _set(admin_user, "5000", rep=gone)
    assert _reps_shown(_grid(admin_user)) == {"gone"}


def test_it_shows_the_teams_own_quota_on_the_team_row(admin_user, team, rep, teammate):
    _set(admin_user, "100", rep=rep)
    _set(admin_user, "500", team=team)
    cell = _grid(admin_user)[0].team_cells[0]
    assert (cell.team_quota.target, cell.team_quota.is_own) == (Decimal("500"), True)


def test_it_sums_the_members_quotas_when_the_team_has_none(admin_user, team, rep, teammate):
    _set(admin_user, "100", rep=rep)
    _set(admin_user, "250", rep=teammate)
    _set(admin_user, "999", rep=rep, period=Q4.next())
    cells = _grid(admin_user)[0].team_cells
    assert (cells[0].team_quota.target, cells[0].team_quota.is_own) == (Decimal("350"), False)
    assert cells[1].team_quota.target == Decimal("999")
    assert cells[2].team_quota is None


def test_it_shows_only_the_chosen_measure(admin_user, rep):
    _set(admin_user, "12", rep=rep, measure="units")
    assert all(cell.quota is None for group in _grid(admin_user) for row in group.rows for cell in row.cells)
    units = _grid(admin_user, measure="units")
    assert units[0].rows[0].cells[0].quota.target == Decimal("12")


def _grid_queries(viewer) -> int:
    with CaptureQueriesContext(connection) as queries:
        _grid(viewer)
    return len(queries)


@pytest.mark.parametrize("viewer_name", ["admin_user", "manager"])
def test_it_reads_the_grid_in_the_same_number_of_queries_for_3_or_30_reps(request, viewer_name, team):
    viewer = request.getfixturevalue(viewer_name)
    admin = request.getfixturevalue("admin_user")
    reps = [RepFactory(team=team) for _ in range(3)]
    for rep in reps:
        _set(admin, "1000", rep=rep)
    few = _grid_queries(viewer)
    for _ in range(27):
        _set(admin, "1000", rep=RepFactory(team=team))
    for number in range(3):
        _set(admin, "2000", team=TeamFactory(name=f"Extra {number}"))
    assert _grid_queries(viewer) == few
    assert len(_reps_shown(_grid(viewer))) == 30


def test_team_quota_is_the_teams_own_when_set(admin_user, team, rep):
    _set(admin_user, "100", rep=rep)
    _set(admin_user, "700", team=team)
    quota = selectors.team_quota(team=team, period=Q4, measure="revenue")
    assert (quota.target, quota.is_own) == (Decimal("700"), True)


def test_team_quota_is_the_sum_of_members_otherwise(admin_user, team, rep, teammate, outsider):
    _set(admin_user, "100", rep=rep)
    _set(admin_user, "200", rep=teammate)
    _set(admin_user, "400", rep=outsider)
    _set(admin_user, "800", rep=rep, period=Q4.next())
    quota = selectors.team_quota(team=team, period=Q4, measure="revenue")
    assert (quota.target, quota.is_own) == (Decimal("300"), False)


def test_team_quota_is_none_without_any_quota(team, rep):
    assert selectors.team_quota(team=team, period=Q4, measure="revenue") is None


@pytest.fixture
def changes(admin_user, team, rep, teammate, outsider):
    _set(admin_user, "100", rep=rep)
    _set(admin_user, "200", rep=teammate)
    _set(admin_user, "300", rep=outsider)
    _set(admin_user, "400", team=team)
    _set(admin_user, "500", team=outsider.team)


def _targets(changes_qs):
    return [change.new_target for change in changes_qs]


def test_history_shows_admins_every_change_newest_first(changes, admin_user):
    assert _targets(selectors.quota_history(viewer=admin_user)) == [
        Decimal(n) for n in ("500", "400", "300", "200", "100")
    ]


def test_history_shows_managers_their_teams_and_members(changes, manager, other_manager):
    assert _targets(selectors.quota_history(viewer=manager)) == [Decimal("400"), Decimal("200"), Decimal("100")]
    assert _targets(selectors.quota_history(viewer=other_manager)) == [Decimal("500"), Decimal("300")]


def test_history_shows_reps_only_their_own(changes, rep):
    assert _targets(selectors.quota_history(viewer=rep)) == [Decimal("100")]


def test_history_filters_by_rep_and_team(changes, admin_user, teammate, team):
    assert _targets(selectors.quota_history(viewer=admin_user, rep=teammate)) == [Decimal("200")]
    assert _targets(selectors.quota_history(viewer=admin_user, team=team)) == [
        Decimal("400"),
        Decimal("200"),
        Decimal("100"),
    ]
