"""An admin splits a team target across its reps in a real browser."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from quotas.models import Quota
from quotas.periods import Period
from tests.e2e.helpers import sign_in
from tests.factories import AdminFactory, RepFactory, TeamFactory


def _required(label: str) -> re.Pattern:
    """A required field's label, which crispy-forms ends with an asterisk."""
    return re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$")


@pytest.fixture
def trio(live_server):
    team = TeamFactory(name="Enterprise East")
    reps = [
        RepFactory(username=name.lower(), first_name=name, last_name="Rep", team=team) for name in ("Ann", "Bob", "Cy")
    ]
    TeamFactory(name="Mid-Market West")
    AdminFactory(username="boss", first_name="Pat", last_name="Boss")
    return {"team": team, "reps": reps, "url": live_server.url}


def test_admin_splits_a_team_target_evenly_and_sees_the_quotas_on_the_grid(trio, page: Page):
    url, team, reps = trio["url"], trio["team"], trio["reps"]
    sign_in(page, url, "boss")

    page.goto(url + reverse("quotas:split"))
    expect(page.get_by_test_id("page-heading")).to_have_text("Split a team target")
    # Choosing the team brings up a weight for each of its reps (htmx).
    page.get_by_label(_required("Team")).select_option(label="Enterprise East")
    shares = page.get_by_test_id("split-shares")
    for rep in reps:
        expect(shares.get_by_label(str(rep))).to_have_value("1")
    page.get_by_label(_required("Period")).select_option("quarter")
    page.get_by_label(_required("The period containing")).fill("2026-10-01")
    page.get_by_label(_required("Team target")).fill("100000")
    page.get_by_label("Evenly").check()

    page.get_by_role("button", name="Preview").click()
    first = shares.locator(f'tr[data-rep-id="{reps[0].pk}"]')
    expect(first).to_contain_text("33,334")
    expect(first).to_contain_text("+1 rounding")
    for rep in reps[1:]:
        row = shares.locator(f'tr[data-rep-id="{rep.pk}"]')
        expect(row).to_contain_text("33,333")
        expect(row).not_to_contain_text("+1 rounding")
    expect(page.get_by_text("Preview only: nothing has been saved yet.")).to_be_visible()
    assert not Quota.objects.exists()

    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(url + reverse("quotas:grid") + "?kind=quarter&measure=revenue&start=2026-10-01")
    expect(page.get_by_text("Split Enterprise East's target for FY2026-Q4 across 3 reps.")).to_be_visible()
    grid = page.get_by_test_id("quota-grid")
    expect(grid.get_by_role("columnheader").nth(1)).to_have_text("FY2026-Q4")
    for rep, amount in zip(reps, ("33,334", "33,333", "33,333"), strict=True):
        expect(grid.locator(f'tr[data-rep-id="{rep.pk}"] td').first).to_contain_text(amount)
    expect(grid.locator(f'tr[data-team-id="{team.pk}"] td').first).to_contain_text("100,000")

    q4 = Period.containing(date(2026, 10, 1), "quarter")
    targets = [Quota.objects.get(rep=rep, period_kind="quarter", period_start=q4.start).target for rep in reps]
    assert targets == [Decimal("33334"), Decimal("33333"), Decimal("33333")]
    assert Quota.objects.get(team=team, period_start=q4.start).target == Decimal("100000")
