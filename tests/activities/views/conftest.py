"""An activity and a meeting awaiting its outcome, for the activity pages' tests."""

import pytest

from activities.models import Kind, Outcome
from tests.activities.views.helpers import ago, log


@pytest.fixture
def activity(rep):
    return log(rep, notes="Talked pricing", duration_minutes=12)


@pytest.fixture
def meeting(rep):
    """A meeting that was held an hour ago and still says "scheduled"."""
    return log(rep, kind=Kind.MEETING, outcome=Outcome.SCHEDULED, occurred_at=ago(hours=1))
