"""Every page against every role: anonymous, rep, manager and admin.

The matrix must name every URL of the project's apps; a new page without a
row here fails `test_it_covers_every_url`.
"""

import pytest
from django.urls import get_resolver, reverse

LOGIN = "/accounts/login/"
OK, REDIRECT, FORBIDDEN, NOT_ALLOWED = 200, 302, 403, 405

# url name -> (kwargs builder, expected status for anonymous, rep, manager, admin)
MATRIX = {
    "dashboards:home": (None, (REDIRECT, REDIRECT, REDIRECT, REDIRECT)),
    "dashboards:my_week": (None, (REDIRECT, OK, OK, OK)),
    "dashboards:team": (None, (REDIRECT, FORBIDDEN, OK, OK)),
    "accounts:login": (None, (OK, REDIRECT, REDIRECT, REDIRECT)),
    "accounts:logout": (None, (NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED)),
    "accounts:password_change": (None, (REDIRECT, OK, OK, OK)),
    "accounts:password_change_done": (None, (REDIRECT, OK, OK, OK)),
    "accounts:user_list": (None, (REDIRECT, FORBIDDEN, FORBIDDEN, OK)),
    "accounts:user_create": (None, (REDIRECT, FORBIDDEN, FORBIDDEN, OK)),
    "accounts:user_edit": (lambda o: {"user_id": o["rep"].pk}, (REDIRECT, FORBIDDEN, FORBIDDEN, OK)),
    "accounts:user_set_password": (lambda o: {"user_id": o["rep"].pk}, (REDIRECT, FORBIDDEN, FORBIDDEN, OK)),
    "accounts:team_list": (None, (REDIRECT, FORBIDDEN, FORBIDDEN, OK)),
    "accounts:team_create": (None, (REDIRECT, FORBIDDEN, FORBIDDEN, OK)),
    "accounts:team_edit": (lambda o: {"team_id": o["team"].pk}, (REDIRECT, FORBIDDEN, FORBIDDEN, OK)),
    "accounts:team_delete": (lambda o: {"team_id": o["team"].pk}, (REDIRECT, FORBIDDEN, FORBIDDEN, OK)),
    "accounts:territory_list": (None, (REDIRECT, FORBIDDEN, FORBIDDEN, OK)),
    "accounts:territory_create": (None, (REDIRECT, FORBIDDEN, FORBIDDEN, OK)),
    "accounts:territory_edit": (lambda o: {"territory_id": o["territory"].pk}, (REDIRECT, FORBIDDEN, FORBIDDEN, OK)),
    "accounts:territory_delete": (
        lambda o: {"territory_id": o["territory"].pk},
        (REDIRECT, FORBIDDEN, FORBIDDEN, OK),
    ),
}
ROLES = ("anonymous", "rep", "manager", "admin")
PROJECT_NAMESPACES = {"accounts", "dashboards"}


def _project_url_names():
    names = set()
    for namespace, (_prefix, resolver) in get_resolver().namespace_dict.items():
        if namespace in PROJECT_NAMESPACES:
            names |= {f"{namespace}:{name}" for name in resolver.reverse_dict if isinstance(name, str)}
    return names


def test_it_covers_every_url():
    assert _project_url_names() == set(MATRIX)


@pytest.fixture
def objects(rep, team):
    from tests.factories import TerritoryFactory

    return {"rep": rep, "team": team, "territory": TerritoryFactory(name="Northeast")}


@pytest.mark.parametrize("role_index, role", list(enumerate(ROLES)))
@pytest.mark.parametrize("url_name", sorted(MATRIX))
def test_it_answers_each_role(client, objects, manager, admin_user, url_name, role_index, role):
    build, expected = MATRIX[url_name]
    url = reverse(url_name, kwargs=build(objects) if build else None)
    user = {"rep": objects["rep"], "manager": manager, "admin": admin_user}.get(role)
    if user:
        client.force_login(user)
    response = client.get(url)
    assert response.status_code == expected[role_index], f"{role} GET {url}"
    if role == "anonymous" and response.status_code == REDIRECT and url_name != "dashboards:home":
        assert response.url.startswith(LOGIN)


@pytest.mark.parametrize(
    "url_name, kwargs_key",
    [
        ("accounts:user_create", None),
        ("accounts:user_edit", "user_id"),
        ("accounts:user_set_password", "user_id"),
        ("accounts:team_create", None),
        ("accounts:team_edit", "team_id"),
        ("accounts:team_delete", "team_id"),
        ("accounts:territory_create", None),
        ("accounts:territory_edit", "territory_id"),
        ("accounts:territory_delete", "territory_id"),
    ],
)
@pytest.mark.parametrize("role", ["rep", "manager"])
def test_it_refuses_settings_writes_to_non_admins(client, objects, manager, url_name, kwargs_key, role):
    from accounts.models import Team, Territory, User

    ids = {"user_id": objects["rep"].pk, "team_id": objects["team"].pk, "territory_id": objects["territory"].pk}
    url = reverse(url_name, kwargs={kwargs_key: ids[kwargs_key]} if kwargs_key else None)
    client.force_login(objects["rep"] if role == "rep" else manager)
    before = (list(User.objects.values()), list(Team.objects.values()), list(Territory.objects.values()))
    response = client.post(url, {"name": "Hacked", "username": "hacker", "role": "admin"})
    assert response.status_code == FORBIDDEN
    assert (list(User.objects.values()), list(Team.objects.values()), list(Territory.objects.values())) == before


def test_it_gives_404_for_a_missing_user(client_as, admin_user):
    response = client_as(admin_user).get(reverse("accounts:user_edit", kwargs={"user_id": 999999}))
    assert response.status_code == 404
