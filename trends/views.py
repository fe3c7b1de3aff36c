"""The growth and retention page.

Whose figures follow the team dashboard: managers the teams they run (with the teams below them) and
their reps, admins every team; reps are refused (403). A team or rep id the viewer may not see answers
404, never 403, so guessing ids tells nothing. Reads go through ``selectors``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from accounts.models import Team, User
from accounts.permissions import manager_required
from dashboards.views_team import teams_for, with_teams_below
from quotas.models import OrgSettings
from quotas.periods import Period
from salestracker.dates import EARLIEST_DAY

from . import selectors

# The closed periods the picker lists, newest first; any other period that has ended can be asked
# for by its key in the address.
LISTED = (("month", 24), ("quarter", 12), ("year", 5))
KINDS = {
    "month": gettext_lazy("Months"),
    "quarter": gettext_lazy("Fiscal quarters"),
    "year": gettext_lazy("Fiscal years"),
}


@dataclass(frozen=True)
class GrowthScope:
    """The teams and reps the viewer may pick, the picked team (None: all of them) and the picked rep
    (None: every rep of the team)."""

    teams: list[Team]
    team: Team | None
    reps: list[User]
    rep: User | None

    @property
    def shown(self) -> list[User]:
        return [self.rep] if self.rep else self.reps


def _scope_for(request) -> GrowthScope:
    """The picked team and rep, if the viewer may see them; 404 for any other id."""
    teams, team = teams_for(request)
    team_ids = with_teams_below(team, teams) if team else {t.pk for t in teams}
    reps = list(User.objects.reps().filter(team_id__in=team_ids).order_by("first_name", "last_name", "username"))
    raw = request.GET.get("rep", "")
    rep = next((r for r in reps if str(r.pk) == raw), None) if raw else None
    if raw and rep is None:
        raise Http404
    return GrowthScope(teams=teams, team=team, reps=reps, rep=rep)


def period_key(period: Period) -> str:
    """How a period travels in the address: ``quarter:2026-10-01``."""
    return f"{period.kind}:{period.start.isoformat()}"


def period_label(period: Period) -> str:
    """ "November 2026" for a month (the viewer's language), "FY2027-Q3" or "FY2027" otherwise."""
    return date_format(period.start, "YEAR_MONTH_FORMAT") if period.kind == "month" else str(period)


def closed_periods(*, today: date, fiscal_start: int) -> dict[str, list[Period]]:
    """The listed periods of each kind that ended before today, newest first."""
    listed = {}
    for kind, count in LISTED:
        period, found = Period.containing(today, kind, fiscal_start).previous(), []
        for _step in range(count):
            found.append(period)
            period = period.previous()
        listed[kind] = found
    return listed


def _period_from_key(key: str, *, today: date, fiscal_start: int) -> tuple[Period | None, str]:
    """The period ``key`` names and "" when it ended; else None and why not."""
    kind, _sep, start = key.partition(":")
    try:
        first = date.fromisoformat(start)
        period = Period.containing(first, kind, fiscal_start) if kind in KINDS else None
        ended = period is not None and period.end < today  # the end of year 9999's last month overflows
    except (ValueError, OverflowError):
        period, ended = None, False
    if period is None or period.start != first or period.start < EARLIEST_DAY:
        return None, _("Pick a month, quarter or year from the list.")
    if not ended:
        return None, _("That period has not ended yet: its figures would be compared with a whole one.")
    return period, ""


@manager_required
@require_GET
def growth_page(request):
    scope = _scope_for(request)
    today = timezone.localdate()
    fiscal_start = OrgSettings.load().fiscal_year_start_month
    listed = closed_periods(today=today, fiscal_start=fiscal_start)
    raw = request.GET.get("period", "")
    period, error = _period_from_key(raw, today=today, fiscal_start=fiscal_start) if raw else (None, "")
    period = period or listed["month"][0]
    shown = scope.shown
    context = {
        "scope": scope,
        "periods": [
            (KINDS[kind], [(period_key(p), period_label(p)) for p in periods]) for kind, periods in listed.items()
        ],
        "period": period,
        "period_key": period_key(period),
        "period_label": period_label(period),
        "error": error,
        "growth": selectors.growth(reps=shown, period=period),
        "retention": selectors.revenue_retention(rep_ids=[rep.pk for rep in shown], end=period.end),
    }
    return render(request, "trends/growth.html", context)
