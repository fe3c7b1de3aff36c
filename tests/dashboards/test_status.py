"""The health endpoint, the admins' system status page and their banner when refreshes lag."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from activities import services as activity_services
from dashboards import rollups
from dashboards.models import DirtyMark, Scope

pytestmark = pytest.mark.django_db

HEALTH = "/health/"


def stuck_mark(rep, minutes: int) -> DirtyMark:
    return DirtyMark.objects.create(
        scope=Scope.ACTIVITY,
        rep_id=rep.pk,
        day=date(2026, 3, 2),
        created_at=timezone.now() - timedelta(minutes=minutes),
    )


def failed_mark(rep) -> DirtyMark:
    now = timezone.now()
    return DirtyMark.objects.create(
        scope=Scope.ACTIVITY,
        rep_id=rep.pk,
        day=date(9999, 12, 31),
        attempts=2,
        failed_at=now,
        retry_at=now + timedelta(minutes=10),
        error="ValueError: poison row",
    )


# --- /health/ ---------------------------------------------------------------------------


def test_it_answers_ok_for_every_check_with_a_healthy_database(client):
    response = client.get(HEALTH)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok", "rollups": "ok"}}
    assert "no-cache" in response["Cache-Control"]


def test_it_fails_when_a_mark_waits_longer_than_the_threshold(client, rep, settings):
    settings.ROLLUP_LAG_ALERT_MINUTES = 10
    stuck_mark(rep, minutes=9)
    assert client.get(HEALTH).status_code == 200
    stuck_mark(rep, minutes=11)
    response = client.get(HEALTH)
    assert response.status_code == 500
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "rollups": "failing"}


def test_it_fails_while_a_key_is_set_aside_and_reveals_nothing_of_it(client, rep):
    failed_mark(rep)
    response = client.get(HEALTH, HTTP_ACCEPT="text/html")
    assert response.status_code == 500
    assert response.json()["checks"]["rollups"] == "failing"
    body = response.content.decode()
    assert "poison" not in body and "9999" not in body and str(rep.pk) not in body.replace('"', " ").split()


def test_the_load_balancers_check_asks_only_what_a_web_process_needs(client, rep):
    stuck_mark(rep, minutes=60)
    response = client.get("/health/web/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


def test_it_answers_in_any_format_the_same_way(client):
    for query in ("?format=atom", "?format=text", "?format=openmetrics"):
        response = client.get(HEALTH + query)
        assert response.json()["status"] == "ok"


def test_it_is_not_redirected_to_https_for_the_load_balancer(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(HEALTH).status_code == 200
    assert client.get("/health/web/").status_code == 200
    assert client.get(reverse("accounts:login")).status_code == 301


# --- the system status page -------------------------------------------------------------


def test_it_shows_the_oldest_pending_change_and_the_failed_keys(client_as, admin_user, rep):
    stuck_mark(rep, minutes=25)
    failed_mark(rep)
    response = client_as(admin_user).get(reverse("dashboards:system_status"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "25\xa0minutes ago" in body
    assert rep.get_full_name() or rep.username in body
    assert "ValueError: poison row" in body
    assert "12/31/9999" in body  # the day, in the locale's short format


def test_it_says_when_nothing_waits(client_as, admin_user):
    response = client_as(admin_user).get(reverse("dashboards:system_status"))
    assert "every dashboard is up to date" in response.content.decode()


@pytest.mark.parametrize("who, status", [("rep", 403), ("manager", 403), ("admin_user", 200)])
def test_only_admins_see_the_status_page(client_as, request, who, status):
    user = request.getfixturevalue(who)
    assert client_as(user).get(reverse("dashboards:system_status")).status_code == status


def test_it_sends_strangers_to_sign_in(client):
    response = client.get(reverse("dashboards:system_status"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


# --- the banner ---------------------------------------------------------------------------

BANNER = "Dashboard figures are not being refreshed"


def test_admins_see_the_banner_on_every_page_when_refreshes_lag(client_as, admin_user, rep):
    client = client_as(admin_user)
    assert BANNER not in client.get(reverse("accounts:user_list")).content.decode()
    stuck_mark(rep, minutes=30)
    assert BANNER in client.get(reverse("accounts:user_list")).content.decode()
    assert BANNER in client.get(reverse("activities:list")).content.decode()


def test_admins_see_the_banner_while_a_key_is_set_aside(client_as, admin_user, rep):
    failed_mark(rep)
    assert BANNER in client_as(admin_user).get(reverse("activities:list")).content.decode()


@pytest.mark.parametrize("who", ["rep", "manager"])
def test_others_never_see_it_nor_pay_a_query_for_it(client_as, request, rep, who, django_assert_max_num_queries):
    user = request.getfixturevalue(who)
    client = client_as(user)
    client.get(reverse("activities:list"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as calm:
        client.get(reverse("activities:list"))
    stuck_mark(rep, minutes=30)
    with django_assert_max_num_queries(len(calm.captured_queries)):
        response = client.get(reverse("activities:list"))
    assert BANNER not in response.content.decode()
    assert not any("failed_at" in query["sql"] for query in calm.captured_queries)  # the banner's query


def test_the_banner_goes_once_the_drain_catches_up(client_as, admin_user, rep):
    activity_services.activity_log(
        owner=rep, by=rep, kind="call", outcome="connected", occurred_at=datetime(2026, 3, 2, 10, tzinfo=UTC)
    )
    DirtyMark.objects.update(created_at=timezone.now() - timedelta(hours=1))
    client = client_as(admin_user)
    assert BANNER in client.get(reverse("activities:list")).content.decode()
    rollups.drain()
    assert BANNER not in client.get(reverse("activities:list")).content.decode()


# --- compose -------------------------------------------------------------------------------


def _compose():
    import yaml

    return yaml.safe_load((Path(__file__).resolve().parents[2] / "docker-compose.yml").read_text())["services"]


def test_compose_asks_the_web_service_its_health_endpoint_without_curl():
    test = _compose()["web"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    assert "http://127.0.0.1:8000/health/" in test[3] and "ALLOWED_HOSTS" in test[3]
    compile(test[3], "healthcheck", "exec")


def test_compose_pings_the_worker_through_celery():
    assert "inspect ping" in _compose()["worker"]["healthcheck"]["test"][1]
