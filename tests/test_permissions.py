"""Every page against every role: anonymous, rep, manager and admin.

The matrix must name every URL of the project's apps; a new page without a
row here fails `test_it_covers_every_url`.
"""

from datetime import timedelta

import pytest
from django.urls import get_resolver, reverse
from django.utils import timezone

from dashboards.selectors.exports import TEAM_TABLES
from feeds.services import feed_token_for

LOGIN = "/accounts/login/"
OK, REDIRECT, FORBIDDEN, NOT_FOUND, NOT_ALLOWED = 200, 302, 403, 404, 405

ROLES = ("anonymous", "rep", "outsider", "manager", "admin")
# The rep owns every object below; the outsider is a rep of another team; the
# manager runs the rep's team.
SIGNED_IN = (REDIRECT, OK, OK, OK, OK)
ADMIN_ONLY = (REDIRECT, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK)
MANAGERS = (REDIRECT, FORBIDDEN, FORBIDDEN, OK, OK)
OWN_TEAM = (REDIRECT, OK, NOT_FOUND, OK, OK)  # another team's record is not even confirmed to exist
ADDRESS_BOOK_EDIT = (REDIRECT, OK, FORBIDDEN, OK, OK)  # shared to read, not to edit
CREATOR_ONLY = (REDIRECT, OK, NOT_FOUND, NOT_FOUND, OK)

