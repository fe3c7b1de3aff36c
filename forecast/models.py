"""The forecast's own records: the calls managers submit for their teams.

A deal's forecast fields and their history live in the pipeline (``Deal.forecast_category``,
``DealChange``); the figures are computed from them (METRICS.md "Forecast").
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Team
from pipeline.models import AppendOnly


class CallPeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Fiscal quarter")


class ForecastCall(AppendOnly):
    """A manager's call for one team and period: what the team will close (commit) and could
    close (best case). Every submission is kept; the latest one for a team and period counts.
    ``rolled_up_*`` keep the figures the form was pre-filled with (the roll-up of the reps'
    categories and of the child teams' calls), so an override is visible as one."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="forecast_calls", verbose_name=_("team"))
    period_kind = models.CharField(_("period"), max_length=8, choices=CallPeriodKind.choices)
    period_start = models.DateField(_("period start"))
    commit = models.DecimalField(_("commit"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    best_case = models.DecimalField(_("best case"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    rolled_up_commit = models.DecimalField(_("rolled-up commit"), max_digits=14, decimal_places=2)
    rolled_up_best_case = models.DecimalField(_("rolled-up best case"), max_digits=14, decimal_places=2)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("submitted by")
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("forecast call")
        verbose_name_plural = _("forecast calls")
        indexes = [models.Index(fields=["team", "period_kind", "period_start", "-submitted_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(commit__gte=0), name="forecast_call_commit_not_negative"),
            models.CheckConstraint(condition=models.Q(best_case__gte=0), name="forecast_call_best_case_not_negative"),
        ]

    def __str__(self):
        return f"{self.team} {self.period_kind} {self.period_start}: {self.commit}"
