"""What each metric goal measures: its unit, whether it accumulates over the period, and, for a
ratio or an average, the events it divides by and how many of them it needs before it is shown
(docs/metrics.md "Goals on any metric"). Pure data, no database access.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import OutcomeMetric


class Unit:
    MONEY = "money"  # the organisation's currency
    COUNT = "count"  # whole deals or meetings
    PERCENT = "percent"  # entered and stored as a percentage: 35 = 35%
    DAYS = "days"


@dataclass(frozen=True)
class MetricSpec:
    unit: str
    # The dashboards' figure (``dashboards.selectors.figures.GoalFigures``) the goal compares.
    figure: str
    # Grows through the period (a sum, or the share of accounts touched so far): its pace is
    # pro-rated by the elapsed days; a ratio or an average is judged as it stands.
    accumulates: bool
    # A ratio's or an average's denominator (a figure), its name and the least it needs.
    base: str | None = None
    base_label: Promise | None = None
    minimum: int = 0


METRIC_SPECS: dict[str, MetricSpec] = {
    OutcomeMetric.WON_REVENUE: MetricSpec(Unit.MONEY, "won_amount", accumulates=True),
    OutcomeMetric.WON_DEALS: MetricSpec(Unit.COUNT, "won_deals", accumulates=True),
    OutcomeMetric.WIN_RATE: MetricSpec(Unit.PERCENT, "win_rate", False, "closed_deals", _("closed deals"), 5),
    OutcomeMetric.AVERAGE_DEAL: MetricSpec(Unit.MONEY, "average_deal", False, "won_deals", _("won deals"), 3),
    OutcomeMetric.CYCLE_LENGTH: MetricSpec(Unit.DAYS, "cycle_length", False, "won_deals", _("won deals"), 3),
    OutcomeMetric.CONNECT_RATE: MetricSpec(Unit.PERCENT, "connect_rate", False, "calls", _("calls"), 10),
    OutcomeMetric.REPLY_RATE: MetricSpec(Unit.PERCENT, "reply_rate", False, "emails", _("emails"), 10),
    OutcomeMetric.MEETINGS_HELD: MetricSpec(Unit.COUNT, "held", accumulates=True),
    OutcomeMetric.POSITIVE_RATE: MetricSpec(Unit.PERCENT, "positive_rate", False, "held", _("meetings held"), 5),
    OutcomeMetric.SELLING_SHARE: MetricSpec(Unit.PERCENT, "selling_share", False, "minutes", _("logged minutes"), 60),
    OutcomeMetric.COVERAGE: MetricSpec(Unit.PERCENT, "coverage_share", True, "assigned", _("assigned accounts"), 1),
}
