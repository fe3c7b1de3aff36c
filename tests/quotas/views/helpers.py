"""Helpers of the quotas screens' tests: the quarter they plan, the grid's parameters, a quota set
through the service."""

from datetime import date
from decimal import Decimal

from quotas import services
from quotas.periods import Period

Q4 = Period.containing(date(2026, 10, 1), "quarter")

GRID = {"kind": "quarter", "measure": "revenue", "start": "2026-10-01"}


def _set(by, target, period=Q4, **owner):
    return services.quota_set(by=by, period=period, target=Decimal(target), **owner)
