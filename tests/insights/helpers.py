"""What the best-time tests share: calls logged through the service at a weekday and hour."""

from datetime import timedelta

from dashboards import rollups
from tests.dashboards.rollups.helpers import MON, log


def calls(rep, weekday: int, hour: int, *, attempts: int, connected: int, week: int = 0, **fields) -> None:
    """``attempts`` calls by ``rep`` on the ISO ``weekday`` (1 Monday) of the week of 2 March 2026
    (``week`` weeks later), at ``hour`` UTC (the organisation's zone), ``connected`` of them connected."""
    day = MON + timedelta(days=weekday - 1, weeks=week)
    for n in range(attempts):
        log(rep, "call", "connected" if n < connected else "no_answer", day=day, hour=hour, **fields)


def drained() -> None:
    rollups.drain()
