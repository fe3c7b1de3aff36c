"""A rep switches the product to Chinese in the menu, logs a call in Chinese, and finds Chinese again
after signing in afresh (the choice is kept on the person, not only in the browser)."""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Page, expect

from activities.models import Activity, Kind, Outcome
from tests.e2e.helpers import sign_in, submit_sign_in
from tests.factories import CompanyFactory, ContactFactory, RepFactory


def zh(message: str) -> str:
    """The Chinese catalogue's text for ``message``: the test reads it rather than spelling it out."""
    with translation.override("zh-hans"):
        text = translation.gettext(message)
    assert text != message, f"no Chinese for {message!r}"
    return text


@pytest.fixture
def rep(live_server):
    rep = RepFactory(username="mei", first_name="Mei", last_name="Lin")
    ContactFactory(owner=rep, first_name="Grace", last_name="Hopper", company=CompanyFactory(name="Navy"))
    return rep


def test_a_rep_switches_to_chinese_and_logs_a_call(live_server, rep, page: Page, browser):
    sign_in(page, live_server.url, "mei")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_test_id("user-menu").click()
    with page.expect_navigation():
        page.locator("#language-select").select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_test_id("user-menu")).to_be_visible()
    rep.refresh_from_db()
    assert rep.language == "zh-hans"

    page.goto(live_server.url + reverse("activities:list"))
    expect(page.get_by_test_id("page-heading")).to_have_text(zh("My activities"))
    page.wait_for_load_state("domcontentloaded")
    page.keyboard.press("l")
    panel = page.locator("#quick-log")
    expect(panel).to_be_visible()
    panel.get_by_text(zh("Connected"), exact=True).click()
    panel.get_by_label(zh("Who")).press_sequentially("hopp", delay=30)
    panel.get_by_role("option", name=re.compile("Grace Hopper")).click()
    panel.get_by_role("button", name=zh("Save")).click()

    with translation.override("zh-hans"):
        logged = translation.gettext("%(kind)s logged.") % {"kind": Kind.CALL.label}
    expect(panel.get_by_test_id("quick-log-confirmation")).to_contain_text(logged)
    expect(page.get_by_test_id("activity-row")).to_have_count(1)
    expect(page.get_by_test_id("activity-row").first).to_contain_text(zh("Connected"))
    activity = Activity.objects.get()
    assert (activity.owner, activity.kind, activity.outcome) == (rep, Kind.CALL, Outcome.CONNECTED)

    # A new browser, with no cookie of the old one: the person's choice still holds.
    other = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        fresh = other.new_page()
        fresh.goto(live_server.url + reverse("accounts:login"))
        expect(fresh.locator("html")).to_have_attribute("lang", "en")
        submit_sign_in(fresh, "mei")
        expect(fresh.locator("html")).to_have_attribute("lang", "zh-hans")
        expect(fresh.get_by_test_id("page-heading")).to_have_text(zh("Hello, %(name)s") % {"name": "Mei"})
    finally:
        other.close()