# url name -> (kwargs builder, expected status for each of ROLES)
MATRIX = {
    "dashboards:home": (None, (REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT)),
    "dashboards:my_week": (None, SIGNED_IN),
    "dashboards:my_week_export": (lambda o: {"table": "goals"}, SIGNED_IN),
    "dashboards:one_on_one": (lambda o: {"rep_id": o["rep"].pk}, OWN_TEAM),
    "dashboards:one_on_one_export": (lambda o: {"rep_id": o["rep"].pk, "table": "figures"}, OWN_TEAM),
    "dashboards:one_on_one_notes": (lambda o: {"rep_id": o["rep"].pk}, (REDIRECT,) + (NOT_ALLOWED,) * 4),
    "dashboards:one_on_one_action_add": (lambda o: {"rep_id": o["rep"].pk}, (REDIRECT,) + (NOT_ALLOWED,) * 4),
    "dashboards:one_on_one_action_done": (
        lambda o: {"rep_id": o["rep"].pk, "item_id": 1},
        (REDIRECT,) + (NOT_ALLOWED,) * 4,
    ),
    "dashboards:one_on_one_close": (lambda o: {"rep_id": o["rep"].pk}, (REDIRECT,) + (NOT_ALLOWED,) * 4),
    "dashboards:team": (None, MANAGERS),
    "dashboards:team_export": (lambda o: {"table": "reps"}, MANAGERS),
    "dashboards:system_status": (None, ADMIN_ONLY),
    "dashboards:health": (None, (OK,) * 5),  # for monitors and load balancers: no sign-in, no data
    "dashboards:health_web": (None, (OK,) * 5),
    "accounts:login": (None, (OK, REDIRECT, REDIRECT, REDIRECT, REDIRECT)),
    "accounts:logout": (None, (NOT_ALLOWED,) * 5),
    "accounts:language": (None, (NOT_ALLOWED,) * 5),
    "accounts:password_change": (None, SIGNED_IN),
    "accounts:password_change_done": (None, SIGNED_IN),
    "accounts:user_list": (None, ADMIN_ONLY),
    "accounts:user_create": (None, ADMIN_ONLY),
    "accounts:user_edit": (lambda o: {"user_id": o["rep"].pk}, ADMIN_ONLY),
    "accounts:user_set_password": (lambda o: {"user_id": o["rep"].pk}, ADMIN_ONLY),
    "accounts:team_list": (None, ADMIN_ONLY),
    "accounts:team_create": (None, ADMIN_ONLY),
    "accounts:team_edit": (lambda o: {"team_id": o["team"].pk}, ADMIN_ONLY),
    "accounts:team_delete": (lambda o: {"team_id": o["team"].pk}, ADMIN_ONLY),
    "accounts:territory_list": (None, ADMIN_ONLY),
    "accounts:territory_create": (None, ADMIN_ONLY),
    "accounts:territory_edit": (lambda o: {"territory_id": o["territory"].pk}, ADMIN_ONLY),
    "accounts:territory_delete": (lambda o: {"territory_id": o["territory"].pk}, ADMIN_ONLY),
    # Pipeline settings
    "pipeline:pipeline_list": (None, ADMIN_ONLY),
    "pipeline:pipeline_create": (None, ADMIN_ONLY),
    "pipeline:pipeline_edit": (lambda o: {"pipeline_id": o["pipeline"].pk}, ADMIN_ONLY),
    "pipeline:stage_create": (lambda o: {"pipeline_id": o["pipeline"].pk}, ADMIN_ONLY),
    "pipeline:stage_edit": (lambda o: {"stage_id": o["stage"].pk}, ADMIN_ONLY),
    "pipeline:stage_archive": (lambda o: {"stage_id": o["stage"].pk}, ADMIN_ONLY),
    "pipeline:stage_reorder": (
        lambda o: {"pipeline_id": o["pipeline"].pk},
        (REDIRECT, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_ALLOWED),
    ),
    "pipeline:list_items": (lambda o: {"kind": "competitors"}, ADMIN_ONLY),
    "pipeline:list_item_create": (lambda o: {"kind": "lost-reasons"}, ADMIN_ONLY),
    "pipeline:list_item_edit": (lambda o: {"kind": "lead-sources", "item_id": o["lead_source"].pk}, ADMIN_ONLY),
    # Deals and the board
    "pipeline:board": (None, (REDIRECT,) * 5),
    "pipeline:pipeline_board": (lambda o: {"pipeline_id": o["pipeline"].pk}, SIGNED_IN),
    "pipeline:deal_list": (None, SIGNED_IN),
    "pipeline:deal_export": (None, SIGNED_IN),
    "pipeline:deal_create": (None, SIGNED_IN),
    "pipeline:deal_detail": (lambda o: {"deal_id": o["deal"].pk}, OWN_TEAM),
    "pipeline:deal_edit": (lambda o: {"deal_id": o["deal"].pk}, OWN_TEAM),
    "pipeline:deal_move": (lambda o: {"deal_id": o["deal"].pk}, OWN_TEAM),
    # POST only; each role's POST: tests/pipeline/views/test_category.py.
    "pipeline:deal_category": (lambda o: {"deal_id": o["deal"].pk}, (REDIRECT,) + (NOT_ALLOWED,) * 4),
    # The shared address book
    "pipeline:company_list": (None, SIGNED_IN),
    "pipeline:company_create": (None, SIGNED_IN),
    "pipeline:company_export": (None, SIGNED_IN),
    "pipeline:company_search": (None, SIGNED_IN),
    "pipeline:company_detail": (lambda o: {"company_id": o["company"].pk}, SIGNED_IN),
    "pipeline:company_edit": (lambda o: {"company_id": o["company"].pk}, ADDRESS_BOOK_EDIT),
    "pipeline:company_delete": (lambda o: {"company_id": o["company"].pk}, ADDRESS_BOOK_EDIT),
    "pipeline:contact_list": (None, SIGNED_IN),
    "pipeline:contact_create": (None, SIGNED_IN),
    "pipeline:contact_export": (None, SIGNED_IN),
    "pipeline:contact_search": (None, SIGNED_IN),
    "pipeline:contact_detail": (lambda o: {"contact_id": o["contact"].pk}, SIGNED_IN),
    "pipeline:contact_edit": (lambda o: {"contact_id": o["contact"].pk}, ADDRESS_BOOK_EDIT),
    "pipeline:contact_delete": (lambda o: {"contact_id": o["contact"].pk}, ADDRESS_BOOK_EDIT),
    "pipeline:import_upload": (lambda o: {"kind": "deals"}, SIGNED_IN),
    "pipeline:import_template": (lambda o: {"kind": "contacts"}, SIGNED_IN),
    # Activities
    "activities:list": (None, SIGNED_IN),
    "activities:export": (None, SIGNED_IN),
    "activities:log": (None, SIGNED_IN),
    "activities:link_search": (None, SIGNED_IN),
    "activities:upcoming": (None, SIGNED_IN),
    "activities:edit": (lambda o: {"activity_id": o["activity"].pk}, OWN_TEAM),
    "activities:delete": (lambda o: {"activity_id": o["activity"].pk}, OWN_TEAM),
    "activities:mark": (lambda o: {"activity_id": o["activity"].pk}, (REDIRECT,) + (NOT_ALLOWED,) * 4),
    "activities:import_upload": (None, SIGNED_IN),
    "activities:import_template": (None, SIGNED_IN),
    # An import is its creator's (and admins'): even their manager gets 404.
    "activities:import_detail": (lambda o: {"import_id": o["activity_import"].pk}, CREATOR_ONLY),
    "activities:import_mapping": (lambda o: {"import_id": o["activity_import"].pk}, CREATOR_ONLY),
    "activities:import_errors": (lambda o: {"import_id": o["activity_import"].pk}, CREATOR_ONLY),
    "activities:import_confirm": (lambda o: {"import_id": o["activity_import"].pk}, (REDIRECT,) + (NOT_ALLOWED,) * 4),
    # Quotas, goals and the planner
    "quotas:grid": (None, SIGNED_IN),
    "quotas:history": (None, SIGNED_IN),
    "quotas:grid_save": (None, (REDIRECT, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_ALLOWED)),
    "quotas:copy_previous": (None, (REDIRECT, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_ALLOWED)),
    "quotas:split": (None, ADMIN_ONLY),
    "quotas:org_settings": (None, ADMIN_ONLY),
    "quotas:zone_change": (None, ADMIN_ONLY),
    "quotas:zone_change_retry": (None, (REDIRECT, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_ALLOWED)),
    "quotas:goal_list": (None, SIGNED_IN),
    "quotas:goal_create": (None, MANAGERS),
    "quotas:goal_edit": (lambda o: {"goal_id": o["goal"].pk}, (REDIRECT, FORBIDDEN, NOT_FOUND, OK, OK)),
    "quotas:goal_delete": (lambda o: {"goal_id": o["goal"].pk}, (REDIRECT, FORBIDDEN, NOT_FOUND, OK, OK)),
    "quotas:metric_goal_create": (None, MANAGERS),
    "quotas:metric_goal_edit": (lambda o: {"goal_id": o["metric_goal"].pk}, (REDIRECT, FORBIDDEN, NOT_FOUND, OK, OK)),
    "quotas:metric_goal_delete": (lambda o: {"goal_id": o["metric_goal"].pk}, (REDIRECT, FORBIDDEN, NOT_FOUND, OK, OK)),
    "quotas:rewards": (None, ADMIN_ONLY),
    "quotas:rewards_export": (None, ADMIN_ONLY),
    "quotas:planner": (None, MANAGERS),
    "quotas:planner_apply": (None, (REDIRECT, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_ALLOWED)),
    # The forecast: everyone their own figures; a team's calls its managers' and admins'
    "forecast:page": (None, SIGNED_IN),
    "forecast:call_history": (lambda o: {"team_id": o["team"].pk}, MANAGERS),
    "forecast:call_submit": (
        lambda o: {"team_id": o["team"].pk},
        (REDIRECT, FORBIDDEN, FORBIDDEN, NOT_ALLOWED, NOT_ALLOWED),
    ),
    # The forecast's history: everyone their own; a team's or another rep's below
    "forecast:waterfall": (None, SIGNED_IN),
    "forecast:accuracy": (None, SIGNED_IN),
    # Best time to reach prospects: everyone their own; a team's or another rep's below (tests/insights)
    "insights:best_time": (None, SIGNED_IN),
    # Account coverage: a team's per rep for its managers; a rep's accounts for the rep and their managers
    "portfolio:team": (None, MANAGERS),
    "portfolio:accounts": (lambda o: {"rep_id": o["rep"].pk}, OWN_TEAM),
    "portfolio:assign": (lambda o: {"rep_id": o["rep"].pk}, (REDIRECT,) + (NOT_ALLOWED,) * 4),
    # Growth and retention: the team dashboard's rules (a team or rep of another team: 404, tests/trends)
    "trends:growth": (None, MANAGERS),
    # API tokens: everyone their own; admins everyone's (the API itself, by token: tests/api/test_permissions.py)
    "api:tokens": (None, SIGNED_IN),
    "api:tokens_all": (None, ADMIN_ONLY),
    "api:token_revoke": (lambda o: {"token_id": 1}, (REDIRECT,) + (NOT_ALLOWED,) * 4),
    # The calendar feed: a page of one's own; the feed answers to its secret alone (calendar apps do not sign in)
    "feeds:page": (None, SIGNED_IN),
    "feeds:reset": (None, (REDIRECT,) + (NOT_ALLOWED,) * 4),
    "feeds:calendar": (lambda o: {"secret": feed_token_for(user=o["rep"]).secret}, (OK,) * 5),
}
PROJECT_NAMESPACES = {
    "accounts",
    "dashboards",
    "pipeline",
    "activities",
    "quotas",
    "forecast",
    "insights",
    "portfolio",
    "trends",
    "api",
    "feeds",
}


