from accounts.models import Role, Team, User
from tests.factories import RepFactory, TeamFactory, UserFactory


def test_it_shows_a_rep_only_their_own_team(rep, teammate, outsider):
    assert list(Team.objects.visible_to(rep)) == [rep.team]
    assert set(User.objects.visible_to(rep)) == {rep, teammate}


def test_it_shows_a_manager_only_the_teams_they_run(manager, rep, teammate, outsider):
    assert list(Team.objects.visible_to(manager)) == [rep.team]
    assert set(User.objects.visible_to(manager)) == {manager, rep, teammate}


def test_it_shows_a_department_head_every_team_below(db):
    director = UserFactory(username="director", role=Role.MANAGER)
    department = TeamFactory(name="North America", manager=director)
    east = TeamFactory(name="East", parent=department)
    east_north = TeamFactory(name="East North", parent=east)
    elsewhere = TeamFactory(name="EMEA")
    member = RepFactory(team=east_north)
    assert set(Team.objects.visible_to(director)) == {department, east, east_north}
    assert member in User.objects.visible_to(director)
    assert not User.objects.visible_to(director).filter(team=elsewhere).exists()


def test_it_shows_an_admin_everything(admin_user, rep, outsider):
    assert set(Team.objects.visible_to(admin_user)) == {rep.team, outsider.team}


def test_it_treats_a_superuser_as_admin(db):
    user = User.objects.create_superuser("root", "root@example.com", "pw-long-enough")
    assert user.role == Role.ADMIN
    assert user.is_admin


def test_it_shows_a_rep_without_team_only_themselves(db):
    loner = UserFactory(role=Role.REP)
    assert list(User.objects.visible_to(loner)) == [loner]
    assert not Team.objects.visible_to(loner).exists()
