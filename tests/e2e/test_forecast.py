"""The forecast in a real browser: a rep puts a deal in commit on its edit form, then the manager
finds it in the commit total, submits the team call and overrides it; the page shows the latest call,
on a 1280 px laptop and on a phone without sideways scrolling."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from forecast.models import ForecastCall
from pipeline.models import Deal
from tests.e2e.helpers import sign_in
from tests.factories import CompanyFactory, RepFactory, TeamFactory, make_deal, make_pipeline

# PostgreSQL's numeric keeps the amount's scale ("12000.00"), SQLite's Decimal does not.
TWELVE_THOUSAND = re.compile(r"^12000(\.00)?$")

NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def team(live_server):
    team = TeamFactory(name="Enterprise East")
    team.manager.username, team.manager.first_name, team.manager.last_name = "morgan", "Morgan", "Lee"
    team.manager.save()
    dana = RepFactory(username="dana", first_name="Dana", last_name="Scully", team=team)
    deal = make_deal(
        owner=dana,
        pipeline=make_pipeline(),
        stage_name="Proposal",
        amount="12000",
        title="Acme renewal",
        company=CompanyFactory(name="Acme"),
        # Today: it counts in this month, whatever day of it the test runs on.
        expected_close_date=timezone.localdate(),
    )
    return {"team": team, "deal": deal, "url": live_server.url}


def this_month(page: Page, testid: str):
    key = f"month:{timezone.localdate().replace(day=1).isoformat()}"
    return page.get_by_test_id("forecast-table").locator(f'[data-period="{key}"] [data-testid="{testid}"]')


def test_a_rep_commits_a_deal_and_the_manager_calls_and_overrides_the_forecast(team, page: Page, browser):
    url, deal = team["url"], team["deal"]

    # The rep puts the deal in commit on its edit form.
    sign_in(page, url, "dana")
    page.goto(url + reverse("pipeline:deal_edit", args=[deal.pk]))
    page.get_by_label("Forecast category").select_option("commit")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(reverse("pipeline:deal_detail", args=[deal.pk])))
    assert Deal.objects.get(pk=deal.pk).forecast_category == "commit"

    # The manager, in a browser of their own, finds it in this month's commit.
    manager_page = browser.new_context().new_page()
    # Under the Content-Security-Policy the page and its htmx swaps log no error.
    errors = []
    manager_page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    manager_page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(manager_page, url, "morgan", width=1280)
    manager_page.get_by_role("link", name="Forecast").click()
    expect(manager_page.get_by_test_id("forecast-scope")).to_contain_text("Enterprise East")
    expect(this_month(manager_page, "commit")).to_have_text("12,000 USD")
    assert manager_page.evaluate(NO_SIDEWAYS_SCROLL)

    # The call, pre-filled with the roll-up (nothing won yet + 12,000 commit), sent as it is.
    form = manager_page.get_by_test_id("call-form")
    expect(form.get_by_label("Commit")).to_have_value(TWELVE_THOUSAND)
    # Another period brings its own roll-up (next month: nothing yet), then back to this one.
    periods = form.get_by_label("Period")
    this_month_key = periods.input_value()
    periods.select_option(index=1)
    expect(manager_page.get_by_test_id("call-form").get_by_label("Commit")).to_have_value(re.compile(r"^0(\.00)?$"))
    # As a person would, only once htmx has settled the form it swapped in (it listens from then on).
    expect(manager_page.locator("#call-form.htmx-added, #call-form .htmx-settling")).to_have_count(0)
    manager_page.get_by_test_id("call-form").get_by_label("Period").select_option(this_month_key)
    form = manager_page.get_by_test_id("call-form")
    expect(form.get_by_label("Commit")).to_have_value(TWELVE_THOUSAND)
    form.get_by_label("Note").fill("Acme signs this month")
    form.get_by_test_id("submit-call").click()
    expect(this_month(manager_page, "call-commit")).to_have_text("12,000 USD")

    # Then overridden with another amount: the latest call is the one shown.
    form = manager_page.get_by_test_id("call-form")
    form.get_by_label("Commit").fill("15000")
    form.get_by_label("Best case").fill("20000")
    form.get_by_test_id("submit-call").click()
    expect(this_month(manager_page, "call-commit")).to_have_text("15,000 USD")
    calls = list(ForecastCall.objects.order_by("submitted_at", "pk"))
    assert [(c.commit, c.rolled_up_commit) for c in calls] == [(12000, 12000), (15000, 12000)]

    # Both calls are in the history, the latest marked as the one that counts.
    manager_page.get_by_test_id("call-row").first.get_by_role("link", name="History").click()
    expect(manager_page.get_by_test_id("call-history-row")).to_have_count(2)
    expect(manager_page.get_by_test_id("call-history-row").first.get_by_test_id("history-commit")).to_have_text(
        "15,000 USD"
    )

    # A phone: a card per period, no sideways scrolling.
    manager_page.set_viewport_size({"width": 390, "height": 844})
    manager_page.goto(url + reverse("forecast:page"))
    expect(manager_page.get_by_test_id("period-card")).to_have_count(5)
    assert manager_page.evaluate(NO_SIDEWAYS_SCROLL)
    for testid in ("apart-table", "calls-table"):
        # Whole inside its card: its wrapper never has to scroll sideways.
        fits = "e => e.parentElement.scrollWidth <= e.parentElement.clientWidth"
        assert manager_page.get_by_test_id(testid).evaluate(fits), testid
    assert manager_page.get_by_test_id("call-form").bounding_box()["width"] <= 390
    assert errors == []
    manager_page.context.close()