def _project_url_names():
    names = set()
    for namespace, (_prefix, resolver) in get_resolver().namespace_dict.items():
        if namespace in PROJECT_NAMESPACES:
            names |= {f"{namespace}:{name}" for name in resolver.reverse_dict if isinstance(name, str)}
    return names


def test_it_covers_every_url():
    assert _project_url_names() == set(MATRIX)


@pytest.mark.parametrize("role_index, role", list(enumerate(ROLES)))
@pytest.mark.parametrize("url_name", sorted(MATRIX))
def test_it_answers_each_role(client, objects, outsider, manager, admin_user, url_name, role_index, role):
    build, expected = MATRIX[url_name]
    url = reverse(url_name, kwargs=build(objects) if build else None)
    user = {"rep": objects["rep"], "outsider": outsider, "manager": manager, "admin": admin_user}.get(role)
    if user:
        client.force_login(user)
    response = client.get(url)
    assert response.status_code == expected[role_index], f"{role} GET {url}"
    if role == "anonymous" and response.status_code == REDIRECT and url_name != "dashboards:home":
        assert response.url.startswith(LOGIN)


@pytest.mark.parametrize("role_index, role", list(enumerate(ROLES)))
@pytest.mark.parametrize("table", sorted(TEAM_TABLES))
def test_every_team_dashboard_export_answers_each_role(
    client, objects, outsider, manager, admin_user, table, role_index, role
):
    # The matrix above names the export once (the reps table); every table must answer as it does.
    url = reverse("dashboards:team_export", kwargs={"table": table})
    user = {"rep": objects["rep"], "outsider": outsider, "manager": manager, "admin": admin_user}.get(role)
    if user:
        client.force_login(user)
    assert client.get(url).status_code == MATRIX["dashboards:team_export"][1][role_index], f"{role} GET {url}"


