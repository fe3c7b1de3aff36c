"""What the trends tests share: activity written in bulk as the demo writes it (with the signal that
marks its days), deals won and lost on given days, and a drain."""

from datetime import date

from activities.models import Activity
from activities.signals import activities_created
from dashboards import rollups
from dashboards.models import DirtyMark
from tests.dashboards.rollups.helpers import deal_for, lose, win
from tests.helpers import at


def logged(rep, day: date, kind: str, n: int, outcome: str = "") -> None:
    """``n`` activities of ``kind`` with ``outcome`` on ``day``."""
    rows = [
        Activity(
            owner=rep,
            kind=kind,
            outcome=outcome,
            occurred_at=at(day, 9 + i % 8),
            day=day,
            created_at=at(day, 9 + i % 8),
            created_day=day,
        )
        for i in range(n)
    ]
    activities_created.send(sender=Activity, activities=Activity.objects.bulk_create(rows))


def won(rep, pipeline, day: date, amount: str, company=None):
    deal = deal_for(
        rep, pipeline, at(day.replace(day=1), 8), amount=amount, **({"company": company} if company else {})
    )
    win(deal, day)
    deal.refresh_from_db()
    return deal


def lost(rep, pipeline, day: date, amount: str = "1000"):
    return lose(deal_for(rep, pipeline, at(day.replace(day=1), 8), amount=amount), day)


def drained() -> None:
    rollups.drain()
    assert DirtyMark.objects.count() == 0
