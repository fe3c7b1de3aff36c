"""Activity goals: who may see and change them, the form's rules, ramped targets and progress."""

from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import Kind, Outcome
from activities.services import activity_log
from quotas.history import goal_progress, goal_rows, ramp_targets
from quotas.models import ActivityGoal, GoalMetric, MetricGoal, OrgSettings
from quotas.periods import Period
from quotas.services import goal_save
from tests.factories import RepFactory

WEEK = Period.containing(date(2025, 6, 9), "week")  # Monday 9 to Sunday 15 June 2025
WEDNESDAY = date(2025, 6, 11)  # three days of seven gone


def make_goal(**fields) -> ActivityGoal:
    fields.setdefault("metric", GoalMetric.CALLS)
    fields.setdefault("target", 10)
    fields.setdefault("starts_on", date(2025, 1, 1))
    return goal_save(goal=ActivityGoal(**fields))


def log(owner, kind=Kind.CALL, *, day=WEDNESDAY, times=1):
    outcome = {Kind.CALL: Outcome.CONNECTED, Kind.EMAIL: Outcome.SENT, Kind.MEETING: Outcome.HELD}.get(kind, "")
    for _i in range(times):
        at = timezone.make_aware(datetime.combine(day, time(10)))
        activity_log(owner=owner, by=owner, kind=kind, outcome=outcome, occurred_at=at, created_at=at)


def form_data(**fields):
    data = {
        "rep": "",
        "team": "",
        "metric": GoalMetric.OUTREACH,
        "frequency": "week",
        "target": "100",
        "ramp_start": "",
        "ramp_step": "",
        "starts_on": "2025-06-02",
        "priority": "1",
    }
    data.update({name: str(value) for name, value in fields.items()})
    return data


@pytest.fixture
def rep_goal(rep):
    return make_goal(rep=rep)


@pytest.fixture
def team_goal(team):
    return make_goal(team=team, metric=GoalMetric.EMAILS)


@pytest.fixture
def people(rep, teammate, manager, other_manager, outsider, admin_user):
    return {
        "rep": rep,
        "teammate": teammate,
        "manager": manager,
        "other_manager": other_manager,
        "outsider": outsider,
        "admin": admin_user,
    }


# --- permissions ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, rep_goal_status, team_goal_status",
    [
        ("rep", 403, 403),  # their own goal and their team's: visible, read-only
        ("teammate", 404, 403),  # a teammate's own goal is not theirs to see
        ("manager", 200, 200),
        ("other_manager", 404, 404),
        ("outsider", 404, 404),
        ("admin", 200, 200),
    ],
)
@pytest.mark.parametrize("view", ["quotas:goal_edit", "quotas:goal_delete"])
def test_it_lets_only_managers_of_the_team_and_admins_change_a_goal(
    client_as, people, rep_goal, team_goal, view, who, rep_goal_status, team_goal_status
):
    client = client_as(people[who])
    assert client.get(reverse(view, args=[rep_goal.pk])).status_code == rep_goal_status
    assert client.get(reverse(view, args=[team_goal.pk])).status_code == team_goal_status


@pytest.mark.parametrize("view", ["quotas:goal_list", "quotas:goal_create", "quotas:goal_edit", "quotas:goal_delete"])
def test_it_sends_anonymous_visitors_to_sign_in(client, rep_goal, view):
    args = [rep_goal.pk] if view in ("quotas:goal_edit", "quotas:goal_delete") else []
    response = client.get(reverse(view, args=args))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("who, status", [("rep", 403), ("teammate", 403), ("manager", 200), ("admin", 200)])
def test_it_lets_managers_and_admins_create_goals(client_as, people, who, status):
    assert client_as(people[who]).get(reverse("quotas:goal_create")).status_code == status


@pytest.mark.parametrize(
    "who, sees",
    [
        ("rep", {"rep", "team"}),
        ("teammate", {"team"}),
        ("manager", {"rep", "team"}),
        ("other_manager", {"outsider"}),
        ("outsider", {"outsider"}),
        ("admin", {"rep", "team", "outsider"}),
    ],
)
def test_it_lists_the_goals_each_person_may_see(client_as, people, rep_goal, team_goal, who, sees):
    outsider_goal = make_goal(rep=people["outsider"])
    ids = {"rep": rep_goal.pk, "team": team_goal.pk, "outsider": outsider_goal.pk}
    response = client_as(people[who]).get(reverse("quotas:goal_list"))
    assert response.status_code == 200
    listed = {row.goal.pk for row in response.context["rows"]}
    assert listed == {ids[name] for name in sees}


def test_it_shows_edit_links_only_to_those_who_may_change(client_as, rep, manager, rep_goal):
    edit_url = reverse("quotas:goal_edit", args=[rep_goal.pk])
    assert edit_url not in client_as(rep).get(reverse("quotas:goal_list")).content.decode()
    assert edit_url in client_as(manager).get(reverse("quotas:goal_list")).content.decode()


