"""The dashboards' figures: My week (everyone's own) and the team figures (managers and admins),
read by the same selectors as the pages, so the API never disagrees with them."""

from typing import Annotated

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router

from dashboards.forms_period import PeriodForm
from dashboards.selectors import rep as rep_reads
from dashboards.selectors.per_rep import open_pipeline_by_rep
from dashboards.selectors.team import team_rows, team_total_row
from dashboards.views_team import team_pick

from .problems import Problem, field_errors, invalid
from .schemas import ERRORS, MyWeekOut, RepFiguresOut, TeamFiguresOut

router = Router(tags=["figures"])

REP_FIGURES = [name for name in RepFiguresOut.model_fields if name not in ("rep_id", "name")]


def _period(period) -> dict:
    return {"name": period.code, "start": period.start, "end": period.end}


@router.get("/me/week", response={200: MyWeekOut, **ERRORS}, summary="My week")
def my_week(request):
    """The caller's "My week": goals, quotas, open pipeline, stale deals, today's activity and
    upcoming meetings (docs/metrics.md defines each figure)."""
    week = rep_reads.my_week(rep=request.user, today=timezone.localdate(), now=timezone.now())
    return {
        "today": week.today,
        "week": _period(week.week),
        "month": _period(week.month),
        "currency": week.currency,
        "goals": [
            {
                "metric": line.goal.metric,
                "period": _period(line.progress.period),
                "count": line.progress.count,
                "target": line.progress.target,
                "ratio": line.progress.ratio,
            }
            for line in week.goals
        ],
        "quotas": [
            {
                "measure": line.quota.measure,
                "period": _period(line.period),
                "target": line.quota.target,
                "achieved": line.achieved,
                "attainment": line.attainment,
            }
            for line in week.quotas
        ],
        "open_deals": week.pipeline.deals,
        "open_amount": week.pipeline.value,
        "weighted_amount": week.pipeline.weighted,
        "stale_deal_ids": [deal.pk for deal in week.stale],
        "today_activities": [{"kind": k.kind, "count": k.count, "minutes": k.minutes} for k in week.day.kinds],
        "upcoming": week.upcoming,
    }


def _figures(row) -> dict:
    return {
        "rep_id": row.rep.pk if row.rep else None,
        "name": row.name,
        **{name: getattr(row, name) for name in REP_FIGURES},
    }


@router.get("/team/figures", response={200: TeamFiguresOut, **ERRORS}, summary="Team figures")
def team_figures(
    request,
    team: Annotated[
        int | None, Query(description="A team the caller manages (and those below it); none: all of them.")
    ] = None,
    period: Annotated[
        str | None, Query(description="As on the team dashboard: this_month, last_quarter, custom…")
    ] = None,
    start: Annotated[str | None, Query(description="With period=custom.")] = None,
    end: str | None = None,
):
    """The team dashboard's per-rep rows and total, for the same teams and range (reps: 403;
    a team the caller may not see: 404)."""
    if not (request.user.is_manager or request.user.is_admin):
        raise Problem(403, "forbidden", _("Only managers and admins read team figures."))
    form = PeriodForm({k: v for k, v in {"period": period, "start": start, "end": end}.items() if v})
    if form.is_bound and not form.is_valid():
        raise invalid(field_errors(ValidationError(form.errors.as_data())))
    dashboard, _form = team_pick(request)
    pipeline = open_pipeline_by_rep(rep_ids=[rep.pk for rep in dashboard.reps], now=timezone.now())
    rows = team_rows(scope=dashboard.scope, pipeline=pipeline)
    return {
        "team_id": dashboard.team.pk if dashboard.team else None,
        "start": dashboard.scope.start,
        "end": dashboard.scope.end,
        "rows": [_figures(row) for row in rows],
        "total": _figures(team_total_row(scope=dashboard.scope, rows=rows)),
    }
