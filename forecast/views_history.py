"""The forecast's history pages: the waterfall (pipeline movement between two days) and the
accuracy of past forecasts.

Whose figures: a rep their own only; a manager any team they run (with the teams below it) or one
of its reps; an admin every team and rep. A team or rep id the viewer may not see answers 404,
never 403, so guessing ids tells nothing. Reads go through ``waterfall`` and ``accuracy``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from accounts.models import Team, User
from dashboards.charts import Chart, Series
from dashboards.forms_period import PeriodForm
from dashboards.views_team import teams_for, with_teams_below
from pipeline.models import Deal
from quotas.models import OrgSettings

from .accuracy import closed_periods, period_accuracy
from .selectors import period_from_text, period_key, period_label
from .waterfall import BUCKETS, Waterfall, waterfall


@dataclass(frozen=True)
class HistoryScope:
    """Whose history a page shows: the teams and reps the viewer may pick, the picked team (None:
    all of them) and the picked rep (None: the team's reps)."""

    teams: list[Team]
    team: Team | None
    reps: list[User]
    rep: User | None

    @property
    def rep_ids(self) -> list[int]:
        return [self.rep.pk] if self.rep else [rep.pk for rep in self.reps]

    @property
    def query(self) -> dict[str, int]:
        """The picked team and rep as the page's query carries them."""
        picked = {"team": self.team and self.team.pk, "rep": self.rep and self.rep.pk}
        return {key: value for key, value in picked.items() if value}


def scope_for(request) -> HistoryScope:
    """The picked team and rep, if the viewer may see them; 404 for any other id."""
    user = request.user
    if not (user.is_manager or user.is_admin):
        # A rep's history is their own: another rep, or a team, is not theirs to read.
        if request.GET.get("team") or (request.GET.get("rep") or str(user.pk)) != str(user.pk):
            raise Http404
        return HistoryScope(teams=[], team=None, reps=[user], rep=user)
    teams, team = teams_for(request)
    team_ids = with_teams_below(team, teams) if team else {t.pk for t in teams}
    reps = list(User.objects.reps().filter(team_id__in=team_ids).order_by("first_name", "last_name", "username"))
    raw = request.GET.get("rep", "")
    if not raw:
        return HistoryScope(teams=teams, team=team, reps=reps, rep=None)
    rep = next((r for r in reps if str(r.pk) == raw), None)
    if rep is None:
        raise Http404
    return HistoryScope(teams=teams, team=team, reps=reps, rep=rep)


# --- the waterfall ----------------------------------------------------------------------------

ENDS = {"start": gettext_lazy("Pipeline at start"), "end": gettext_lazy("Pipeline at end")}


@dataclass(frozen=True)
class DealLine:
    """A deal behind a bar: how much it moved, and its amount and close date at both ends."""

    deal: Deal
    amount: object
    before: object
    after: object


def _deal_lines(flow: Waterfall, movement: str) -> list[DealLine]:
    """The deals behind one bar (one query)."""
    if movement in ENDS:
        at_end = movement == "end"
        picked = []
        for deal_id in flow.pipeline_deals(at_end=at_end):
            before, after = flow.states[deal_id]
            picked.append((deal_id, (after if at_end else before).amount, before, after))
    else:
        picked = [(move.deal_id, move.amount, move.before, move.after) for move in flow.moves_in(movement)]
    deals = Deal.objects.select_related("owner").in_bulk([deal_id for deal_id, *_ in picked])
    lines = [DealLine(deals[deal_id], amount, before, after) for deal_id, amount, before, after in picked]
    return sorted(lines, key=lambda line: (-abs(line.amount), line.deal.pk))


def _waterfall_chart(flow: Waterfall) -> Chart:
    bars = flow.bars
    return Chart(
        id="waterfall",
        title=_("Pipeline movement"),
        labels=[ENDS["start"], *(bar.label for bar in bars), ENDS["end"]],
        series=[Series(_("Amount"), [flow.opening, *(bar.amount for bar in bars), flow.closing])],
        unit="money",
        waterfall=True,
        description=_("Pipeline at start, each movement (added or taken away), pipeline at end."),
    )


@login_required
@require_GET
def waterfall_page(request):
    scope = scope_for(request)
    form = PeriodForm(request.GET or None)
    fiscal_start = OrgSettings.load().fiscal_year_start_month
    date_range = form.date_range(today=timezone.localdate(), fiscal_start=fiscal_start)
    flow = waterfall(rep_ids=scope.rep_ids, start=date_range.start, end=date_range.end)
    movement = request.GET.get("movement", "")
    if movement not in BUCKETS and movement not in ENDS:
        movement = ""
    query = request.GET.copy()
    query.pop("movement", None)
    context = {
        "scope": scope,
        "form": form,
        "range": date_range,
        "flow": flow,
        "chart": _waterfall_chart(flow),
        "movement": movement,
        "movement_label": BUCKETS.get(movement) or ENDS.get(movement, ""),
        "lines": _deal_lines(flow, movement) if movement else [],
        "query": query.urlencode(),
    }
    template = "forecast/waterfall.html"
    if request.htmx and request.htmx.target == "waterfall-deals":
        template += "#deals"
    return render(request, template, context)


# --- accuracy ---------------------------------------------------------------------------------


def _accuracy_chart(result) -> Chart:
    return Chart(
        id="accuracy-weeks",
        title=_("Forecast at the end of each week against won"),
        labels=[date_format(week.week_end, "SHORT_DATE_FORMAT") for week in result.weeks],
        series=[
            Series(_("Commit"), [week.commit for week in result.weeks], kind="line"),
            Series(_("Best case"), [week.best_case for week in result.weeks], kind="line"),
            Series(_("Won in the period"), [result.actual for _week in result.weeks], kind="line"),
        ],
        type="line",
        unit="money",
    )


@login_required
@require_GET
def accuracy_page(request):
    scope = scope_for(request)
    today = timezone.localdate()
    fiscal_start = OrgSettings.load().fiscal_year_start_month
    periods = closed_periods(today=today, fiscal_start=fiscal_start)
    keys = {period_key(period): period for period in periods}
    raw = request.GET.get("period", "")
    period = keys.get(raw) if raw else periods[0]
    error = ""
    if period is None:
        # An unknown period, or one not over yet: the last closed month, and why.
        known = period_from_text(raw, fiscal_start)
        error = _("That period has not ended yet.") if known else _("Pick a month or quarter from the list.")
        period = periods[0]
    # A team's calls count when the page shows that team (not one of its reps).
    team = scope.team if scope.rep is None else None
    result = period_accuracy(rep_ids=scope.rep_ids, period=period, team=team)
    chart = _accuracy_chart(result)
    return render(
        request,
        "forecast/accuracy.html",
        {
            "scope": scope,
            "periods": [(period_key(p), period_label(p)) for p in periods],
            "period": period,
            "period_key": period_key(period),
            "period_label": period_label(period),
            "error": error,
            "result": result,
            "chart": chart,
        },
    )
