"""The main pages of every role, in a real browser, under the Content-Security-Policy: no
violation (an inline script, handler or style, eval, a foreign source) and no console error,
with the charts drawn, the quick-log search answering and the board's drag and drop loaded."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.models import User
from dashboards import rollups
from pipeline.models import Pipeline
from tests.e2e import helpers

# Every violation the page reports, kept in the page for the test to read.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} at ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


@pytest.fixture
def demo(live_server, seed_small_demo):
    """The demo organisation (password "demo"), small, with its rollups built, and a Django superuser."""
    seed_small_demo(days=14)
    rollups.rebuild()
    User.objects.create_superuser("root", "root@demo.example", "a-long-root-password")
    return live_server


@pytest.fixture
def watched(page: Page):
    """The page, recording CSP violations, console errors and uncaught exceptions."""
    errors = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on("console", lambda message: record_console(errors, message))
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    page.set_viewport_size({"width": 1400, "height": 900})
    page.errors = errors
    return page


def record_console(errors: list, message) -> None:
    # Django admin's pages name no icon, so the browser asks for /favicon.ico: not a policy matter.
    if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
        errors.append(f"{message.text} ({message.location.get('url')})")


def sign_in(page: Page, url: str, username: str) -> None:
    """Sign in as a demo user (password "demo"), the sign-in page clean too."""
    helpers.sign_in(page, url, username, password="demo")
    assert_clean(page, "sign-in")


def visit(page: Page, url: str) -> None:
    response = page.goto(url, wait_until="networkidle")
    assert response.ok, f"{url}: {response.status}"
    assert_clean(page, url)


def assert_clean(page: Page, where: str) -> None:
    violations = page.evaluate("window.__cspViolations")
    assert violations == [], f"{where}: {violations}"
    assert page.errors == [], f"{where}: {page.errors}"


def test_the_browser_enforces_the_policy(demo, watched: Page):
    """The listener sees a violation, and an inline script does not run."""
    sign_in(watched, demo.url, "rep")
    watched.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.ran = true';"
        " document.body.append(s); }"
    )
    # The event is dispatched asynchronously.
    watched.wait_for_function("window.__cspViolations.length > 0")
    assert watched.evaluate("window.ran") is None
    assert watched.evaluate("window.__cspViolations")[0].startswith("script-src")


def test_a_reps_pages_run_under_the_policy(demo, watched: Page):
    url = demo.url
    sign_in(watched, url, "rep")
    visit(watched, url + reverse("dashboards:my_week"))
    expect(watched.locator(".progress-bar[data-width]").first).to_have_attribute("style", re.compile("width"))

    visit(watched, url + reverse("activities:list"))
    # The quick-log panel: opened with "L", its form fetched, the "who" search answering.
    watched.keyboard.press("l")
    panel = watched.locator("#quick-log")
    who = panel.get_by_label("Who")
    expect(who).to_be_visible()
    with watched.expect_response(lambda r: "/link-search/" in r.url and "q=Acme" in r.url) as search:
        who.press_sequentially("Acme", delay=30)
    assert search.value.ok
    assert_clean(watched, "quick-log")

    visit(watched, url + reverse("pipeline:board"))
    expect(watched.get_by_test_id("deal-card").first).to_be_visible()
    assert watched.evaluate("typeof window.Sortable") == "function"
    visit(watched, url + reverse("activities:upcoming"))
    visit(watched, url + reverse("activities:import_upload"))
    visit(watched, url + reverse("quotas:goal_list"))
    assert_clean(watched, "rep pages")


def test_a_managers_pages_run_under_the_policy(demo, watched: Page):
    url = demo.url
    sign_in(watched, url, "manager")
    visit(watched, url + reverse("dashboards:team"))
    # The charts are drawn (Chart.js ran), their tables hidden behind the toggle.
    expect(watched.locator("figure[data-chart] canvas").first).to_be_visible()
    assert watched.evaluate("Object.keys(window.Chart.instances).length") > 0

    rep = User.objects.get(username="rep")
    visit(watched, url + reverse("dashboards:one_on_one", args=[rep.pk]))
    expect(watched.locator("figure[data-chart] canvas").first).to_be_visible()
    visit(watched, url + reverse("quotas:grid"))
    visit(watched, url + reverse("quotas:planner"))
    visit(watched, url + reverse("activities:list"))
    assert_clean(watched, "manager pages")


def test_an_admins_pages_run_under_the_policy(demo, watched: Page):
    url = demo.url
    sign_in(watched, url, "admin")
    visit(watched, url + reverse("quotas:grid"))
    visit(watched, url + reverse("quotas:split"))
    visit(watched, url + reverse("quotas:planner"))
    visit(watched, url + reverse("accounts:user_list"))
    pipeline = Pipeline.objects.order_by("pk").first()
    visit(watched, url + reverse("pipeline:pipeline_edit", args=[pipeline.pk]))
    visit(watched, url + reverse("pipeline:import_upload", args=["companies"]))


def test_django_admin_runs_under_the_policy(demo, watched: Page):
    url = demo.url
    watched.goto(url + "/admin/login/")
    watched.get_by_label("Username").fill("root")
    watched.get_by_label("Password").fill("a-long-root-password")
    watched.get_by_role("button", name="Log in").click()
    expect(watched.locator("#site-name")).to_be_visible()
    assert_clean(watched, "admin sign-in")
    visit(watched, url + "/admin/")
    visit(watched, url + "/admin/accounts/user/")
    visit(watched, url + f"/admin/accounts/user/{User.objects.get(username='rep').pk}/change/")
    visit(watched, url + "/admin/pipeline/deal/")
    visit(watched, url + "/admin/pipeline/deal/add/")
