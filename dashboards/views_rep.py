"""A rep's pages: "My week" (the rep's home page) and its CSV exports.

Every signed-in person has a week of their own (managers and admins usually an
empty one), so these views need no access helper beyond being signed in: they
only ever read the signed-in person's rows.
"""

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from salestracker.csvio import csv_response

from . import selectors_rep

NO_RATIO = "—"


def percent(value) -> str:
    """A fraction (1 = 100%) as a CSV percentage with one decimal; "—" for a zero denominator."""
    if value is None:
        return NO_RATIO
    return f"{Decimal(value) * 100:.1f}"


def money(value) -> str:
    return "" if value is None else f"{Decimal(value):.2f}"


# --- My week -------------------------------------------------------------------------------


@login_required
@require_GET
def my_week(request):
    week = selectors_rep.my_week(rep=request.user, today=timezone.localdate(), now=timezone.now())
    return render(request, "dashboards/my_week.html", {"week": week})


def goal_rows(lines):
    header = [
        _("Priority"),
        _("Goal"),
        _("For"),
        _("Period"),
        _("Count"),
        _("Target"),
        _("Progress (%)"),
        _("Pace (%)"),
        _("Left"),
        _("Left per remaining day"),
    ]
    rows = [
        [
            line.goal.priority,
            f"{line.goal.get_metric_display()} {line.goal.get_frequency_display()}",
            str(line.goal.team) if line.is_team else _("me"),
            str(line.progress.period),
            line.progress.count,
            line.progress.target,
            percent(line.progress.ratio),
            percent(line.progress.pace),
            line.left,
            line.per_day,
        ]
        for line in lines
    ]
    return header, rows


def quota_rows(lines):
    header = [
        _("Period"),
        _("Measured in"),
        _("Target"),
        _("Achieved"),
        _("Attainment (%)"),
        _("Pace (%)"),
        _("Stretch attainment (%)"),
        _("Deals needed"),
        _("Meetings needed"),
        _("Calls needed"),
    ]
    rows = []
    for line in lines:
        funnel = line.funnel
        rows.append(
            [
                str(line.period),
                line.quota.get_measure_display(),
                money(line.quota.target),
                money(line.achieved),
                percent(line.attainment),
                percent(line.pace),
                percent(line.stretch_attainment),
                funnel.deals if funnel else "",
                funnel.meetings if funnel else "",
                funnel.calls if funnel else "",
            ]
        )
    return header, rows


def pipeline_rows(pipeline):
    header = [_("Pipeline"), _("Stage"), _("Deals"), _("Value"), _("Weighted value")]
    rows = [[s.pipeline, s.stage, s.deals, money(s.value), money(s.weighted)] for s in pipeline.stages]
    rows.append([_("Total"), "", pipeline.deals, money(pipeline.value), money(pipeline.weighted)])
    return header, rows


def stale_rows(deals):
    header = [_("Deal"), _("Owner"), _("Company"), _("Stage"), _("Days in stage"), _("Stale after (days)"), _("Amount")]
    rows = [
        [
            deal.title,
            str(deal.owner),
            str(deal.company),
            str(deal.stage),
            f"{deal.age_days:.1f}",
            f"{deal.limit_days:.1f}",
            money(deal.amount),
        ]
        for deal in deals
    ]
    return header, rows


def upcoming_rows(meetings):
    header = [_("When"), _("Kind"), _("Company"), _("Deal")]
    rows = [
        [
            formats.date_format(timezone.localtime(m.occurred_at), "SHORT_DATETIME_FORMAT"),
            m.get_kind_display(),
            str(m.company or ""),
            str(m.deal or ""),
        ]
        for m in meetings
    ]
    return header, rows


def day_rows(day):
    header = [_("Kind"), _("Count"), _("Minutes"), _("Connected"), _("Replied"), _("Held"), _("Booked")]
    rows = [[k.label, k.count, k.minutes, k.connected, k.replied, k.held, k.booked] for k in day.kinds]
    return header, rows


def _my_week_table(table: str, rep, today, now):
    """(header, rows) of one table of "My week", reading only what that table needs."""
    if table == "goals":
        return goal_rows(selectors_rep.goal_lines(rep=rep, goals=selectors_rep.rep_goals(rep=rep), today=today))
    if table == "quotas":
        return quota_rows(selectors_rep.my_week(rep=rep, today=today, now=now).quotas)
    if table == "pipeline":
        return pipeline_rows(selectors_rep.open_pipeline(owner_ids=[rep.pk]))
    if table == "stale":
        pipeline = selectors_rep.open_pipeline(owner_ids=[rep.pk])
        return stale_rows(selectors_rep.stale_deals(owner_ids=[rep.pk], pipeline_ids=pipeline.pipeline_ids, now=now))
    if table == "upcoming":
        return upcoming_rows(selectors_rep.upcoming_meetings(rep=rep, now=now))
    if table == "today":
        return day_rows(selectors_rep.day_activity(rep=rep, day=today))
    raise Http404


MY_WEEK_TABLES = ("goals", "quotas", "pipeline", "stale", "upcoming", "today")


@login_required
@require_GET
def my_week_export(request, table: str):
    today = timezone.localdate()
    header, rows = _my_week_table(table, request.user, today, timezone.now())
    return csv_response(filename=f"my-week-{table}-{today:%Y-%m-%d}.csv", header=header, rows=rows)
