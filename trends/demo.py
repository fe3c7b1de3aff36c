"""The early warnings' demo story for `manage.py seed_demo`: Taylor's calls, emails and meetings
dropped last week. From last week's Monday on, only one in ten of them is kept, so on any day of this
week the last two weeks fall well below 60% of Taylor's own eight weeks before, and the team
dashboard and Taylor's one-on-one page flag it. Taylor has no ramped goal: judged on history.

Called by ``dashboards.demo.activities`` on the rows it built, before their one bulk insert, so it
costs the seed nothing but a pass over the list."""

import random
from datetime import date, timedelta

from activities.models import MEETING_KINDS, Activity, Kind

DROPPED_REP = "taylor"
DROPPED_KINDS = frozenset({Kind.CALL, Kind.EMAIL, *MEETING_KINDS})
KEPT_SHARE = 0.1


def with_activity_drop(rows: list[Activity], *, today: date) -> list[Activity]:
    """``rows`` without nine in ten of the dropped rep's calls, emails and meetings since last week's Monday."""
    since = today - timedelta(days=today.weekday() + 7)
    # A generator of its own: the demo's shared one then draws the same numbers as without this story.
    rng = random.Random(22)
    return [
        row
        for row in rows
        if not (
            row.owner.username == DROPPED_REP
            and row.day >= since
            and row.kind in DROPPED_KINDS
            and rng.random() >= KEPT_SHARE
        )
    ]
