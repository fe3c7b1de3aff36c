"""Account coverage in a real browser: a manager assigns a teammate's account to a rep; the rep finds
it among the neglected accounts on My week, logs a call on it, and it leaves the list; at 1280 px and
on a phone without sideways scrolling."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from portfolio.models import AccountAssignment
from tests.e2e.helpers import sign_in
from tests.factories import CompanyFactory, ContactFactory, RepFactory, TeamFactory

NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def team(live_server):
    team = TeamFactory(name="Enterprise East")
    team.manager.username, team.manager.first_name, team.manager.last_name = "morgan", "Morgan", "Lee"
    team.manager.save()
    quinn = RepFactory(username="quinn", first_name="Quinn", last_name="Hughes", team=team)
    dana = RepFactory(username="dana", first_name="Dana", last_name="Scully", team=team)
    acme = CompanyFactory(name="Acme", owner=dana, is_customer=True)
    ContactFactory(owner=dana, first_name="Grace", last_name="Hopper", company=acme)
    return {"quinn": quinn, "dana": dana, "acme": acme, "url": live_server.url}


def test_a_manager_assigns_an_account_and_the_rep_covers_it(team, page: Page, browser):
    url, acme = team["url"], team["acme"]

    # The manager opens the team's coverage, then Dana's accounts, and gives Acme to Quinn.
    sign_in(page, url, "morgan", width=1280)
    page.goto(url + reverse("portfolio:team"))
    expect(page.get_by_test_id("page-heading")).to_have_text("Account coverage")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.get_by_test_id("coverage-table").get_by_role("link", name="Dana Scully").click()
    page.get_by_label("Acme").check()
    page.get_by_label("Assign the ticked accounts to").select_option(label="Quinn Hughes")
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_text("1 account assigned to Quinn Hughes.")).to_be_visible()
    assert AccountAssignment.objects.get(company=acme).rep == team["quinn"]
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate(NO_SIDEWAYS_SCROLL)

    # Quinn, on a phone, finds Acme among the neglected accounts of My week: never touched.
    rep_page = browser.new_context().new_page()
    sign_in(rep_page, url, "quinn")
    rep_page.set_viewport_size({"width": 390, "height": 844})
    rep_page.goto(url + reverse("dashboards:my_week"))
    row = rep_page.get_by_test_id(f"neglected-{acme.pk}")
    expect(row).to_contain_text("Acme")
    expect(row).to_contain_text("Never")
    assert rep_page.evaluate(NO_SIDEWAYS_SCROLL)

    # A connected call to Acme's contact from the quick-log: the page refreshes and Acme is covered.
    rep_page.wait_for_load_state("domcontentloaded")
    rep_page.keyboard.press("l")
    panel = rep_page.locator("#quick-log")
    expect(panel).to_be_visible()
    panel.get_by_text("Connected", exact=True).click()
    panel.get_by_label("Who").press_sequentially("hopp", delay=30)
    panel.get_by_role("option", name=re.compile("Grace Hopper")).click()
    panel.get_by_role("button", name="Save").click()
    expect(panel.get_by_test_id("quick-log-confirmation")).to_contain_text("Call logged")
    rep_page.goto(url + reverse("dashboards:my_week"))
    expect(rep_page.get_by_test_id(f"neglected-{acme.pk}")).to_have_count(0)
    expect(rep_page.get_by_text("Every account was touched in the last 30 days.")).to_be_visible()
