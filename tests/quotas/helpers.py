"""History for the planner's tests: activities and deals of a rep on fixed days, written through the
services as every write is."""

from datetime import date, datetime, time

from django.utils import timezone

from activities.models import Kind, Outcome
from activities.services import activity_log
from pipeline.services import deal_move
from tests.factories import LostReasonFactory, make_deal, stage

IN_WINDOW = date(2025, 3, 3)  # in the trailing 180 days (to 2025-06-16), before its quarter


def aware(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def log(owner, kind=Kind.CALL, outcome=Outcome.CONNECTED, *, day=IN_WINDOW, booked_on=None, times=1):
    """``times`` activities of ``owner`` on ``day``, booked (logged) on ``booked_on`` (default: that day)."""
    for _i in range(times):
        activity_log(
            owner=owner,
            by=owner,
            kind=kind,
            outcome=outcome,
            occurred_at=aware(day),
            created_at=aware(booked_on or day, 9),
        )


def win(owner, amount, *, on=IN_WINDOW, lost=False):
    """A deal of ``owner`` won (or lost) on ``on``, moved there through the service like every deal."""
    deal = make_deal(owner=owner, amount=str(amount))
    to_stage, reason = (
        (stage(deal.pipeline, "Lost"), LostReasonFactory()) if lost else (stage(deal.pipeline, "Won"), None)
    )
    deal_move(deal=deal, to_stage=to_stage, by=owner, closed_on=on, at=aware(on), lost_reason=reason)
    return deal


def give_history(rep, *, won=(25000,) * 5, held=10, booked_extra=0, calls=200):
    """The worked example's history by default: average deal 25,000, meeting -> won 50%, call -> meeting 5%."""
    for amount in won:
        win(rep, amount)
    log(rep, Kind.MEETING, Outcome.HELD, times=held)
    log(rep, Kind.DEMO, Outcome.NO_SHOW, times=booked_extra)
    log(rep, Kind.CALL, Outcome.NO_ANSWER, times=calls)
