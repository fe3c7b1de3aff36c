"""Writes of the forecast: a manager's call for a team and a period (append-only, the latest counts)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Team
from quotas.periods import Period

from .models import ForecastCall


@transaction.atomic
def forecast_call_submit(
    *,
    team: Team,
    period: Period,
    commit: Decimal,
    best_case: Decimal,
    note: str = "",
    rolled_up_commit: Decimal,
    rolled_up_best_case: Decimal,
    by,
) -> ForecastCall:
    """Keep a new call for ``team`` and ``period`` beside the earlier ones; it counts from now on.
    ``rolled_up_*``: the roll-up the form offered, kept so an override shows as one. The caller
    checks that ``by`` may call for the team and that the period is one the page offers."""
    if best_case is not None and commit is not None and best_case < commit:
        raise ValidationError({"best_case": _("The best case cannot be below the commit.")})
    call = ForecastCall(
        team=team,
        period_kind=period.kind,
        period_start=period.start,
        commit=commit,
        best_case=best_case,
        rolled_up_commit=rolled_up_commit,
        rolled_up_best_case=rolled_up_best_case,
        note=note,
        submitted_by=by,
    )
    call.full_clean(exclude=["team", "submitted_by"])
    call.save()
    return call
