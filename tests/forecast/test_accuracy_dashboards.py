"""The compact forecast accuracy on the team dashboard and the one-on-one page: the opening
commit of the last closed month and quarter against what was won."""

import pytest
from django.urls import reverse

from tests.forecast.test_accuracy import october  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def _figure(html: str, kind: str) -> str:
    start = html.index(f'data-testid="accuracy-{kind}"')
    return html[start : html.index("</div>", start)]


def test_the_team_dashboard_shows_last_months_and_last_quarters_accuracy(client_as, manager, october, frozen):  # noqa: F811
    html = client_as(manager).get(reverse("dashboards:team")).content.decode()
    # October: 15,000 committed as it began, 16,000 won: 93.75% rounds to 94%, 6.25% under.
    month = _figure(html, "month")
    assert "2026-10" in month and "94%" in month and "under-called by 6%" in month
    # The third quarter: nothing won, no accuracy.
    quarter = _figure(html, "quarter")
    assert "FY2026-Q3" in quarter and "—" in quarter
    assert reverse("forecast:accuracy") in html


def test_the_one_on_one_page_shows_the_reps_accuracy(client_as, manager, rep, october, frozen):  # noqa: F811
    html = client_as(manager).get(reverse("dashboards:one_on_one", args=[rep.pk])).content.decode()
    assert "94%" in _figure(html, "month")
    assert f"{reverse('forecast:accuracy')}?rep={rep.pk}" in html


def test_a_teammate_without_forecasts_shows_dashes(client_as, manager, teammate, october, frozen):  # noqa: F811
    html = client_as(manager).get(reverse("dashboards:one_on_one", args=[teammate.pk])).content.decode()
    assert "—" in _figure(html, "month") and "%" not in _figure(html, "month")
