"""The top-down planner's arithmetic (METRICS.md, "Top-down planner"): pure functions."""

import math
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Funnel:
    deals: int
    meetings: int
    calls: int
    weeks_left: int

    @property
    def deals_per_week(self) -> int:
        return math.ceil(self.deals / self.weeks_left)

    @property
    def meetings_per_week(self) -> int:
        return math.ceil(self.meetings / self.weeks_left)

    @property
    def calls_per_week(self) -> int:
        return math.ceil(self.calls / self.weeks_left)


def _ceil(value: Decimal) -> int:
    return int(value.to_integral_value(rounding="ROUND_CEILING"))


def reverse_funnel(
    *, gap: Decimal, average_deal: Decimal, meeting_to_win: Decimal, call_to_meeting: Decimal, weeks_left: int
) -> Funnel:
    """Deals, meetings and calls needed to close ``gap``, each rounded up to a whole number.

    deals = gap / average deal; meetings = deals / (meeting -> won rate);
    calls = meetings / (call -> meeting rate). A gap of zero or less needs nothing.
    Rates are fractions (0.05 = 5%), computed in Decimal so the worked example is exact.
    """
    if gap <= 0:
        return Funnel(0, 0, 0, max(1, weeks_left))
    if average_deal <= 0 or meeting_to_win <= 0 or call_to_meeting <= 0:
        raise ValueError("the planner needs a positive deal size and positive rates")
    deals = _ceil(gap / average_deal)
    meetings = _ceil(Decimal(deals) / meeting_to_win)
    calls = _ceil(Decimal(meetings) / call_to_meeting)
    return Funnel(deals, meetings, calls, max(1, weeks_left))
