from decimal import Decimal

import pytest

from quotas.planner import reverse_funnel


def test_the_worked_example_of_metrics_md_holds_exactly():
    funnel = reverse_funnel(
        gap=Decimal("300000"),
        average_deal=Decimal("25000"),
        meeting_to_win=Decimal("0.5"),
        call_to_meeting=Decimal("0.05"),
        weeks_left=12,
    )
    assert (funnel.deals, funnel.meetings, funnel.calls) == (12, 24, 480)
    assert (funnel.deals_per_week, funnel.meetings_per_week, funnel.calls_per_week) == (1, 2, 40)


def test_each_figure_rounds_up():
    funnel = reverse_funnel(
        gap=Decimal("100001"),
        average_deal=Decimal("25000"),
        meeting_to_win=Decimal("0.3"),
        call_to_meeting=Decimal("0.07"),
        weeks_left=5,
    )
    # 100001 / 25000 = 4.00004 -> 5 deals; 5 / 0.3 = 16.67 -> 17 meetings; 17 / 0.07 = 242.86 -> 243 calls
    assert (funnel.deals, funnel.meetings, funnel.calls) == (5, 17, 243)
    assert funnel.calls_per_week == 49


def test_a_closed_gap_needs_nothing():
    funnel = reverse_funnel(
        gap=Decimal("-10"),
        average_deal=Decimal("1"),
        meeting_to_win=Decimal("1"),
        call_to_meeting=Decimal("1"),
        weeks_left=0,
    )
    assert (funnel.deals, funnel.meetings, funnel.calls, funnel.weeks_left) == (0, 0, 0, 1)


def test_it_refuses_a_zero_rate():
    with pytest.raises(ValueError):
        reverse_funnel(
            gap=Decimal("10"),
            average_deal=Decimal("1"),
            meeting_to_win=Decimal("0"),
            call_to_meeting=Decimal("1"),
            weeks_left=1,
        )
