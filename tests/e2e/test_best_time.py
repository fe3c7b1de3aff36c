"""The best time to reach prospects in a real browser: a rep follows My week's best slot to the
heatmap, reads a rated and a greyed cell, switches to emails; on a 1280 px laptop and on a 390 px
phone (hours by weekdays there), without sideways scrolling."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from dashboards import rollups
from tests.dashboards.rollups.helpers import log
from tests.e2e.helpers import sign_in
from tests.factories import RepFactory, TeamFactory

NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def dana(live_server):
    dana = RepFactory(username="dana", first_name="Dana", last_name="Scully", team=TeamFactory(name="East"))
    today = timezone.localdate()
    last_tuesday = today - timedelta(days=today.weekday() + 6)  # Tuesday of last week
    for n in range(10):  # Tuesday 10h: 6 of 10 connected
        log(dana, "call", "connected" if n < 6 else "no_answer", day=last_tuesday, hour=10)
    for _ in range(3):  # Tuesday 15h: 3 calls, too few to rate
        log(dana, "call", "no_answer", day=last_tuesday, hour=15)
    rollups.drain()
    return live_server.url


def _cell(page: Page, testid: str, weekday: int, hour: int):
    return page.get_by_test_id(testid).locator(f'[data-weekday="{weekday}"][data-hour="{hour}"]')


def test_a_rep_finds_their_best_hour_on_a_laptop_and_a_phone(dana, page: Page):
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, dana, "dana", width=1280)

    box = page.get_by_test_id("best-times")
    expect(box.get_by_test_id("best-time")).to_have_count(1)
    expect(box.get_by_test_id("best-time")).to_contain_text("Tuesday")
    expect(box.get_by_test_id("best-time")).to_contain_text("60% connected (6 of 10)")
    box.get_by_role("link", name="Best time to reach prospects").click()

    expect(page.get_by_test_id("page-heading")).to_have_text("Best time to reach prospects")
    heatmap = page.get_by_test_id("heatmap")
    expect(heatmap).to_be_visible()
    expect(_cell(page, "heatmap", 2, 10)).to_contain_text("60%")
    expect(_cell(page, "heatmap", 2, 10)).to_contain_text("10")
    expect(_cell(page, "heatmap", 2, 15)).to_have_attribute("title", re.compile("fewer than 10 attempts"))
    expect(page.get_by_test_id("top-slot")).to_have_count(1)
    assert page.evaluate(NO_SIDEWAYS_SCROLL)

    # Emails: the picker sends itself on change.
    page.get_by_label("Show").select_option("email")
    expect(page.get_by_role("heading", name=re.compile("Reply rate"))).to_be_visible()
    expect(page.get_by_test_id("heatmap-summary")).to_contain_text("0 emails, 0 replied.")

    # A phone: hours down the side, weekdays across, and nothing wider than the screen.
    page.set_viewport_size({"width": 390, "height": 800})
    page.get_by_label("Show").select_option("call")
    expect(page.get_by_test_id("heatmap")).to_be_hidden()
    expect(page.get_by_test_id("heatmap-phone")).to_be_visible()
    expect(_cell(page, "heatmap-phone", 2, 10)).to_contain_text("60%")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    assert errors == []
