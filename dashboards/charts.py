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
from typing import Any

UNITS = ("", "money", "percent", "days")


@dataclass
class Series:
    """One line or set of bars: a label and one value per chart label (None = no value)."""

    label: str
    values: list[Any]
    kind: str = ""  # "" = the chart's type; "line" draws this series as a line over bars


@dataclass
class Chart:
    """What _chart.html draws. `band` = (low, high) draws a shaded horizontal band (e.g. 70-80 %)."""

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
