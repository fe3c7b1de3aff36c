"""The pages as a manager and a rep read them on a 1280 px laptop and on a 390 px phone: no sideways
scrolling, every board column on screen, a card per rep on a phone, a period picker that applies on
change, and counts that follow a quick-log without a reload."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.models import User
from tests.e2e.helpers import sign_in, submit_sign_in
from tests.factories import CompanyFactory, ContactFactory, RepFactory

NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def demo(live_server, seed_small_demo):
    seed_small_demo(days=14)
    return live_server.url


def test_the_team_dashboard_fits_a_laptop_screen(demo, page: Page):
    sign_in(page, demo, "manager", password="demo", width=1280)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(demo + reverse("dashboards:team"))
    table = page.get_by_test_id("rep-table")
    expect(table).to_be_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    for testid in ("rep-table", "funnel-table", "stage-matrix"):
        box = page.get_by_test_id(testid).first.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1280, testid
    # Another group of columns, in place (htmx), and still no sideways scroll.
    page.get_by_test_id("rep-view-activity").click()
    expect(page).to_have_url(re.compile(r"view=activity"))
    expect(table.locator("thead").get_by_role("link", name="Calls")).to_be_visible()
    expect(table.locator("thead").get_by_role("link", name="Won revenue")).to_be_hidden()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)


@pytest.mark.parametrize(
    ("username", "url_name"),
    [("rep", "activities:list"), ("manager", "quotas:goal_list"), ("manager", "pipeline:deal_list")],
)
def test_a_phone_never_scrolls_sideways_past_a_wide_table(demo, page: Page, username, url_name):
    # A wide table scrolls inside its wrapper; its header's visually hidden labels must not
    # widen the page around it.
    sign_in(page, demo, username, password="demo")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(demo + reverse(url_name))
    expect(page.locator(".table-responsive").first).to_be_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)


@pytest.mark.parametrize("username", ["rep", "manager", "admin"])
def test_every_roles_home_fits_a_laptop_with_its_menu_and_stale_deals_on_screen(demo, page: Page, username):
    # The bar holds each role's own entries (a rep's one-on-one, the insights menu) at 1280 px, and
    # My week's half-width cards (stale deals among them) keep their tables inside.
    sign_in(page, demo, username, password="demo", width=1280)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(demo + reverse("dashboards:my_week"))
    expect(page.get_by_test_id("user-menu")).to_be_in_viewport()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    for wrapper in page.locator(".table-responsive").all():
        assert wrapper.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), wrapper.inner_text()[:80]


def test_the_one_on_one_keeps_the_notes_beside_the_figures_on_a_laptop(demo, page: Page):
    # The cached figures close every element they open: the notes column stays on the right.
    sign_in(page, demo, "manager", password="demo", width=1280)
    page.set_viewport_size({"width": 1280, "height": 800})
    rep_id = User.objects.get(username="rep").pk
    page.goto(demo + reverse("dashboards:one_on_one", args=[rep_id]))
    figures = page.locator("#one-on-one-figures").bounding_box()
    notes = page.locator("#notes").bounding_box()
    assert notes["x"] >= figures["x"] + figures["width"]
    assert abs(notes["y"] - figures["y"]) < 80


def test_a_phone_shows_a_card_per_rep(demo, page: Page):
    sign_in(page, demo, "manager", password="demo")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(demo + reverse("dashboards:team"))
    cards = page.get_by_test_id("rep-card")
    expect(cards).to_have_count(4)  # Enterprise East's reps
    expect(cards.first).to_be_visible()
    expect(page.get_by_test_id("rep-table")).to_be_hidden()
    assert cards.first.bounding_box()["width"] <= 390
    assert page.evaluate(NO_SIDEWAYS_SCROLL)


def test_the_board_shows_every_stage_on_a_laptop(demo, page: Page):
    sign_in(page, demo, "rep", password="demo", width=1280)
    page.goto(demo + reverse("pipeline:board"))
    columns = page.get_by_test_id("board-column")
    expect(columns).to_have_count(7)  # Lead to Negotiation, Won and Lost
    for index in range(7):
        box = columns.nth(index).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1280, index
    expect(page.get_by_test_id("board-total")).to_contain_text("Open pipeline")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)


def test_the_period_picker_applies_when_changed(demo, page: Page):
    sign_in(page, demo, "manager", password="demo", width=1280)
    page.goto(demo + reverse("dashboards:team"))
    page.evaluate("window.__marker = 1")
    page.get_by_test_id("dashboard-picker").get_by_label("Period").select_option("last_quarter")
    expect(page.get_by_test_id("range-label")).to_contain_text("Last quarter")
    expect(page).to_have_url(re.compile(r"period=last_quarter"))
    assert page.evaluate("window.__marker") == 1  # swapped in place, not a new page
    expect(page.get_by_role("button", name="Show", exact=True)).to_have_count(0)


def test_a_quick_log_on_my_week_updates_its_counts(live_server, page: Page):
    rep = RepFactory(username="quinn", first_name="Quinn", last_name="Hughes")
    ContactFactory(owner=rep, first_name="Grace", last_name="Hopper", company=CompanyFactory(name="Navy"))
    page.goto(live_server.url + reverse("dashboards:my_week"))
    submit_sign_in(page, "quinn")
    expect(page.get_by_test_id("page-heading")).to_have_text("Hello, Quinn")
    page.wait_for_load_state("domcontentloaded")
    expect(page.get_by_text("Nothing logged yet today.")).to_be_visible()
    page.evaluate("window.__marker = 1")

    page.keyboard.press("l")
    panel = page.locator("#quick-log")
    expect(panel).to_be_visible()
    panel.get_by_text("Connected", exact=True).click()
    panel.get_by_label("Who").press_sequentially("hopp", delay=30)
    panel.get_by_role("option", name=re.compile("Grace Hopper")).click()
    panel.get_by_role("button", name="Save").click()
    expect(panel.get_by_test_id("quick-log-confirmation")).to_contain_text("Call logged")

    # The figures behind the panel: fetched again on the activity-logged event, not reloaded.
    expect(page.get_by_test_id("today-call").locator("td").first).to_have_text("1")
    assert page.evaluate("window.__marker") == 1


@pytest.mark.parametrize("language", ["nl", "ro", "zh-hans"])
@pytest.mark.parametrize("username", ["rep", "admin"])
def test_longer_languages_fit_a_laptop_too(demo, page: Page, language, username):
    # Dutch and Romanian words run half again as long as English ones: the menu bar still holds
    # every entry, and the tables' headings wrap rather than push their tables sideways.
    User.objects.update(language=language)
    sign_in(page, demo, username, password="demo", width=1280)
    page.set_viewport_size({"width": 1280, "height": 800})
    for url_name in ("dashboards:my_week", "dashboards:team") if username == "admin" else ("dashboards:my_week",):
        page.goto(demo + reverse(url_name))
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.get_by_test_id("user-menu")).to_be_in_viewport()
        assert page.evaluate(NO_SIDEWAYS_SCROLL), url_name
        for wrapper in page.locator(".table-responsive").all():
            assert wrapper.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), wrapper.inner_text()[:80]
