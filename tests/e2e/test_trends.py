"""Growth and retention, and early warnings, in a real browser: the manager opens the growth page on a
1280 px laptop and on a phone without sideways scrolling, picks another period, and sees a rep whose
calls dropped flagged on the team dashboard."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from dashboards import rollups
from quotas.periods import Period
from tests.e2e.helpers import sign_in
from tests.factories import CompanyFactory, RepFactory, TeamFactory, make_pipeline
from tests.trends.helpers import logged, won

NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def team(live_server):
    team = TeamFactory(name="Enterprise East")
    team.manager.username, team.manager.first_name, team.manager.last_name = "morgan", "Morgan", "Lee"
    team.manager.save()
    dana = RepFactory(username="dana", first_name="Dana", last_name="Scully", team=team)
    fox = RepFactory(username="fox", first_name="Fox", last_name="Mulder", team=team)
    pipeline = make_pipeline()
    today = timezone.localdate()
    last_month = Period.containing(today, "month").previous()
    acme = CompanyFactory(owner=dana, name="Acme")
    # Dana: 5,000 from Acme last month against 4,000 a year earlier (+25%).
    won(dana, pipeline, last_month.start, "5000", acme)
    won(dana, pipeline, last_month.same_period_last_year().start, "4000", acme)
    # Fox's calls dropped: 40 in the eight weeks before the last two, 5 since.
    logged(fox, today - timedelta(days=30), "call", 40)
    logged(fox, today - timedelta(days=2), "call", 5)
    rollups.drain()
    return {"url": live_server.url, "dana": dana, "fox": fox, "last_month": last_month}


def test_the_manager_reads_growth_and_retention_on_a_laptop_and_a_phone(team, page: Page):
    url = team["url"]
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, url, "morgan", width=1280)
    page.goto(url + reverse("dashboards:team"))
    page.get_by_test_id("team-flags").get_by_role("link", name="Growth and retention").click()

    expect(page.get_by_test_id("page-heading")).to_have_text("Growth and retention")
    dana = page.locator(f'[data-testid="growth-row"][data-rep="{team["dana"].pk}"]')
    expect(dana.locator('[data-col="won_amount"]')).to_contain_text("5,000")
    expect(dana.locator('[data-col="won_amount"] [data-testid="growth"]')).to_have_text("+25%")
    expect(page.get_by_test_id("nrr")).to_have_text("125%")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)

    # The rep picker narrows the page to Fox: no revenue, so no customers and no retention rate.
    page.get_by_test_id("rep-picker").select_option(label="Fox Mulder")
    expect(page.get_by_test_id("growth-row")).to_have_count(1)
    expect(page.get_by_test_id("nrr")).to_have_text("—")

    # A phone: the page fits, the table inside its card.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(url + reverse("trends:growth"))
    expect(page.get_by_test_id("growth-row")).to_have_count(2)
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    fits = "e => e.parentElement.scrollWidth <= e.parentElement.clientWidth"
    assert page.get_by_test_id("growth-table").evaluate(fits)
    assert errors == []


def test_a_rep_whose_calls_dropped_is_flagged_on_the_team_dashboard(team, page: Page):
    sign_in(page, team["url"], "morgan", width=1280)
    page.goto(team["url"] + reverse("dashboards:team"))

    flags = page.get_by_test_id("team-flags")
    expect(flags.get_by_test_id("flagged-rep")).to_have_count(1)
    expect(flags.get_by_test_id("flagged-rep")).to_contain_text("Fox Mulder")
    expect(flags).to_contain_text("5 in the last two weeks, 50% of the usual 10")

    flags.get_by_role("link", name="Fox Mulder").click()
    expect(page.get_by_test_id("rep-flags")).to_contain_text("Calls")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
