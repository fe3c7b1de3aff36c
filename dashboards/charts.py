"""A chart for templates/dashboards/_chart.html: the same figures drawn by Chart.js and listed in a table.

Build one in a view (or a selector that answers "what does this chart show") and include it:

    from dashboards.charts import Chart, Series
    chart = Chart(
        id="trend-revenue",                       # unique on the page; used for element ids
        title=_("Won revenue, last 12 weeks"),
        labels=["6 Jan", "13 Jan", ...],         # x axis (or y axis when horizontal=True)
        series=[Series(_("Won revenue"), [Decimal("1200.00"), None, ...])],
        unit="money",                             # "" (counts), "money", "percent" or "days"
    )

    {% include "dashboards/_chart.html" with chart=chart %}
    {% block extra_js %}{% include "dashboards/_chart.html#scripts" %}{% endblock %}   (once per page)

A value of None is a ratio with a zero denominator: a gap in the chart, "—" in the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils import dateformat, formats
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from accounts.models import User

    from .selectors.figures import TrendPoint
    from .selectors.one_on_one import OneOnOnePage
    from .selectors.team import TeamFigures

UNITS = ("", "money", "percent", "days")


@dataclass
class Series:
    """One line or set of bars: a label and one value per chart label (None = no value)."""

    label: str
    values: list[Any]
    kind: str = ""  # "" = the chart's type; "line" draws this series as a line over bars


@dataclass
class Chart:
    """What _chart.html draws. `band` = (low, high) draws a shaded horizontal band (e.g. 70-80 %).
    `waterfall`: one series whose first and last values are totals and the ones between the
    changes from one to the other, drawn as bars floating from the running total."""

    id: str
    title: str
    labels: list[str]
    series: list[Series]
    type: str = "bar"  # "bar" or "line"
    unit: str = ""
    horizontal: bool = False
    stacked: bool = False
    band: tuple[float, float] | None = None
    band_label: str = ""
    description: str = ""
    waterfall: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unknown chart unit {self.unit!r}")

    @property
    def rows(self) -> list[tuple[str, list[Any]]]:
        """The table behind the chart: one row per label, one cell per series."""
        return [
            (label, [s.values[i] if i < len(s.values) else None for s in self.series])
            for i, label in enumerate(self.labels)
        ]

    @property
    def is_empty(self) -> bool:
        return not self.labels or all(v is None or v == 0 for s in self.series for v in s.values)

    def config(self) -> dict[str, Any]:
        """JSON-safe settings read by static/js/charts.js (Decimals become floats for drawing only)."""
        return {
            "type": self.type,
            "unit": self.unit,
            "horizontal": self.horizontal,
            "stacked": self.stacked,
            "band": list(self.band) if self.band else None,
            "bandLabel": str(self.band_label),
            "waterfall": self.waterfall,
            "labels": [str(label) for label in self.labels],
            "series": [
                {"label": str(s.label), "kind": s.kind, "values": [_number(v) for v in s.values]} for s in self.series
            ],
            **self.extra,
        }


def _number(value: Any) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    return value


# --- the team dashboard's charts -------------------------------------------------------------


def _period_label(period) -> str:
    # Django's formatting, not strftime, so the month abbreviation is the viewer's language's ("Okt").
    if period.kind == "week":
        return dateformat.format(period.start, "j M")
    return dateformat.format(period.start, "M Y")


def team_charts(figures: TeamFigures, *, reps: list[User], unit: str) -> dict[str, Chart]:
    """The team dashboard's charts by name; each funnel of ``figures`` gets its ``chart`` and ``days_chart``."""
    charts = trend_charts(figures.points, unit=unit)
    if figures.quota_shares:
        charts["quota_share"] = Chart(
            id="quota-share",
            title=_("Reps at quota, this and the %(n)s periods before") % {"n": len(figures.quota_shares) - 1},
            description=_("The shaded band is 70-80%: where a realistic quota puts the team."),
            labels=[str(s.period) for s in figures.quota_shares],
            unit="percent",
            band=(70, 80),
            band_label=_("70-80%"),
            series=[Series(_("Reps at quota"), [s.share for s in figures.quota_shares])],
        )
    if figures.split.lead_source:
        charts["lead_source"] = Chart(
            id="revenue-lead-source",
            title=_("Revenue by lead source"),
            labels=[row.label for row in figures.split.lead_source],
            unit="money",
            horizontal=True,
            series=[Series(_("Revenue won"), [row.amount for row in figures.split.lead_source])],
        )
    for funnel in figures.funnels:
        funnel["chart"], funnel["days_chart"] = funnel_charts(funnel, reps=reps)
    return charts


