"""Reads of the best-time pages (docs/metrics.md "Best time to reach prospects"): the heatmap of a
set of reps over a range of days, with its best slots. One query, from the rollup."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, time
from functools import cached_property
from math import ceil

from django.db.models import Sum
from django.utils.dates import WEEKDAYS
from django.utils.translation import pgettext_lazy

from .models import ReachHour

# A slot (weekday and hour) with fewer attempts than this is not rated: greyed on the heatmap,
# never a best slot. Ten: one reached in ten more or less moves a rate by ten points, not fifty.
MIN_ATTEMPTS = 10
SHADES = 5  # the heatmap's colour steps, from the lowest rated slot's rate to the highest's
BEST_COUNT = 3  # My week's best slots
TOP_COUNT = 10  # the page's list of the best slots, beside the heatmap

# Our own short weekday names: the heatmap's columns on a phone need them short in every language
# (Django's Chinese "Mon" is 星期一, three characters; 周一 is what a phone shows).
DAY_ABBR = [
    pgettext_lazy("weekday, short", "Mon"),
    pgettext_lazy("weekday, short", "Tue"),
    pgettext_lazy("weekday, short", "Wed"),
    pgettext_lazy("weekday, short", "Thu"),
    pgettext_lazy("weekday, short", "Fri"),
    pgettext_lazy("weekday, short", "Sat"),
    pgettext_lazy("weekday, short", "Sun"),
]


@dataclass(frozen=True)
class Slot:
    """Attempts (calls or emails) made at one weekday (ISO: 1 Monday) and hour of the prospects'
    local time, and how many reached them (connected, or replied to)."""

    weekday: int
    hour: int
    attempts: int = 0
    successes: int = 0

    @property
    def rated(self) -> bool:
        return self.attempts >= MIN_ATTEMPTS

    @property
    def rate(self) -> float | None:
        """successes / attempts, as a fraction; None without attempts."""
        return self.successes / self.attempts if self.attempts else None

    @property
    def percent(self) -> float | None:
        return None if self.rate is None else self.rate * 100

    @property
    def day_name(self) -> str:
        return WEEKDAYS[self.weekday - 1]

    @property
    def day_abbr(self) -> str:
        return DAY_ABBR[self.weekday - 1]

    @property
    def starts(self) -> time:
        return time(self.hour)

    @property
    def ends(self) -> time:
        return time((self.hour + 1) % 24)


@dataclass
class Heatmap:
    """Every weekday and hour of a range for some reps and one kind (``slots`` holds the ones
    with attempts), and the shade of each rated slot."""

    kind: str
    start: date
    end: date
    slots: dict[tuple[int, int], Slot] = field(default_factory=dict)

    def slot(self, weekday: int, hour: int) -> Slot:
        return self.slots.get((weekday, hour)) or Slot(weekday, hour)

    @property
    def rated(self) -> list[Slot]:
        return [slot for slot in self.slots.values() if slot.rated]

    @property
    def attempts(self) -> int:
        return sum(slot.attempts for slot in self.slots.values())

    @property
    def successes(self) -> int:
        return sum(slot.successes for slot in self.slots.values())

    def best(self, count: int = BEST_COUNT) -> list[Slot]:
        """The rated slots with the highest rates, more attempts first among equal rates, then
        the earlier in the week."""
        return sorted(self.rated, key=lambda s: (-s.successes / s.attempts, -s.attempts, s.weekday, s.hour))[:count]

    @property
    def top(self) -> list[Slot]:
        return self.best(TOP_COUNT)

    def shade(self, slot: Slot) -> int:
        """1 (the lowest rated rate) to ``SHADES`` (the highest), in equal steps between the two;
        0 for a slot that is not rated. All rated slots alike: the top shade."""
        if not slot.rated:
            return 0
        low, high = self._rate_span
        if high == low:
            return SHADES
        return max(1, ceil((slot.successes / slot.attempts - low) / (high - low) * SHADES))

    @cached_property
    def _rate_span(self) -> tuple[float, float]:
        rates = [slot.successes / slot.attempts for slot in self.rated]
        return min(rates), max(rates)

    @property
    def rows(self) -> list[tuple[int, list[tuple[Slot, int]]]]:
        """Each weekday (Monday first) with its 24 hours' slots and shades."""
        return [
            (weekday, [(slot, self.shade(slot)) for slot in (self.slot(weekday, hour) for hour in range(24))])
            for weekday in range(1, 8)
        ]

    @property
    def columns(self) -> list[tuple[int, list[tuple[Slot, int]]]]:
        """Each hour with its seven weekdays' slots and shades (the phone's layout)."""
        return [
            (hour, [(slot, self.shade(slot)) for slot in (self.slot(weekday, hour) for weekday in range(1, 8))])
            for hour in range(24)
        ]


def reach_heatmap(*, rep_ids: Collection[int], kind: str, start: date, end: date) -> Heatmap:
    """The reps' ``kind`` (call or email) attempts and successes by the prospects' local weekday
    and hour, over the activities dated (organisation-local day) ``start``..``end``. One query."""
    rows = (
        ReachHour.objects.filter(rep_id__in=list(rep_ids), kind=kind, day__gte=start, day__lte=end)
        .values("weekday", "hour")
        .annotate(attempts=Sum("attempts"), successes=Sum("successes"))
        .order_by()
    )
    slots = {
        (row["weekday"], row["hour"]): Slot(row["weekday"], row["hour"], row["attempts"], row["successes"])
        for row in rows
    }
    return Heatmap(kind=kind, start=start, end=end, slots=slots)
