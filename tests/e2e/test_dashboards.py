"""A manager reads the dashboards in a real browser: the team dashboard, a switch of period, a rep's
one-on-one page, and a private note that stays after a reload."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from activities import services as activity_services
from dashboards import rollups
from dashboards.models import OneOnOne
from tests.e2e.helpers import sign_in
from tests.factories import RepFactory, TeamFactory


@pytest.fixture
def team(live_server):
    team = TeamFactory(name="Enterprise East")
    team.manager.username, team.manager.first_name, team.manager.last_name = "morgan", "Morgan", "Lee"
    team.manager.save()
    ann = RepFactory(username="ann", first_name="Ann", last_name="Rep", team=team)
    RepFactory(username="bob", first_name="Bob", last_name="Rep", team=team)
    for _i in range(3):
        activity_services.activity_log(owner=ann, by=ann, kind="call", outcome="connected")
    rollups.rebuild()
    return {"team": team, "manager": team.manager, "ann": ann, "url": live_server.url}


def test_manager_switches_the_period_then_notes_a_one_on_one(team, page: Page):
    url, ann = team["url"], team["ann"]
    sign_in(page, url, "morgan", width=1400)

    # The team dashboard, this month by default; switch to last month.
    page.goto(url + reverse("dashboards:team"))
    expect(page.get_by_test_id("page-heading")).to_have_text("Team dashboard")
    expect(page.get_by_test_id("range-label")).to_contain_text("This month")
    picker = page.get_by_test_id("dashboard-picker")
    picker.get_by_label("Period").select_option("last_month")  # applies on change: no button to press
    expect(page.get_by_test_id("range-label")).to_contain_text("Last month")
    expect(page).to_have_url(re.compile(r"period=last_month"))
    row = page.locator(f'[data-testid="rep-row"][data-rep="{ann.pk}"]')
    expect(row).to_be_visible()

    # Ann's one-on-one page: from a link on her row when the dashboard has one, else by its address.
    one_on_one = reverse("dashboards:one_on_one", args=[ann.pk])
    link = row.locator(f'a[href^="{one_on_one}"]')
    if link.count():
        link.first.click()
    else:
        page.goto(url + one_on_one)
    expect(page.get_by_test_id("page-heading")).to_have_text("One-on-one: Ann Rep")
    expect(page.get_by_test_id("figure-calls").locator('[data-col="rep"]')).to_have_text("3")

    # A private note and an action item, saved in place (htmx), still there after a reload.
    panel = page.get_by_test_id("notes-panel")
    panel.get_by_role("textbox", name="Notes").fill("Ann wants to work on discovery questions.")
    panel.get_by_role("button", name="Save notes").click()
    expect(panel.get_by_test_id("notes-saved")).to_be_visible()
    page.get_by_test_id("notes-panel").get_by_label("New action item").fill("Shadow two of Bob's calls")
    page.get_by_test_id("notes-panel").get_by_role("button", name="Add action item").click()
    expect(page.get_by_test_id("action-item")).to_have_text(re.compile("Shadow two of Bob's calls"))
    page.reload()
    expect(page.get_by_test_id("notes-panel").get_by_role("textbox", name="Notes")).to_have_value(
        "Ann wants to work on discovery questions."
    )
    meeting = OneOnOne.objects.get(rep=ann)
    assert (meeting.manager, meeting.notes) == (team["manager"], "Ann wants to work on discovery questions.")
    assert list(meeting.action_items.values_list("text", flat=True)) == ["Shadow two of Bob's calls"]
