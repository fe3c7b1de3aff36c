"""The ASVS level 2 settings of salestracker/security.py and settings.py: the Content-Security-Policy
header, no-store caching for signed-in pages and exports, the session's idle and absolute timeouts,
and the sign-in lockout per address across usernames."""

import time

from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities.models import Activity
from dashboards.selectors.exports import MY_WEEK_TABLES, ONE_ON_ONE_TABLES, TEAM_TABLES
from salestracker.sessions import LAST_SEEN_AT, SIGNED_IN_AT
from tests.factories import PASSWORD

LOGIN = reverse("accounts:login")


def _directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())


# --- Content-Security-Policy --------------------------------------------------------------------


def test_it_sends_a_policy_without_inline_script_or_style(client_as, rep):
    directives = _directives(client_as(rep).get(reverse("dashboards:my_week")))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert directives["base-uri"] == "'self'"
    assert directives["img-src"] == "'self' data:"


def test_the_sign_in_page_has_the_policy_too(client):
    assert _directives(client.get(LOGIN))["script-src"] == "'self'"


def test_htmx_runs_without_eval_or_inline_indicator_styles(client_as, rep):
    page = client_as(rep).get(reverse("dashboards:my_week")).content.decode()
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false, "allowEval": false}\'>' in page


# --- Cache-Control ------------------------------------------------------------------------------


def _no_store(response) -> bool:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives


def test_a_signed_in_page_is_never_stored(client_as, rep):
    assert _no_store(client_as(rep).get(reverse("dashboards:my_week")))


