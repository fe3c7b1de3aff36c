"""Logging a call from the quick-log panel, in a real browser: three interactions, no page reload."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from activities.models import Activity, Kind, Outcome
from tests.e2e.helpers import submit_sign_in
from tests.factories import CompanyFactory, ContactFactory, RepFactory


@pytest.fixture
def rep_with_contact(live_server):
    rep = RepFactory(username="quinn", first_name="Quinn", last_name="Hughes")
    contact = ContactFactory(owner=rep, first_name="Grace", last_name="Hopper", company=CompanyFactory(name="Navy"))
    # Someone else in the address book, so the suggestion has to be picked, not guessed.
    ContactFactory(owner=rep, first_name="Alan", last_name="Turing")
    return {"rep": rep, "contact": contact, "url": live_server.url}


def sign_in(page: Page, url: str, username: str, next_path: str) -> None:
    page.goto(url + next_path)
    expect(page).to_have_url(re.compile(re.escape(url + reverse("accounts:login"))))
    submit_sign_in(page, username)
    expect(page).to_have_url(url + next_path)
    # The "L" key works once the deferred scripts have run (before DOMContentLoaded); the URL
    # changes earlier, and a key pressed in between is lost on a busy machine.
    page.wait_for_load_state("domcontentloaded")


def test_rep_logs_call_from_quick_log_panel(rep_with_contact, page: Page):
    url, contact = rep_with_contact["url"], rep_with_contact["contact"]
    sign_in(page, url, "quinn", reverse("activities:list"))
    expect(page.get_by_test_id("page-heading")).to_have_text("My activities")
    expect(page.get_by_test_id("activity-row")).to_have_count(0)
    page.evaluate("window.__marker = 1")

    # The keyboard shortcut, with the focus on the page (not in a field).
    page.keyboard.press("l")
    panel = page.locator("#quick-log")
    expect(panel).to_be_visible()
    expect(panel.get_by_text("Call", exact=True)).to_be_visible()  # kind defaults to a call

    # 1. the outcome
    panel.get_by_text("Connected", exact=True).click()
    # 2. who: type part of the name, pick the suggestion
    panel.get_by_label("Who").press_sequentially("hopp", delay=30)
    panel.get_by_role("option", name=re.compile("Grace Hopper")).click()
    expect(panel.get_by_label("Who")).to_have_value("Grace Hopper")
    # 3. save
    panel.get_by_role("button", name="Save").click()

    expect(panel.get_by_test_id("quick-log-confirmation")).to_contain_text("Call logged")
    expect(panel.get_by_test_id("quick-log-confirmation")).to_be_visible()
    rows = page.get_by_test_id("activity-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Grace Hopper")
    expect(rows.first).to_contain_text("Connected")
    # The same page: the list grew without a reload.
    assert page.evaluate("window.__marker") == 1
    # The form is cleared for the next call.
    expect(panel.get_by_label("Who")).to_have_value("")

    activity = Activity.objects.get()
    assert (activity.owner, activity.kind, activity.outcome, activity.contact, activity.company) == (
        rep_with_contact["rep"],
        Kind.CALL,
        Outcome.CONNECTED,
        contact,
        contact.company,
    )


def test_rep_logs_two_calls_in_a_row_and_both_are_saved(rep_with_contact, page: Page):
    """The panel's form comes back after a save with a new one-time key, so the next call is not
    taken for a resubmission of the first."""
    sign_in(page, rep_with_contact["url"], "quinn", reverse("activities:list"))
    page.keyboard.press("l")
    panel = page.locator("#quick-log")
    expect(panel).to_be_visible()
    key = panel.locator("input[name='submission_key']")
    first_key = key.input_value()

    panel.get_by_text("Connected", exact=True).click()
    panel.get_by_label("Notes").fill("first call")
    panel.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("activity-row")).to_have_count(1)
    expect(key).not_to_have_value(first_key)

    panel.get_by_text("Voicemail", exact=True).click()
    panel.get_by_label("Notes").fill("second call")
    panel.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("activity-row")).to_have_count(2)
    expect(panel.get_by_test_id("quick-log-confirmation")).to_contain_text("Call logged")

    assert sorted(Activity.objects.values_list("notes", "outcome")) == [
        ("first call", Outcome.CONNECTED),
        ("second call", Outcome.VOICEMAIL),
    ]


def test_rep_is_told_when_a_save_gets_no_answer_and_the_retry_saves_once(rep_with_contact, page: Page):
    """A 503 (the database restarting) swaps nothing into the panel: the page says the save did not
    go through, and sending the same form again saves the call once."""
    sign_in(page, rep_with_contact["url"], "quinn", reverse("activities:list"))
    page.keyboard.press("l")
    panel = page.locator("#quick-log")
    expect(panel).to_be_visible()
    panel.get_by_text("Connected", exact=True).click()
    notice = page.get_by_test_id("request-failed")
    expect(notice).to_be_hidden()

    log_url = rep_with_contact["url"] + reverse("activities:log")
    page.route(log_url, lambda route: route.fulfill(status=503, body="unavailable"))
    panel.get_by_role("button", name="Save").click()
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("did not go through")
    assert Activity.objects.count() == 0

    page.unroute(log_url)
    panel.get_by_role("button", name="Save").click()
    expect(panel.get_by_test_id("quick-log-confirmation")).to_contain_text("Call logged")
    expect(notice).to_be_hidden()
    assert Activity.objects.count() == 1
