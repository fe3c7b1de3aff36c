"""What the rollup tests share: writes through the services at given moments, the rows they read back,
clocks and threads."""

import threading
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection as db_connection
from django.utils import timezone

from activities import services as activity_services
from dashboards import rollups
from dashboards.models import ActivityDay, Attainment, DirtyMark, StageRollup
from pipeline import services as pipeline_services
from quotas import services as quota_services
from quotas.periods import Period
from tests.factories import LostReasonFactory, make_deal, stage
from tests.helpers import at


def today():
    return timezone.localdate()


def days_ago(days: int):
    return timezone.now() - timedelta(days=days)


def calls(rep, day=None):
    row = ActivityDay.objects.filter(rep=rep, day=day or today(), kind="call").first()
    return row and (row.count, row.minutes, row.connected)


def in_thread(target) -> threading.Thread:
    """Run ``target`` in a thread of its own, closing its database connection at the end."""

    def run():
        try:
            target()
        finally:
            db_connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


MON = date(2026, 3, 2)  # a Monday


def log(rep, kind, outcome="", day=MON, minutes=0, *, hour=10, created=None, **fields):
    return activity_services.activity_log(
        owner=rep,
        by=rep,
        kind=kind,
        outcome=outcome,
        occurred_at=at(day, hour),
        duration_minutes=minutes,
        created_at=created or at(day, hour),
        **fields,
    )


def move(deal, name, when: datetime, **fields):
    return pipeline_services.deal_move(deal=deal, to_stage=stage(deal.pipeline, name), by=deal.owner, at=when, **fields)


def win(deal, day: date, hour: int = 15):
    return move(deal, "Won", at(day, hour), closed_on=day)


def lose(deal, day: date, competitor=None):
    return move(
        deal, "Lost", at(day, 15), closed_on=day, lost_reason=LostReasonFactory(name="Price"), competitor=competitor
    )


def deal_for(rep, pipeline, created: datetime, stage_name="Lead", amount="1000", **fields):
    return make_deal(owner=rep, pipeline=pipeline, stage_name=stage_name, amount=amount, created_at=created, **fields)


def stage_row(rep, pipeline, name, kind, start) -> StageRollup | None:
    return StageRollup.objects.filter(
        rep=rep, stage=stage(pipeline, name), period_kind=kind, period_start=start
    ).first()


def flow(row: StageRollup) -> tuple:
    """entered, advanced, lost, won, still open."""
    return (row.entered, row.advanced, row.lost, row.won, row.still_open)


def activity_rows(rep, day=MON) -> dict[str, ActivityDay]:
    return {row.kind: row for row in ActivityDay.objects.filter(rep=rep, day=day)}


def quota(rep=None, team=None, *, kind="month", start, target, measure="revenue", stretch=125, fiscal_start=1):
    period = Period(start, kind, fiscal_start)
    return quota_services.quota_set(
        by=None, period=period, target=Decimal(target), measure=measure, rep=rep, team=team, stretch_percent=stretch
    )


def attained(q) -> tuple:
    row = Attainment.objects.get(quota=q)
    return (row.achieved, row.target, row.attainment, row.stretch_attainment)


def drained_clean():
    rollups.drain()
    assert DirtyMark.objects.count() == 0
    assert rollups.verify() == []
