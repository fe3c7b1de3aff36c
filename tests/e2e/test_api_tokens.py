"""API tokens in a real browser: a rep opens the token page from the user menu, creates a token
(shown once), uses it against the API to log a call, revokes it and is refused; the page and the
API docs work under the Content-Security-Policy, at 1280 px and on a phone without sideways scroll."""

import json
import urllib.error
import urllib.request

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from activities.models import Activity
from tests.e2e.helpers import sign_in
from tests.factories import RepFactory, TeamFactory

NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def dana(live_server):
    rep = RepFactory(username="dana", first_name="Dana", last_name="Scully", team=TeamFactory(name="East"))
    return {"rep": rep, "url": live_server.url}


def _log_call(url: str, secret: str) -> int:
    request = urllib.request.Request(
        url + "/api/v1/activities",
        data=json.dumps({"kind": "call", "outcome": "connected"}).encode(),
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize("width", [1280, 390])
def test_a_rep_creates_uses_and_revokes_a_token(dana, page: Page, width):
    url = dana["url"]
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    sign_in(page, url, "dana")
    if width < 992:
        # On a phone the user menu sits in the collapsed navigation.
        page.set_viewport_size({"width": width, "height": 844})
        page.get_by_role("button", name="Toggle navigation").click()
    page.get_by_test_id("user-menu").click()
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens")).to_be_visible()

    page.get_by_label("Name").fill("Office dialer")
    page.get_by_label("Read and write (log activities, move deals)").check()
    page.get_by_role("button", name="Create token").click()
    secret = page.get_by_test_id("new-token-secret").input_value()
    assert secret.startswith("st_")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)

    assert _log_call(url, secret) == 201
    assert Activity.objects.filter(owner=dana["rep"], kind="call").count() == 1

    page.goto(url + reverse("api:tokens"))
    expect(page.get_by_test_id("new-token")).to_have_count(0)  # shown once only
    page.get_by_test_id("token-row").get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("no longer works")).to_be_visible()
    assert _log_call(url, secret) == 401
    assert Activity.objects.count() == 1
    assert errors == []


def test_the_api_docs_render_under_the_csp(dana, page: Page):
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(dana["url"] + "/api/v1/docs")
    # Swagger UI drew the operations from the schema: its script ran, from our own static files.
    expect(page.get_by_role("button", name="POST /api/v1/activities Log an activity")).to_be_visible()
    assert not [e for e in errors if "Content Security Policy" in e]