def test_it_limits_a_managers_choices_to_their_teams(client_as, manager, rep, outsider, team):
    response = client_as(manager).post(reverse("quotas:goal_create"), form_data(rep=outsider.pk))
    assert response.status_code == 422
    assert "rep" in response.context["form"].errors
    form = response.context["form"]
    assert set(form.fields["rep"].queryset) == {rep}
    assert set(form.fields["team"].queryset) == {team}
    assert not ActivityGoal.objects.exists()


def test_a_manager_sets_a_goal_for_a_rep_of_their_team(client_as, manager, rep):
    response = client_as(manager).post(
        reverse("quotas:goal_create"), form_data(rep=rep.pk, ramp_start=50, ramp_step=10)
    )
    assert response.status_code == 302
    goal = ActivityGoal.objects.get()
    assert (goal.rep, goal.metric, goal.target, goal.ramp_start, goal.ramp_step) == (
        rep,
        GoalMetric.OUTREACH,
        100,
        50,
        10,
    )


def test_a_manager_cannot_change_another_teams_goal(client_as, other_manager, rep_goal):
    url = reverse("quotas:goal_edit", args=[rep_goal.pk])
    response = client_as(other_manager).post(url, form_data(rep=rep_goal.rep_id, target=1))
    assert response.status_code == 404
    rep_goal.refresh_from_db()
    assert rep_goal.target == 10


def test_a_manager_edits_and_deletes_a_goal_of_their_team(client_as, manager, rep, team_goal):
    client = client_as(manager)
    edit = client.post(reverse("quotas:goal_edit", args=[team_goal.pk]), form_data(team=team_goal.team_id, target=40))
    assert edit.status_code == 302
    team_goal.refresh_from_db()
    assert team_goal.target == 40
    assert client.post(reverse("quotas:goal_delete", args=[team_goal.pk])).status_code == 302
    assert not ActivityGoal.objects.filter(pk=team_goal.pk).exists()


def test_a_rep_cannot_delete_their_own_goal(client_as, rep, rep_goal):
    assert client_as(rep).post(reverse("quotas:goal_delete", args=[rep_goal.pk])).status_code == 403
    assert ActivityGoal.objects.filter(pk=rep_goal.pk).exists()


# --- the form's rules --------------------------------------------------------------------------


@pytest.mark.parametrize("choose", [{}, {"rep": "rep", "team": "team"}])
def test_it_needs_exactly_one_of_rep_or_team(client_as, admin_user, rep, team, choose):
    ids = {"rep": rep.pk, "team": team.pk}
    response = client_as(admin_user).post(
        reverse("quotas:goal_create"), form_data(**{field: ids[value] for field, value in choose.items()})
    )
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert "Choose a rep or a team, not both." in errors["rep"]
    assert "Choose a rep or a team, not both." in errors["team"]
    assert not ActivityGoal.objects.exists()


def test_only_a_team_goal_can_be_collective(client_as, admin_user, rep, team):
    client = client_as(admin_user)
    response = client.post(reverse("quotas:goal_create"), form_data(rep=rep.pk, is_collective="on"))
    assert response.status_code == 422
    assert "is_collective" in response.context["form"].errors
    assert client.post(reverse("quotas:goal_create"), form_data(team=team.pk, is_collective="on")).status_code == 302
    assert ActivityGoal.objects.get().is_collective


@pytest.mark.parametrize(
    "ramp, field",
    [
        ({"ramp_start": 50}, "ramp_step"),
        ({"ramp_step": 10}, "ramp_start"),
        ({"ramp_start": 100, "ramp_step": 10}, "ramp_start"),
    ],
)
def test_a_ramp_needs_a_start_below_the_target_and_a_step(client_as, admin_user, rep, ramp, field):
    response = client_as(admin_user).post(reverse("quotas:goal_create"), form_data(rep=rep.pk, **ramp))
    assert response.status_code == 422
    assert field in response.context["form"].errors


def test_it_lists_goals_by_priority(client_as, admin_user, rep, team):
    third = make_goal(rep=rep, priority=3)
    first = make_goal(team=team, priority=1)
    second = make_goal(rep=rep, priority=2)
    rows = client_as(admin_user).get(reverse("quotas:goal_list")).context["rows"]
    assert [row.goal for row in rows] == [first, second, third]


def test_the_goal_list_costs_the_same_queries_for_more_goals(
    client_as, admin_user, team, rep, teammate, django_assert_max_num_queries
):
    for index in range(12):
        make_goal(rep=rep if index % 2 else None, team=None if index % 2 else team, metric=GoalMetric.OUTREACH)
        owner = {"rep": rep} if index % 2 else {"team": team}
        MetricGoal.objects.create(**owner, metric="win_rate" if index % 3 else "won_revenue", target=30)
    OrgSettings.load()  # saved, as in every organisation that has been set up
    client = client_as(admin_user)
    # 7 for the activity goals; the metric goals: the goals, the fiscal start, the teams' reps, one
    # GROUP BY on ActivityDay and one on ClosedDay for every period, and which ones the user may change.
    with django_assert_max_num_queries(13):
        assert client.get(reverse("quotas:goal_list")).status_code == 200