@pytest.mark.parametrize("table", sorted(TEAM_TABLES))
def test_a_manager_exports_no_table_of_another_team(client_as, objects, manager, outsider, table):
    url = reverse("dashboards:team_export", kwargs={"table": table})
    assert client_as(manager).get(url, {"team": outsider.team_id}).status_code == NOT_FOUND


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
        ("pipeline:pipeline_create", None),
        ("pipeline:pipeline_edit", "pipeline_id"),
        ("pipeline:stage_create", "pipeline_id"),
        ("pipeline:stage_edit", "stage_id"),
        ("pipeline:stage_archive", "stage_id"),
        ("pipeline:stage_reorder", "pipeline_id"),
        ("quotas:grid_save", None),
        ("quotas:copy_previous", None),
        ("quotas:split", None),
        ("quotas:org_settings", None),
        ("quotas:zone_change_retry", None),
        ("quotas:planner_apply", None),
    ],
)
@pytest.mark.parametrize("role", ["rep", "manager"])
def test_it_refuses_settings_writes_to_non_admins(client, objects, manager, url_name, kwargs_key, role):
    from accounts.models import Team, Territory, User
    from pipeline.models import Pipeline, Stage
    from quotas.models import OrgSettings, Quota, QuotaChange, ZoneChange

    ids = {
        "user_id": objects["rep"].pk,
        "team_id": objects["team"].pk,
        "territory_id": objects["territory"].pk,
        "pipeline_id": objects["pipeline"].pk,
        "stage_id": objects["stage"].pk,
    }
    url = reverse(url_name, kwargs={kwargs_key: ids[kwargs_key]} if kwargs_key else None)
    # A time zone change that stopped making progress: what the retry would start again.
    ZoneChange.objects.create(
        from_zone="UTC",
        to_zone="Pacific/Auckland",
        status="queued",
        progress_at=timezone.now() - ZoneChange.STUCK_AFTER - timedelta(minutes=1),
    )
    client.force_login(objects["rep"] if role == "rep" else manager)
    tables = (User, Team, Territory, Pipeline, Stage, Quota, QuotaChange, OrgSettings, ZoneChange)
    before = [list(model.objects.values()) for model in tables]
    response = client.post(
        url,
        {"name": "Hacked", "username": "hacker", "role": "admin", "kind": "won", "total": "1", "currency": "XXX"},
    )
    assert response.status_code == FORBIDDEN
    assert [list(model.objects.values()) for model in tables] == before


