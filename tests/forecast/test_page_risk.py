"""Commit deals at risk on the forecast page (forecast/selectors.py ``deals_at_risk``). The clock
stands at Wednesday 18 November 2026 (``frozen``); the organisation's quiet days are 14 (the
default), so 4 November is the last day whose activity leaves a deal quiet."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from activities import services as activity_services
from forecast import selectors
from forecast.views import RISKS_SHOWN
from pipeline import services as pipeline_services
from quotas.models import OrgSettings
from tests.factories import make_deal, make_pipeline

TODAY = date(2026, 11, 18)


@pytest.fixture
def pipeline(db):
    return make_pipeline()


def commit_deal(owner, pipeline, title, *, closes=date(2026, 12, 10), category="commit", days_old=30):
    return make_deal(
        owner=owner,
        pipeline=pipeline,
        stage_name="Proposal",
        title=title,
        expected_close_date=closes,
        forecast_category=category,
        created_at=datetime(2026, 11, 18, 9, tzinfo=UTC) - timedelta(days=days_old),
    )


def touch(deal, day, kind="call", outcome="connected"):
    moment = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
    activity_services.activity_log(
        owner=deal.owner, by=deal.owner, kind=kind, outcome=outcome, deal=deal, occurred_at=moment
    )


def at_risk(reps):
    return {risk.deal.title: risk for risk in selectors.deals_at_risk(reps=reps, today=TODAY, quiet_days=14)}


def test_a_commit_deal_whose_close_date_passed_is_at_risk(frozen, rep, pipeline):
    deal = commit_deal(rep, pipeline, "Late", closes=date(2026, 11, 17))
    touch(deal, TODAY)
    risk = at_risk([rep])["Late"]
    assert (risk.overdue, risk.quiet, risk.pushes) == (True, False, 0)
    assert risk.reasons == ["close date passed"]


def test_a_commit_deal_without_activity_for_14_days_is_at_risk(frozen, rep, pipeline):
    touch(commit_deal(rep, pipeline, "Quiet 14 days"), date(2026, 11, 4))
    touch(commit_deal(rep, pipeline, "Quiet 13 days"), date(2026, 11, 5))
    commit_deal(rep, pipeline, "Never touched, 15 days old", days_old=15)
    commit_deal(rep, pipeline, "Never touched, 10 days old", days_old=10)
    # A meeting booked ahead is no activity yet.
    touch(commit_deal(rep, pipeline, "Only a meeting ahead"), date(2026, 11, 25), "meeting", "scheduled")
    found = at_risk([rep])
    assert sorted(found) == ["Never touched, 15 days old", "Only a meeting ahead", "Quiet 14 days"]
    assert found["Quiet 14 days"].quiet_since == date(2026, 11, 4)
    assert found["Never touched, 15 days old"].reasons == ["no activity for 14 days"]


def test_a_commit_deal_whose_close_date_was_pushed_twice_is_at_risk(frozen, rep, pipeline):
    pushed_twice = commit_deal(rep, pipeline, "Pushed twice", closes=date(2026, 11, 20))
    pushed_once = commit_deal(rep, pipeline, "Pushed once, pulled in", closes=date(2026, 11, 20))
    for deal, dates in (
        (pushed_twice, (date(2026, 11, 27), date(2026, 12, 15))),
        (pushed_once, (date(2026, 12, 15), date(2026, 11, 30))),
    ):
        touch(deal, TODAY)
        for day in dates:
            pipeline_services.deal_update(deal=deal, by=rep, expected_close_date=day)
    found = at_risk([rep])
    assert list(found) == ["Pushed twice"]
    assert found["Pushed twice"].pushes == 2
    assert found["Pushed twice"].reasons == ["close date pushed 2 times"]


def test_a_date_set_for_the_first_time_is_no_push(frozen, rep, pipeline):
    deal = commit_deal(rep, pipeline, "Dated late", closes=None)
    touch(deal, TODAY)
    pipeline_services.deal_update(deal=deal, by=rep, expected_close_date=date(2026, 12, 1))
    pipeline_services.deal_update(deal=deal, by=rep, expected_close_date=date(2026, 12, 20))
    assert "Dated late" not in at_risk([rep])  # one push: none to 1 December is none
    pipeline_services.deal_update(deal=deal, by=rep, expected_close_date=date(2027, 1, 5))
    assert at_risk([rep])["Dated late"].pushes == 2


def test_only_open_commit_deals_are_at_risk(frozen, rep, teammate, pipeline):
    commit_deal(rep, pipeline, "Best case, late", closes=date(2026, 11, 2), category="best_case")
    commit_deal(teammate, pipeline, "Teammate's, late", closes=date(2026, 11, 2))
    assert at_risk([rep]) == {}


def test_the_page_links_each_deal_at_risk(client_as, frozen, rep, pipeline):
    deal = commit_deal(rep, pipeline, "Late", closes=date(2026, 11, 17))
    html = client_as(rep).get(reverse("forecast:page")).content.decode()
    assert f'href="{reverse("pipeline:deal_detail", args=[deal.pk])}">Late</a>' in html
    assert "close date passed" in html


def test_the_quiet_days_follow_the_organisation_setting(client_as, frozen, rep, pipeline):
    touch(commit_deal(rep, pipeline, "Quiet 10 days"), date(2026, 11, 8))
    page = reverse("forecast:page")
    assert "Quiet 10 days" not in client_as(rep).get(page).content.decode()
    org = OrgSettings.load()
    org.quiet_days = 10
    org.save()
    html = client_as(rep).get(page).content.decode()
    assert "Quiet 10 days" in html
    assert "no activity for 10 days" in html


def test_the_page_shows_the_soonest_deals_at_risk_and_the_rest_on_request(client_as, frozen, rep, pipeline):
    for number in range(RISKS_SHOWN + 2):
        commit_deal(rep, pipeline, f"Late {number:02}", closes=date(2026, 10, 20) + timedelta(days=number))
    page = reverse("forecast:page")
    html = client_as(rep).get(page).content.decode()
    assert html.count('data-testid="at-risk-deal"') == RISKS_SHOWN
    assert f"Late {RISKS_SHOWN - 1:02}" in html and f"Late {RISKS_SHOWN:02}" not in html
    assert f"The {RISKS_SHOWN} soonest of {RISKS_SHOWN + 2}." in html
    every = client_as(rep).get(page, {"risks": "all"}).content.decode()
    assert every.count('data-testid="at-risk-deal"') == RISKS_SHOWN + 2
    assert 'data-testid="at-risk-more"' not in every
