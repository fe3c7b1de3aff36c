"""The best-time rollup: calls and emails by the prospect's local weekday and hour.

Kept per rep per (organisation-local) day like the activity rollup, so that the activity marks
recompute it and any date range is a cheap sum; the weekday and hour are the prospect's.
"""

from django.conf import settings
from django.db import models

User = settings.AUTH_USER_MODEL


class ReachHour(models.Model):
    """One rep's calls (or emails) of one day made at one weekday and hour of the prospect's
    local time (docs/metrics.md "Best time to reach prospects"): how many, and how many connected
    (or were replied to)."""

    # No index of its own: the key's index starts with the rep.
    rep = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False)
    kind = models.CharField(max_length=20)
    day = models.DateField()
    weekday = models.PositiveSmallIntegerField()  # ISO: 1 Monday ... 7 Sunday
    hour = models.PositiveSmallIntegerField()  # 0 ... 23
    attempts = models.IntegerField(default=0)
    successes = models.IntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        # Kind before day: a page reads one kind of some reps over a range of days, an index-only
        # range scan per rep (PostgreSQL: the counts are INCLUDEd).
        constraints = [
            models.UniqueConstraint(
                fields=["rep", "kind", "day", "weekday", "hour"],
                include=["attempts", "successes", "computed_at"],
                name="reach_hour_unique",
            )
        ]

    def __str__(self):
        return f"{self.rep_id} {self.kind} {self.day} {self.weekday} {self.hour}"