def test_an_htmx_fragment_is_never_stored(client_as, rep):
    response = client_as(rep).get(reverse("activities:log"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert _no_store(response)


def _exports(rep, manager):
    yield rep, reverse("activities:export")
    yield rep, reverse("pipeline:deal_export")
    yield rep, reverse("pipeline:company_export")
    yield rep, reverse("pipeline:contact_export")
    for table in MY_WEEK_TABLES:
        yield rep, reverse("dashboards:my_week_export", args=[table])
    for table in ONE_ON_ONE_TABLES:
        yield manager, reverse("dashboards:one_on_one_export", args=[rep.pk, table])
    for table in TEAM_TABLES:
        yield manager, reverse("dashboards:team_export", args=[table])


def test_every_csv_export_is_never_stored(client_as, rep, manager):
    for user, url in _exports(rep, manager):
        response = client_as(user).get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/csv"), url
        assert _no_store(response), url


def test_the_sign_in_page_is_never_stored_either(client):
    # Django's LoginView marks it never_cache: it carries a CSRF token for this browser only.
    assert _no_store(client.get(LOGIN))


def test_static_files_stay_cacheable(client_as, rep, settings):
    # WhiteNoise answers before the middleware; here it serves from the finders, as under `runserver`.
    settings.WHITENOISE_USE_FINDERS = True
    response = client_as(rep).get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


# --- Session timeouts ---------------------------------------------------------------------------


def _signed_in(client, user, *, idle: int = 0, since_sign_in: int = 0):
    """``client`` signed in as ``user``, its last request ``idle`` seconds ago and its sign-in
    ``since_sign_in`` seconds ago."""
    client.force_login(user)
    now = int(time.time())
    session = client.session
    session[SIGNED_IN_AT] = now - max(since_sign_in, idle)
    session[LAST_SEEN_AT] = now - idle
    session.save()
    return client


def test_it_keeps_a_session_active_within_the_idle_timeout(client, rep, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    response = _signed_in(client, rep, idle=29 * 60).get(reverse("dashboards:my_week"))
    assert response.status_code == 200
    assert client.session[LAST_SEEN_AT] >= int(time.time()) - 1


def test_it_signs_out_after_the_idle_timeout(client, rep, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    my_week = reverse("dashboards:my_week")
    response = _signed_in(client, rep, idle=31 * 60).get(my_week)
    assert response.status_code == 302
    assert response.url == f"{LOGIN}?next={my_week.replace('/', '%2F')}"
    assert "_auth_user_id" not in client.session
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "You were signed out after 30 minutes without activity. Please sign in again."
    ]
    # The message shows on the sign-in page.
    assert "30 minutes without activity" in client.get(response.url).content.decode()


def test_an_htmx_request_after_the_idle_timeout_redirects_the_whole_page(client, rep, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    response = _signed_in(client, rep, idle=31 * 60).get(
        reverse("activities:log"),
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/pipeline/deals/?q=acme"},
    )
    # Not the sign-in page swapped into a fragment: htmx sends the browser there.
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{LOGIN}?next=%2Fpipeline%2Fdeals%2F%3Fq%3Dacme"
    assert response.content == b""
    assert "_auth_user_id" not in client.session


def test_a_post_after_the_idle_timeout_writes_nothing(client, rep, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    response = _signed_in(client, rep, idle=31 * 60).post(
        reverse("activities:log"), {"kind": "call", "outcome": "connected"}
    )
    assert (response.status_code, response.url) == (302, LOGIN)
    assert not Activity.objects.filter(owner=rep).exists()


def test_it_signs_out_after_the_absolute_timeout_however_active(client, rep, settings):
    settings.SESSION_COOKIE_AGE = 12 * 3600
    response = _signed_in(client, rep, idle=60, since_sign_in=12 * 3600 + 60).get(reverse("dashboards:my_week"))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)
    assert "_auth_user_id" not in client.session


def test_it_saves_the_last_request_time_at_most_once_a_minute(client, rep):
    _signed_in(client, rep, idle=10)
    before = client.session[LAST_SEEN_AT]
    client.get(reverse("dashboards:my_week"))
    assert client.session[LAST_SEEN_AT] == before


def test_the_first_page_after_sign_in_writes_no_session(client_as, rep):
    client = client_as(rep)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("dashboards:my_week"))
    assert not [q["sql"] for q in queries if "django_session" in q["sql"] and not q["sql"].startswith("SELECT")]


def test_a_new_sign_in_starts_both_clocks(client, rep):
    client.post(LOGIN, {"username": rep.username, "password": PASSWORD})
    client.get(reverse("dashboards:my_week"))
    now = int(time.time())
    assert now - 5 <= client.session[SIGNED_IN_AT] <= now
    assert now - 5 <= client.session[LAST_SEEN_AT] <= now


def test_the_timeouts_default_to_thirty_minutes_idle_and_twelve_hours(settings):
    assert settings.SESSION_IDLE_TIMEOUT == 30 * 60
    assert settings.SESSION_COOKIE_AGE == 12 * 3600


# --- Lockout per address across usernames --------------------------------------------------------


def _fail(client, username, times=1):
    for _ in range(times):
        client.post(LOGIN, {"username": username, "password": "wrong-password"})


def test_one_address_spraying_many_usernames_is_locked_out(client, rep, settings):
    assert settings.AXES_ADDRESS_FAILURE_LIMIT == 20
    for i in range(20):
        _fail(client, f"someone{i}")
    # Even a real user with the right password is refused from that address.
    response = client.post(LOGIN, {"username": rep.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_few_typos_across_an_office_lock_nobody_else_out(client, rep, settings):
    for i in range(19):
        _fail(client, f"colleague{i % 5}")
    response = client.post(LOGIN, {"username": rep.username, "password": PASSWORD})
    assert response.status_code == 302


def test_another_address_is_not_locked_by_a_spraying_one(client, rep):
    for i in range(20):
        _fail(client, f"someone{i}")
    response = client.post(LOGIN, {"username": rep.username, "password": PASSWORD}, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 302


def test_five_failures_for_one_username_still_lock_it_from_that_address(client, rep):
    _fail(client, rep.username, times=5)
    response = client.post(LOGIN, {"username": rep.username, "password": PASSWORD})
    assert response.status_code == 429
