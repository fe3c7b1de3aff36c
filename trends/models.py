"""The trends app's rollup: won revenue per rep, day and company, kept by the dashboards' rollup
engine (``trends.rollups.CompanyDayTable``) like every other dashboard table."""

from django.conf import settings
from django.db import models

from dashboards.models import RepOwnedQuerySet

COMPANY_DAY_VALUES = ("deals", "amount")


class CompanyDay(models.Model):
    """Deals one rep won from one company on one day (docs/metrics.md "Growth and retention").

    A deal counts for its current owner on its current ``closed_on`` while it is in a won
    stage, as in ``ClosedDay``; revenue retention sums these rows per company over twelve months.
    """

    # No index of its own: the table's key index starts with the rep.
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    day = models.DateField()
    company_id = models.IntegerField()
    deals = models.IntegerField(default=0)
    amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    computed_at = models.DateTimeField()

    objects = RepOwnedQuerySet.as_manager()

    class Meta:
        # Covering, as ActivityDay's key: retention reads a few reps' two years index-only.
        constraints = [
            models.UniqueConstraint(
                fields=["rep", "day", "company_id"],
                include=[*COMPANY_DAY_VALUES, "computed_at"],
                name="company_day_unique",
            )
        ]

    def __str__(self):
        return f"{self.rep_id} {self.day} company {self.company_id}"
