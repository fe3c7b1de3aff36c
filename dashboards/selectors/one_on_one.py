"""Reads for a rep's one-on-one page: the rep's figures against the team average, trends,
stage flow, stale deals, goals over their last periods, quota and reverse funnel, the
keeping manager's notes and action items, and the snapshot a closed one-on-one freezes.

Public API: ``one_on_one_live(*, rep, viewer, now)`` (read on every request),
``one_on_one_page(*, rep, viewer, date_range, today, now, live=None)`` (the cached figures),
``keeping(*, rep, viewer)``, ``snapshot_figures(*, rep, date_range, today)``, ``team_reps_of(rep)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from accounts.models import User
from pipeline.models import Deal, StageKind
from quotas.history import Rates
from quotas.models import OrgSettings

from ..models import ActionItem, OneOnOne
from .figures import QuotaLine, RepFigures, StageFigures, TrendPoint, last_refreshed
from .per_rep import open_pipeline_by_rep, rep_rows, stale_thresholds, team_average, team_total
from .rep import (
    GoalHistory,
    current_periods,
    goal_history,
    goal_lines,
    planner_history,
    quota_lines,
    rep_goals,
    rep_rates,
    stale_deals,
    with_funnels,
)
from .team import stage_period, stage_rows, stage_totals, trend

# The figures compared side by side: (RepFigures attribute, label, unit for formatting).
FIGURES = (
    ("attainment", _("Quota attainment"), "percent"),
    ("pace", _("Pace"), "percent"),
    ("won_amount", _("Won revenue"), "money"),
    ("won_deals", _("Deals won"), "count"),
    ("win_rate", _("Win rate"), "percent"),
    ("average_deal", _("Average deal size"), "money"),
    ("cycle_length", _("Sales cycle (days)"), "days"),
    ("open_deals", _("Open deals"), "count"),
    ("open_amount", _("Open pipeline"), "money"),
    ("weighted_amount", _("Weighted pipeline"), "money"),
    ("stale_deals", _("Stale deals"), "count"),
    ("calls", _("Calls"), "count"),
    ("connect_rate", _("Connect rate"), "percent"),
    ("emails", _("Emails"), "count"),
    ("reply_rate", _("Reply rate"), "percent"),
    ("meetings", _("Meetings and demos"), "count"),
    ("booked", _("Meetings booked"), "count"),
    ("held", _("Meetings held"), "count"),
    ("positive_rate", _("Positive meeting rate"), "percent"),
    ("selling_share", _("Selling time share"), "percent"),
)
PAST_ONE_ON_ONES = 10


@dataclass(frozen=True)
class FigureLine:
    """One figure: the rep's, the team average's (None: no team) and the one frozen at the last one-on-one."""

    key: str
    label: str
    unit: str
    rep: object
    team: object
    previous: object = None


@dataclass(frozen=True)
class StageCompare:
    """One stage: the rep's stage flow and the team's (all its reps' summed), METRICS.md "Pipeline"."""

    stage: object
    rep: StageFigures | None
    team: StageFigures | None


def team_reps_of(rep: User) -> list[User]:
    """The reps the rep is compared with: the active reps of the rep's team (the rep included when active)."""
    if not rep.team_id:
        return []
    return list(User.objects.reps().filter(team_id=rep.team_id).order_by("first_name", "last_name", "username"))


def _json_value(value):
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    if isinstance(value, float):
        return round(value, 4)
    return value


def figures_of(rows: RepFigures) -> dict[str, object]:
    return {key: getattr(rows, key) for key, _label, _unit in FIGURES}


def snapshot_figures(*, rep: User, date_range, today: date) -> dict:
    """What closing a one-on-one freezes: the rep's figures for ``date_range`` as they stand ``today``
    (the same figures and definitions as the comparison table) and each activity goal's progress in its
    current week or month. JSON-safe: money as decimal strings, ratios as numbers (percent), None for "—"."""
    row = rep_rows(reps=[rep], start=date_range.start, end=date_range.end, today=today)[0]
    goals = goal_lines(rep=rep, goals=rep_goals(rep=rep), today=today)
    return {
        "taken_on": today.isoformat(),
        "period": {
            "label": str(date_range.label),
            "start": date_range.start.isoformat(),
            "end": date_range.end.isoformat(),
        },
        "figures": {key: _json_value(value) for key, value in figures_of(row).items()},
        "goals": [
            {
                "goal": f"{line.goal.get_metric_display()} {line.goal.get_frequency_display()}",
                "period": str(line.progress.period),
                "count": line.progress.count,
                "target": line.progress.target,
            }
            for line in goals
        ],
    }


@dataclass
class Keeping:
    """What the viewer keeps about the rep (managers their own, admins everyone's): never built for a rep."""

    current: OneOnOne | None  # the viewer's open one-on-one with the rep
    open_items: list[ActionItem]  # not done yet, from any one-on-one kept (they carry over)
    done_items: list[ActionItem]  # ticked in the current one-on-one
    previous: OneOnOne | None  # the last closed one, whose snapshot the page compares against
    past: list[OneOnOne]  # closed ones (and other managers' open ones, for admins), newest first


def keeping(*, rep: User, viewer: User) -> Keeping:
    """The viewer's notes and action items about ``rep``: two queries (one-on-ones, action items)."""
    meetings = list(
        OneOnOne.objects.kept_by(viewer).filter(rep=rep).select_related("manager").order_by("-opened_on", "-pk")
    )
    current = next((m for m in meetings if m.is_open and m.manager_id == viewer.pk), None)
    closed = sorted((m for m in meetings if not m.is_open), key=lambda m: m.closed_at, reverse=True)
    items = list(ActionItem.objects.filter(one_on_one__in=[m.pk for m in meetings])) if meetings else []
    by_meeting: dict[int, list[ActionItem]] = {}
    for item in items:
        by_meeting.setdefault(item.one_on_one_id, []).append(item)
    by_pk = {meeting.pk: meeting for meeting in meetings}
    for item in items:
        item.one_on_one = by_pk[item.one_on_one_id]  # already loaded: no query per item
    for meeting in meetings:
        meeting.items = by_meeting.get(meeting.pk, [])
    past = [m for m in meetings if m is not current]
    return Keeping(
        current=current,
        open_items=[i for i in items if not i.done],
        done_items=[i for i in items if i.done and current is not None and i.one_on_one_id == current.pk],
        previous=closed[0] if closed else None,
        past=past[:PAST_ONE_ON_ONES],
    )


@dataclass
class OneOnOnePage:
    rep: User
    date_range: object
    today: date
    currency: str
    team_size: int
    figures: list[FigureLine]
    rep_row: RepFigures
    average: RepFigures | None
    rep_trend: list[TrendPoint]
    team_trend: list[TrendPoint]
    stages: list[StageCompare]
    stage_is_weekly_sum: bool
    stale: list[Deal]
    goals: list[GoalHistory]
    quotas: list[QuotaLine]
    rates: Rates
    keeping: Keeping | None
    refreshed_at: datetime | None


@dataclass
class OneOnOneLive:
    """What a one-on-one page reads from the domain tables on every request (never cached):
    the team it compares with, the open pipeline of each of them, the rep's stale deals and
    the viewer's notes."""

    members: list[User]
    people: list[User]
    pipeline: dict[int, dict]
    stale: list[Deal]
    keeping: Keeping | None


def one_on_one_live(*, rep: User, viewer: User, now: datetime) -> OneOnOneLive:
    members = team_reps_of(rep)
    people = members if any(m.pk == rep.pk for m in members) else [*members, rep]
    thresholds = stale_thresholds()  # read once for the figures and the stale deals
    return OneOnOneLive(
        members=members,
        people=people,
        pipeline=open_pipeline_by_rep(rep_ids=[p.pk for p in people], now=now, thresholds=thresholds),
        stale=stale_deals(owner_ids=[rep.pk], now=now, thresholds=thresholds),
        keeping=None if viewer.is_rep else keeping(rep=rep, viewer=viewer),
    )


def _figure_lines(rep_row: RepFigures, average: RepFigures | None, kept: Keeping | None) -> list[FigureLine]:
    """Each compared figure: the rep's, the team average's and the one frozen at the last one-on-one."""
    snapshot = (kept.previous.snapshot or {}) if kept and kept.previous else {}
    previous = snapshot.get("figures", {})
    return [
        FigureLine(
            key,
            label,
            unit,
            getattr(rep_row, key),
            getattr(average, key) if average else None,
            previous.get(key),
        )
        for key, label, unit in FIGURES
    ]


def _stage_compare(stage_figures: list[StageFigures], *, rep: User, member_ids: set[int]) -> list[StageCompare]:
    """Every open stage either side has, in funnel order (won and lost are terminal: nothing converts
    from them), with the rep's figures and the team's (its members' summed)."""
    team_stages = {s.stage.pk: s for s in stage_totals([s for s in stage_figures if s.rep.pk in member_ids])}
    rep_stages = {s.stage.pk: s for s in stage_figures if s.rep.pk == rep.pk}
    order = [s for s in stage_totals(stage_figures) if s.stage.kind == StageKind.OPEN]
    return [StageCompare(s.stage, rep_stages.get(s.stage.pk), team_stages.get(s.stage.pk)) for s in order]


def _stage_figures(people: list[User], *, date_range, org) -> tuple[str | None, list]:
    """The stage rows for the range: a period's own rows when the range is one fiscal period
    (its kind returned), otherwise weekly rows summed (kind None)."""
    kind, period_start = stage_period(date_range.start, date_range.end, org.fiscal_year_start_month)
    if kind:
        return kind, stage_rows(reps=people, period_kind=kind, period_start=period_start)
    return None, stage_rows(reps=people, start=date_range.start, end=date_range.end)


def _quota_section(rep: User, *, org, today: date):
    """The planner's history, the rep's rates from it, and the current quotas with their reverse funnels."""
    planner = planner_history(rep=rep, today=today)
    rates = rep_rates(planner=planner, org=org)
    lines = quota_lines(rep=rep, periods=current_periods(org=org, today=today), today=today)
    return planner, rates, with_funnels(lines=lines, rates=rates, today=today)


def one_on_one_page(
    *, rep: User, viewer: User, date_range, today: date, now: datetime, live: OneOnOneLive | None = None
) -> OneOnOnePage:
    """Everything on a rep's one-on-one page for ``date_range``: the rep's figures against the team
    average (``rep_rows`` / ``team_total`` / ``team_average``: each count and amount of the
    team divided by its reps, ratios of the team's sums, the team attainment the team dashboard
    shows), 12-week trends for both, stage conversion and
    days in stage against the team (``stage_rows``), stale deals, goals over their last
    periods, quota and reverse funnel, and, for a manager or admin, the private notes. A fixed number
    of queries whatever the data size."""
    org = OrgSettings.load()
    live = live or one_on_one_live(rep=rep, viewer=viewer, now=now)
    members, people = live.members, live.people
    fiscal_start = org.fiscal_year_start_month
    rows = rep_rows(
        reps=people,
        start=date_range.start,
        end=date_range.end,
        today=today,
        fiscal_start=fiscal_start,
        pipeline=live.pipeline,
    )
    rep_row = next(row for row in rows if row.rep.pk == rep.pk)
    member_ids = {m.pk for m in members}
    member_rows = [row for row in rows if row.rep.pk in member_ids]
    # The team attainment of the team dashboard (``team_total``): the team's own quota when it has one.
    total = (
        team_total(
            member_rows,
            team=rep.team,
            start=date_range.start,
            end=date_range.end,
            today=today,
            fiscal_start=fiscal_start,
        )
        if member_rows
        else None
    )
    average = team_average(total) if total else None

    kept = live.keeping
    figures = _figure_lines(rep_row, average, kept)

    # Trends end with the range, or this week when the range runs on into the future.
    trend_end = min(date_range.end, today)
    rep_trend = trend(reps=[rep], unit="week", count=12, end=trend_end)
    team_trend = trend(reps=members, unit="week", count=12, end=trend_end) if members else []

    kind, stage_figures = _stage_figures(people, date_range=date_range, org=org)
    stages = _stage_compare(stage_figures, rep=rep, member_ids=member_ids)

    goals = goal_history(rep=rep, goals=rep_goals(rep=rep), today=today)
    planner, rates, quotas = _quota_section(rep, org=org, today=today)
    return OneOnOnePage(
        rep=rep,
        date_range=date_range,
        today=today,
        currency=org.currency,
        team_size=len(members),
        figures=figures,
        rep_row=rep_row,
        average=average,
        rep_trend=rep_trend,
        team_trend=team_trend,
        stages=stages,
        stage_is_weekly_sum=kind is None,
        stale=live.stale,
        goals=goals,
        quotas=quotas,
        rates=rates,
        keeping=kept,
        refreshed_at=last_refreshed(
            *(row.computed_at for row in rows),
            *(s.computed_at for s in stage_figures),
            *(p.computed_at for p in rep_trend),
            planner.computed_at,
        ),
    )
