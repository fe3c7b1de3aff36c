"""Time spent per activity kind over a date range (docs/metrics.md "Activity", "time spent"): the logged
minutes by kind, and the selling time share, from the activity rollup (``ActivityDay``), activities
counted on the local day they happened. My week reads the rep's week, the one-on-one page the range
picked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Max, Sum

from activities.models import SELLING_KINDS, Kind

from ..models import ActivityDay
from .figures import last_refreshed, percent
from .rep import KindMinutes, KindTotals

KIND_ORDER = {kind: position for position, kind in enumerate(Kind.values)}


@dataclass(frozen=True)
class KindTime(KindMinutes):
    """Minutes logged in one kind (and how many activities), with its share of all minutes in percent."""

    share: float | None

    @property
    def is_selling(self) -> bool:
        return self.kind in SELLING_KINDS


@dataclass(frozen=True)
class TimeSpent(KindTotals):
    start: date
    end: date
    kinds: list[KindTime]
    computed_at: datetime | None

    @property
    def selling_minutes(self) -> int:
        return sum(k.minutes for k in self.kinds if k.is_selling)

    @property
    def selling_share(self) -> float | None:
        """Minutes in selling kinds / all logged minutes, in percent; None ("—") when none were logged."""
        return percent(self.selling_minutes, self.minutes)


def time_spent(*, rep_ids: list[int], start: date, end: date) -> TimeSpent:
    """The reps' logged minutes by kind for activities dated ``start`` to ``end`` (both included), from
    ``ActivityDay``: one query. Selling kinds first, in the order the log form lists kinds; a kind with
    nothing dated in the range (only meetings booked) is left out."""
    rows = (
        ActivityDay.objects.filter(rep_id__in=rep_ids, day__range=(start, end))
        .values("kind")
        .annotate(count=Sum("count"), minutes=Sum("minutes"), computed_at=Max("computed_at"))
        .order_by()
    )
    rows = [row for row in rows if row["count"] or row["minutes"]]
    total = sum(row["minutes"] for row in rows)
    kinds = [KindTime(row["kind"], row["count"], row["minutes"], percent(row["minutes"], total)) for row in rows]
    kinds.sort(key=lambda k: (not k.is_selling, KIND_ORDER.get(k.kind, len(KIND_ORDER)), k.kind))
    return TimeSpent(start, end, kinds, last_refreshed(*(row["computed_at"] for row in rows)))