FORECAST_CALL = {"period": "", "commit": "5000", "best_case": "9000", "note": "Signed by Friday"}


@pytest.mark.parametrize(
    "role, expected",
    [
        ("rep", FORBIDDEN),
        ("outsider", FORBIDDEN),
        ("manager", REDIRECT),
        ("other_manager", NOT_FOUND),
        ("admin", REDIRECT),
    ],
)
def test_only_the_teams_managers_and_admins_submit_its_forecast_call(
    client, objects, outsider, manager, other_manager, admin_user, role, expected
):
    from django.utils import timezone as django_timezone

    from forecast.models import ForecastCall

    user = {
        "rep": objects["rep"],
        "outsider": outsider,
        "manager": manager,
        "other_manager": other_manager,
        "admin": admin_user,
    }[role]
    client.force_login(user)
    period = f"month:{django_timezone.localdate().replace(day=1).isoformat()}"
    response = client.post(
        reverse("forecast:call_submit", kwargs={"team_id": objects["team"].pk}), FORECAST_CALL | {"period": period}
    )
    assert response.status_code == expected
    assert ForecastCall.objects.count() == (1 if expected == REDIRECT else 0)


@pytest.mark.parametrize("url_name", ["forecast:page", "forecast:call_history"])
def test_another_teams_manager_gets_404_for_its_forecast(client_as, objects, other_manager, url_name):
    team = objects["team"]
    if url_name == "forecast:page":
        url, query = reverse(url_name), {"team": team.pk}
    else:
        url, query = reverse(url_name, kwargs={"team_id": team.pk}), {}
    assert client_as(other_manager).get(url, query).status_code == NOT_FOUND


HISTORY_PAGES = ["forecast:waterfall", "forecast:accuracy"]


@pytest.mark.parametrize("url_name", HISTORY_PAGES)
@pytest.mark.parametrize(
    "role, team_status, rep_status",
    [
        ("rep", NOT_FOUND, OK),  # their own history only: their team's is not theirs
        ("teammate", NOT_FOUND, NOT_FOUND),
        ("outsider", NOT_FOUND, NOT_FOUND),
        ("manager", OK, OK),
        ("other_manager", NOT_FOUND, NOT_FOUND),
        ("admin", OK, OK),
    ],
)
def test_a_forecast_history_page_of_the_team_and_of_its_rep_answers_each_role(
    client, objects, teammate, outsider, manager, other_manager, admin_user, url_name, role, team_status, rep_status
):
    user = {
        "rep": objects["rep"],
        "teammate": teammate,
        "outsider": outsider,
        "manager": manager,
        "other_manager": other_manager,
        "admin": admin_user,
    }[role]
    client.force_login(user)
    url = reverse(url_name)
    assert client.get(url, {"team": objects["team"].pk}).status_code == team_status
    assert client.get(url, {"rep": objects["rep"].pk}).status_code == rep_status


def test_it_gives_404_for_a_missing_user(client_as, admin_user):
    response = client_as(admin_user).get(reverse("accounts:user_edit", kwargs={"user_id": 999999}))
    assert response.status_code == 404
