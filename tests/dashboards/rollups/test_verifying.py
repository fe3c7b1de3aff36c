"""verify() (dashboards/rollups/verifying.py) compares the tables with a fresh recompute."""

from datetime import date
from decimal import Decimal

import pytest

from dashboards import rollups
from tests.dashboards.rollups.helpers import MON, attained, deal_for, quota, win
from tests.helpers import at

pytestmark = pytest.mark.django_db


def test_verify_accepts_an_attainment_that_does_not_end_in_four_decimals(rep, pipeline):
    win(deal_for(rep, pipeline, at(MON), amount="1000"), date(2026, 3, 10))
    q = quota(rep, start=date(2026, 3, 1), target="3000")
    rollups.drain()
    assert attained(q)[2:] == (Decimal("0.3333"), Decimal("0.2667"))
    assert rollups.verify() == []
