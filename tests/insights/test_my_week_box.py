"""My week's "Best times to call" box (insights/templatetags/best_time.py): the rep's best three call
slots of the last 90 days with enough attempts, linking to the page."""

import pytest
from django.urls import reverse

from tests.insights.helpers import calls, drained

pytestmark = pytest.mark.django_db


def _box(client) -> str:
    html = client.get(reverse("dashboards:my_week")).content.decode()
    return html[html.index('data-testid="best-times"') :].split("</section>")[0]


def test_it_lists_the_reps_best_three_call_slots(client_as, rep, teammate, frozen):
    # The week of Monday 9 November 2026 (36 weeks after 2 March), within the 90 days to the frozen 18th.
    for weekday, hour, connected in ((1, 9, 5), (1, 14, 2), (2, 10, 6), (3, 11, 4)):
        calls(rep, weekday, hour, attempts=10, connected=connected, week=36)
    calls(rep, 2, 16, attempts=9, connected=9, week=36)  # 9 of 9: too few to rate
    calls(teammate, 4, 9, attempts=10, connected=10, week=36)  # not the rep's
    drained()
    box = _box(client_as(rep))
    assert box.count('data-testid="best-time"') == 3
    assert box.index("Tuesday") < box.index("Monday") < box.index("Wednesday")
    assert "60% connected (6 of 10)" in box
    assert "Thursday" not in box and "100%" not in box
    assert reverse("insights:best_time") in box


def test_without_enough_calls_it_says_so(client_as, rep, frozen):
    calls(rep, 1, 9, attempts=9, connected=9, week=36)
    drained()
    box = _box(client_as(rep))
    assert 'data-testid="no-best-times"' in box
    assert "No hour has 10 of your calls in the last 90 days yet." in box