def trend_charts(points: list[TrendPoint], *, unit: str) -> dict[str, Chart]:
    """Activity, revenue won and win rate over the trend's weeks or months."""
    labels = [_period_label(p.period) for p in points]
    unit_name = _("weeks") if unit == "week" else _("months")
    return {
        "activity": Chart(
            id="trend-activity",
            title=_("Activity, last 12 %(unit)s") % {"unit": unit_name},
            labels=labels,
            type="line",
            series=[
                Series(_("Calls"), [p.calls for p in points]),
                Series(_("Emails"), [p.emails for p in points]),
                Series(_("Meetings booked"), [p.booked for p in points]),
                Series(_("Meetings held"), [p.held for p in points]),
            ],
        ),
        "revenue": Chart(
            id="trend-revenue",
            title=_("Revenue won, last 12 %(unit)s") % {"unit": unit_name},
            labels=labels,
            unit="money",
            series=[Series(_("Revenue won"), [p.won_amount for p in points])],
        ),
        "win_rate": Chart(
            id="trend-win-rate",
            title=_("Win rate, last 12 %(unit)s") % {"unit": unit_name},
            labels=labels,
            type="line",
            unit="percent",
            series=[Series(_("Win rate"), [p.win_rate for p in points])],
        ),
    }


def funnel_charts(funnel: dict, *, reps: list[User]) -> tuple[Chart, Chart]:
    """One pipeline's deals entering each stage, and its days in stage for the team and each rep."""
    stages = [s["total"] for s in funnel["stages"]]
    entering = Chart(
        id=f"funnel-{funnel['pipeline_id']}",
        title=_("Deals entering each stage"),
        labels=[s.stage.name for s in stages],
        horizontal=True,
        series=[
            Series(_("Entered"), [s.entered for s in stages]),
            Series(_("Advanced"), [s.advanced for s in stages]),
            Series(_("Lost"), [s.lost for s in stages]),
        ],
    )
    days = Chart(
        id=f"days-{funnel['pipeline_id']}",
        title=_("Days in stage, team and each rep"),
        labels=[s.stage.name for s in stages],
        unit="days",
        horizontal=True,
        series=[Series(_("Team"), [s.days_in_stage for s in stages])]
        + [
            Series(str(rep), [s["cells"][i].days_in_stage if s["cells"][i] else None for s in funnel["stages"]])
            for i, rep in enumerate(reps)
        ],
    )
    return entering, days


# --- the one-on-one page's charts -------------------------------------------------------------


def one_on_one_trend_charts(page: OneOnOnePage) -> list[Chart]:
    """The rep's last 12 weeks against the team average (the team's weekly sums / its reps)."""
    labels = [formats.date_format(p.period.start, "MONTH_DAY_FORMAT") for p in page.rep_trend]
    n = page.team_size

    def team(name):
        if not page.team_trend or not n:
            return []
        return [Series(_("Team average"), [Decimal(getattr(p, name)) / n for p in page.team_trend], kind="line")]

    charts = []
    for name, title, unit in (
        ("calls", _("Calls per week"), ""),
        ("held", _("Meetings held per week"), ""),
        ("won_amount", _("Won revenue per week"), "money"),
    ):
        charts.append(
            Chart(
                id=f"trend-{name}",
                title=title,
                labels=labels,
                series=[Series(str(page.rep), [getattr(p, name) for p in page.rep_trend]), *team(name)],
                unit=unit,
                description=_("Last 12 weeks, the rep against the team average."),
            )
        )
    return charts
