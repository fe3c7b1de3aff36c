from django.urls import reverse


def test_it_sends_a_rep_home_to_their_week(client_as, rep):
    assert client_as(rep).get(reverse("dashboards:home")).url == reverse("dashboards:my_week")


def test_it_sends_a_manager_home_to_the_team_page(client_as, manager):
    assert client_as(manager).get(reverse("dashboards:home")).url == reverse("dashboards:team")


def test_it_shows_a_rep_their_team_and_manager(client_as, rep, manager):
    body = client_as(rep).get(reverse("dashboards:my_week")).content.decode()
    assert rep.team.name in body
    assert str(manager) in body


def test_it_shows_a_manager_only_their_teams_members(client_as, manager, rep, teammate, outsider):
    body = client_as(manager).get(reverse("dashboards:team")).content.decode()
    assert str(rep) in body and str(teammate) in body
    assert str(outsider) not in body and outsider.team.name not in body


def test_it_shows_an_admin_every_team(client_as, admin_user, rep, outsider):
    body = client_as(admin_user).get(reverse("dashboards:team")).content.decode()
    assert rep.team.name in body and outsider.team.name in body


def test_it_builds_the_team_page_in_a_fixed_number_of_queries(client_as, admin_user, django_assert_max_num_queries):
    from tests.factories import RepFactory, TeamFactory

    for n in range(5):
        team = TeamFactory(name=f"Team {n}")
        for m in range(5):
            RepFactory(username=f"r{n}-{m}", team=team)
    client = client_as(admin_user)
    # The full dashboard: a fixed number whatever the team size (see tests/dashboards/test_team_dashboard.py).
    # Two more for the forecast accuracy of the last closed month and quarter (issue 21).
    # One more: the metric goals of the reps and teams shown (quotas goal_tags; issue 22).
    # Four more: the early-warning flags (trends: activity, closed deals and ramped goals of the two
    # windows, and the organisation's share; issue 22). Coverage shows no card without reps.
    with django_assert_max_num_queries(38):
        client.get(reverse("dashboards:team"))


def test_it_shows_navigation_that_fits_the_role(client_as, rep, manager, admin_user):
    settings_link = reverse("accounts:user_list")
    team_link = reverse("dashboards:team")
    rep_page = client_as(rep).get(reverse("dashboards:my_week")).content.decode()
    assert settings_link not in rep_page and team_link not in rep_page
    manager_page = client_as(manager).get(reverse("dashboards:my_week")).content.decode()
    assert team_link in manager_page and settings_link not in manager_page
    admin_page = client_as(admin_user).get(reverse("dashboards:my_week")).content.decode()
    assert team_link in admin_page and settings_link in admin_page
