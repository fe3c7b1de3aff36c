"""A goal on a result with a reward, in a real browser: the manager sets a coverage goal with a SPIF
for a rep on the goal form, and the rep finds it on My week with its progress and its reward, on a
1280 px laptop and on a phone without sideways scrolling."""

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from activities import services as activity_services
from dashboards import rollups
from quotas.models import MetricGoal
from tests.e2e.helpers import sign_in
from tests.factories import AdminFactory, CompanyFactory, RepFactory, TeamFactory

NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def team(live_server):
    """Dana owns two accounts (assigned to her by default) and called one of them today: 50%."""
    team = TeamFactory(name="Enterprise East")
    team.manager.username = "morgan"
    team.manager.save()
    dana = RepFactory(username="dana", first_name="Dana", last_name="Scully", team=team)
    acme = CompanyFactory(name="Acme", owner=dana)
    CompanyFactory(name="Globex", owner=dana)
    activity_services.activity_log(owner=dana, by=dana, kind="call", outcome="connected", company=acme)
    rollups.rebuild()
    return {"dana": dana, "url": live_server.url}


def test_a_manager_sets_a_coverage_goal_with_a_reward_and_the_rep_sees_it_on_my_week(team, page: Page, browser):
    url, dana = team["url"], team["dana"]
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    sign_in(page, url, "morgan", width=1280)
    page.goto(url + reverse("quotas:goal_list"))
    page.get_by_test_id("new-metric-goal").click()
    page.get_by_label("Rep").select_option(str(dana.pk))
    page.get_by_label("Metric").select_option("coverage")
    page.get_by_label("Target").fill("80")
    page.get_by_label("Period").select_option("month")
    page.get_by_label("Starts on").fill(timezone.localdate().replace(day=1).isoformat())
    page.get_by_label("Reward", exact=True).fill("Team lunch")
    page.get_by_label("Reward amount").fill("250")
    page.get_by_label("Reward currency").fill("EUR")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("metric-goal-table")).to_contain_text("Account coverage")
    goal = MetricGoal.objects.get()
    assert (goal.rep, goal.metric, goal.target, goal.reward_currency) == (dana, "coverage", 80, "EUR")

    rep_page = browser.new_context().new_page()
    rep_page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(rep_page, url, "dana", width=1280)
    rep_page.goto(url + reverse("dashboards:my_week"))
    row = rep_page.get_by_test_id("metric-goal-row")
    expect(row).to_contain_text("Account coverage")
    expect(row).to_contain_text("at least 80%")
    expect(row.get_by_test_id("metric-goal-value")).to_contain_text("50%")  # 1 of 2 accounts touched
    expect(row.get_by_test_id("metric-goal-reward")).to_have_text("Team lunch · 250 EUR")
    assert rep_page.evaluate(NO_SIDEWAYS_SCROLL)

    rep_page.set_viewport_size({"width": 390, "height": 844})
    rep_page.reload()
    expect(rep_page.get_by_test_id("metric-goal-reward")).to_have_text("Team lunch · 250 EUR")
    assert rep_page.evaluate(NO_SIDEWAYS_SCROLL)
    rep_page.context.close()

    # The manager's goal list and the admin's rewards page fit a phone too.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(url + reverse("quotas:goal_list"))
    expect(page.get_by_test_id("metric-goal-table")).to_contain_text("Team lunch · 250 EUR")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    admin_page = browser.new_context().new_page()
    AdminFactory(username="boss")
    sign_in(admin_page, url, "boss", width=1280)
    admin_page.set_viewport_size({"width": 390, "height": 844})
    admin_page.goto(url + reverse("quotas:rewards"))
    expect(admin_page.get_by_role("heading", name="Rewards earned")).to_be_visible()
    assert admin_page.evaluate(NO_SIDEWAYS_SCROLL)
    admin_page.context.close()
    assert errors == []
