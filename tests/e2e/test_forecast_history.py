"""The forecast's history pages in a browser: the waterfall's chart and table, a row that lists
its deals in place, and the accuracy page, on a 1280 px laptop and a 390 px phone without
sideways scrolling."""

import os
from itertools import pairwise

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.e2e.helpers import sign_in

NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth <= window.innerWidth"
SHOTS = os.environ.get("SCREENSHOTS_DIR")  # set it to keep a screenshot of each page


@pytest.fixture
def demo(live_server, seed_small_demo):
    seed_small_demo(days=14)
    return live_server.url


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        page.wait_for_timeout(1500)  # the charts' animation
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_the_waterfall_fits_and_a_row_lists_its_deals_in_place(demo, page: Page, width):
    sign_in(page, demo, "manager", password="demo")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(demo + reverse("forecast:waterfall") + "?period=this_year")
    table = page.get_by_test_id("waterfall-table")
    expect(table).to_be_visible()
    expect(page.locator("#waterfall canvas")).to_be_visible()  # Chart.js drew the chart
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    # Floating bars: each movement stands on the running total, and the last bar is the table's end.
    bars = page.evaluate("Chart.getChart(document.querySelector('#waterfall canvas')).data.datasets[0].data")
    assert bars[0][0] == bars[-1][0] == 0
    assert all(bar[0] == before[1] for before, bar in pairwise(bars[:-1]))
    assert abs(bars[-2][1] - bars[-1][1]) < 0.01
    page.get_by_test_id("bar-start").get_by_role("link").click()
    expect(page.get_by_test_id("movement-deals")).to_be_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    _shot(page, f"waterfall-{width}")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_accuracy_page_fits(demo, page: Page, width):
    sign_in(page, demo, "manager", password="demo")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(demo + reverse("forecast:accuracy"))
    expect(page.get_by_test_id("week-scores")).to_be_visible()
    expect(page.get_by_test_id("call-scores")).to_be_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    _shot(page, f"accuracy-{width}")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_team_dashboards_accuracy_fits_and_links_to_the_page(demo, page: Page, width):
    sign_in(page, demo, "manager", password="demo")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(demo + reverse("dashboards:team"))
    card = page.get_by_test_id("forecast-accuracy")
    expect(card).to_be_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    card.scroll_into_view_if_needed()
    _shot(page, f"team-{width}")
    card.get_by_role("link", name="Details").click()
    expect(page.get_by_test_id("week-scores")).to_be_visible()
