"""The in-app settings area: admins manage people, teams and territories."""

import pytest
from django.urls import reverse

from accounts.models import Role, Team, Territory, User
from tests.factories import RepFactory, TeamFactory, TerritoryFactory
from tests.helpers import can_sign_in


@pytest.fixture
def admin_client(client_as, admin_user):
    return client_as(admin_user)


def test_it_adds_a_rep_who_can_sign_in(admin_client, team, client):
    response = admin_client.post(
        reverse("accounts:user_create"),
        {
            "username": "newrep",
            "first_name": "Nia",
            "last_name": "Reed",
            "email": "nia@example.com",
            "role": Role.REP,
            "team": team.pk,
            "password1": "a-long-secret-9",
            "password2": "a-long-secret-9",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="newrep")
    assert (user.role, user.team, user.is_staff) == (Role.REP, team, False)
    client.logout()
    assert can_sign_in("newrep", "a-long-secret-9")


def test_it_gives_admins_django_admin_access(admin_client):
    admin_client.post(
        reverse("accounts:user_create"),
        {"username": "ops", "role": Role.ADMIN, "password1": "a-long-secret-9", "password2": "a-long-secret-9"},
    )
    assert User.objects.get(username="ops").is_staff


def test_it_refuses_a_rep_without_team(admin_client):
    response = admin_client.post(
        reverse("accounts:user_create"),
        {"username": "norep", "role": Role.REP, "password1": "a-long-secret-9", "password2": "a-long-secret-9"},
    )
    assert response.status_code == 200
    assert "A rep must belong to a team." in response.content.decode()
    assert not User.objects.filter(username="norep").exists()


def test_it_refuses_mismatched_passwords(admin_client, team):
    response = admin_client.post(
        reverse("accounts:user_create"),
        {"username": "x", "role": Role.REP, "team": team.pk, "password1": "a-long-secret-9", "password2": "other-9"},
    )
    assert response.context["form"].errors["password2"]
    assert not User.objects.filter(username="x").exists()


def test_it_refuses_demoting_a_manager_who_still_runs_a_team(admin_client, manager, team):
    response = admin_client.post(
        reverse("accounts:user_edit", kwargs={"user_id": manager.pk}),
        {"username": manager.username, "role": Role.REP, "team": team.pk, "is_active": "on"},
    )
    assert "give those teams another manager first" in response.content.decode()
    manager.refresh_from_db()
    assert manager.role == Role.MANAGER


def test_it_refuses_an_admin_removing_their_own_admin_role(admin_client, admin_user):
    response = admin_client.post(
        reverse("accounts:user_edit", kwargs={"user_id": admin_user.pk}),
        {"username": admin_user.username, "role": Role.MANAGER},
    )
    assert "You cannot remove your own admin role." in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.role == Role.ADMIN


def test_it_moves_a_rep_to_another_team_and_deactivates(admin_client, rep, outsider):
    response = admin_client.post(
        reverse("accounts:user_edit", kwargs={"user_id": rep.pk}),
        {"username": rep.username, "role": Role.REP, "team": outsider.team.pk},
    )
    assert response.status_code == 302
    rep.refresh_from_db()
    assert rep.team == outsider.team
    assert not rep.is_active


def test_it_sets_a_new_password(admin_client, rep, client):
    admin_client.post(
        reverse("accounts:user_set_password", kwargs={"user_id": rep.pk}),
        {"new_password1": "fresh-secret-77", "new_password2": "fresh-secret-77"},
    )
    client.logout()
    assert can_sign_in(rep.username, "fresh-secret-77")


def test_it_searches_people(admin_client, rep, outsider):
    response = admin_client.get(reverse("accounts:user_list"), {"q": "outsid"})
    assert list(response.context["page"]) == [outsider]


def test_it_lists_people_in_a_fixed_number_of_queries(admin_client, django_assert_max_num_queries):
    for n in range(30):
        RepFactory(username=f"rep{n}", territory=TerritoryFactory(name=f"T{n}"))
    with django_assert_max_num_queries(8):
        admin_client.get(reverse("accounts:user_list"))


def test_it_adds_a_team_below_a_department(admin_client, manager):
    department = TeamFactory(name="North America")
    admin_client.post(
        reverse("accounts:team_create"), {"name": "Central", "manager": manager.pk, "parent": department.pk}
    )
    assert Team.objects.get(name="Central").parent == department


def test_it_refuses_a_team_below_its_own_sub_team(admin_client, db):
    parent = TeamFactory(name="Parent")
    child = TeamFactory(name="Child", parent=parent)
    response = admin_client.post(
        reverse("accounts:team_edit", kwargs={"team_id": parent.pk}), {"name": "Parent", "parent": child.pk}
    )
    assert "cannot sit below itself" in response.content.decode()
    parent.refresh_from_db()
    assert parent.parent is None


def test_it_refuses_a_duplicate_team_name(admin_client, team):
    response = admin_client.post(reverse("accounts:team_create"), {"name": team.name})
    assert response.context["form"].errors["name"]
    assert Team.objects.filter(name=team.name).count() == 1


def test_it_refuses_a_rep_as_team_manager(admin_client, rep):
    response = admin_client.post(reverse("accounts:team_create"), {"name": "New", "manager": rep.pk})
    assert response.context["form"].errors["manager"]
    assert not Team.objects.filter(name="New").exists()


def test_it_keeps_a_team_that_still_has_members(admin_client, rep):
    response = admin_client.post(reverse("accounts:team_delete", kwargs={"team_id": rep.team.pk}))
    assert response.status_code == 409
    assert "Move this team" in response.content.decode()
    assert Team.objects.filter(pk=rep.team.pk).exists()


def test_it_deletes_an_empty_team(admin_client, db):
    empty = TeamFactory(name="Empty")
    response = admin_client.post(reverse("accounts:team_delete", kwargs={"team_id": empty.pk}))
    assert response.status_code == 302
    assert not Team.objects.filter(pk=empty.pk).exists()


def test_it_adds_and_renames_a_territory(admin_client):
    admin_client.post(reverse("accounts:territory_create"), {"name": "Nordics", "is_active": "on"})
    territory = Territory.objects.get(name="Nordics")
    admin_client.post(
        reverse("accounts:territory_edit", kwargs={"territory_id": territory.pk}), {"name": "Nordics & Baltics"}
    )
    territory.refresh_from_db()
    assert (territory.name, territory.is_active) == ("Nordics & Baltics", False)


def test_it_refuses_an_empty_territory_name(admin_client):
    response = admin_client.post(reverse("accounts:territory_create"), {"name": ""})
    assert response.context["form"].errors["name"]
    assert not Territory.objects.exists()


def test_it_keeps_a_territory_still_assigned(admin_client, rep):
    territory = TerritoryFactory(name="Busy")
    rep.territory = territory
    rep.save()
    response = admin_client.post(reverse("accounts:territory_delete", kwargs={"territory_id": territory.pk}))
    assert response.status_code == 409
    assert Territory.objects.filter(pk=territory.pk).exists()
