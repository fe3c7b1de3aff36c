"""Signing in and out of the demo organisation in a real browser."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import submit_sign_in

LOGIN_PATH = "/accounts/login/"
BAD_CREDENTIALS = "Please enter a correct username and password. Note that both fields may be case-sensitive."


@pytest.fixture
def demo(live_server, seed_small_demo):
    """The demo organisation in the live server's database."""
    seed_small_demo(days=7)  # sign-in needs the people, not a year of deals and activity
    return live_server


def login_url_pattern(live_server) -> re.Pattern:
    return re.compile(re.escape(live_server.url + LOGIN_PATH) + r"(\?.*)?$")


def sign_in(page: Page, live_server, username: str, password: str) -> None:
    page.goto(live_server.url + "/")
    expect(page).to_have_url(login_url_pattern(live_server))
    submit_sign_in(page, username, password)


def test_demo_rep_signs_in_and_sees_home_page(demo, page: Page):
    page.goto(demo.url + "/")
    # Signed out: sent to the sign-in page, which remembers where we were going.
    expect(page).to_have_url(demo.url + LOGIN_PATH + "?next=/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    page.get_by_label("Username").fill("rep")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(demo.url + "/my-week/")
    expect(page).to_have_title(re.compile(r"^My week"))
    expect(page.get_by_test_id("page-heading")).to_contain_text("Hello, Alex")
    nav = page.get_by_role("navigation", name="Main navigation")
    expect(nav.get_by_test_id("user-menu")).to_contain_text("Alex Rivera")
    expect(nav.get_by_role("link", name="My week")).to_have_attribute("aria-current", "page")
    expect(nav.get_by_role("link", name="Settings")).to_have_count(0)
    expect(nav.get_by_role("link", name="Team", exact=True)).to_have_count(0)
    # The static files are served: Bootstrap's stylesheet styles the nav bar.
    expect(nav).to_have_css("display", "flex")


def test_wrong_password_shows_error_and_stays_on_sign_in(demo, page: Page):
    sign_in(page, demo, "rep", "not-the-password")

    expect(page.get_by_text(BAD_CREDENTIALS)).to_be_visible()
    expect(page).to_have_url(login_url_pattern(demo))
    expect(page.get_by_test_id("user-menu")).to_have_count(0)


def test_rep_signs_out(demo, page: Page):
    sign_in(page, demo, "rep", "demo")
    expect(page.get_by_test_id("page-heading")).to_contain_text("Hello, Alex")

    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(demo.url + LOGIN_PATH)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_test_id("user-menu")).to_have_count(0)

    # Signed out for real: the home page sends us back to sign in.
    page.goto(demo.url + "/")
    expect(page).to_have_url(demo.url + LOGIN_PATH + "?next=/")