# --- ramped targets -------------------------------------------------------------------------


def test_it_derives_a_ramped_target_for_each_period(rep):
    goal = make_goal(rep=rep, target=100, ramp_start=50, ramp_step=10, starts_on=date(2025, 6, 4))
    first = Period.containing(date(2025, 6, 4), "week")
    targets = [goal.target_for(Period.containing(first.start + timedelta(weeks=n), "week")) for n in range(-1, 8)]
    assert targets == [0, 50, 60, 70, 80, 90, 100, 100, 100]
    assert ramp_targets(goal, first) == ((60, 70, 80), True)
    assert ramp_targets(goal, Period.containing(date(2025, 6, 30), "week")) == ((100,), False)
    assert ramp_targets(make_goal(rep=rep), first) == ((), False)


def test_the_list_shows_this_periods_target_and_the_ramp_ahead(client_as, manager, rep):
    make_goal(rep=rep, target=100, ramp_start=50, ramp_step=10, starts_on=timezone.localdate(), frequency="week")
    response = client_as(manager).get(reverse("quotas:goal_list"))
    [row] = response.context["rows"]
    assert (row.target, row.upcoming, row.still_rising) == (50, (60, 70, 80), True)
    assert "50 → 60 → 70 → 80 …" in response.content.decode()


# --- progress ---------------------------------------------------------------------------------


def test_progress_counts_every_kind_of_a_grouped_goal(rep, teammate):
    goal = make_goal(rep=rep, metric=GoalMetric.OUTREACH, target=10)
    log(rep, Kind.CALL, times=3)
    log(rep, Kind.EMAIL, times=3)
    log(rep, Kind.MEETING)  # not outreach
    log(rep, Kind.CALL, day=date(2025, 6, 8))  # the week before
    log(teammate, Kind.CALL)  # someone else's
    progress = goal_progress(goal=goal, period=WEEK, today=WEDNESDAY)
    assert (progress.count, progress.target, progress.ratio) == (6, 10, 0.6)
    assert progress.pace == pytest.approx(6 / (10 * 3 / 7))
    assert not progress.met


def test_progress_of_a_team_goal_counts_every_member(team, rep, teammate, outsider):
    goal = make_goal(team=team, metric=GoalMetric.ALL_MEETINGS, target=3)
    log(rep, Kind.MEETING)
    log(teammate, Kind.MEETING, times=2)
    log(outsider, Kind.MEETING)
    progress = goal_progress(goal=goal, period=WEEK, today=WEDNESDAY)
    assert (progress.count, progress.met) == (3, True)


def test_progress_uses_the_ramped_target_of_the_period(rep):
    goal = make_goal(rep=rep, target=100, ramp_start=50, ramp_step=10, starts_on=date(2025, 6, 2))
    log(rep, times=30)
    progress = goal_progress(goal=goal, period=WEEK, today=WEDNESDAY)
    assert (progress.target, progress.ratio) == (60, 0.5)


def test_a_collective_goal_is_met_only_when_every_member_meets_their_part(team, rep, teammate):
    goal = make_goal(team=team, target=9, is_collective=True)  # 4.5 each, rounded up: 5
    log(rep, times=8)
    log(teammate, times=4)
    progress = goal_progress(goal=goal, period=WEEK, today=WEDNESDAY)
    assert (progress.count, progress.members_met) == (12, 1)
    assert [member.part for member in progress.members] == [5, 5]
    assert not progress.met
    log(teammate)
    assert goal_progress(goal=goal, period=WEEK, today=WEDNESDAY).met


def test_a_collective_goal_of_a_team_without_reps_is_not_met(db):
    lonely = RepFactory(username="lonely").team
    lonely.members.update(team=None)
    goal = make_goal(team=lonely, is_collective=True)
    assert not goal_progress(goal=goal, period=WEEK, today=WEDNESDAY).met


def test_nothing_is_due_before_a_goal_starts(rep):
    goal = make_goal(rep=rep, starts_on=date(2025, 7, 1))
    log(rep)
    progress = goal_progress(goal=goal, period=WEEK, today=WEDNESDAY)
    assert (progress.target, progress.ratio, progress.pace, progress.met) == (0, None, None, False)


def test_goal_rows_agree_with_goal_progress(team, rep, teammate):
    goals = [
        make_goal(rep=rep, metric=GoalMetric.OUTREACH),
        make_goal(team=team, is_collective=True, frequency="month"),
    ]
    log(rep, Kind.EMAIL, day=date(2025, 6, 2), times=2)
    log(teammate, Kind.CALL, times=7)
    rows = goal_rows(goals=goals, today=WEDNESDAY)
    for row in rows:
        period = Period.containing(WEDNESDAY, row.goal.frequency)
        assert row.progress == goal_progress(goal=row.goal, period=period, today=WEDNESDAY)
    assert [row.progress.count for row in rows] == [0, 7]
