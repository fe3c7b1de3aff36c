"""Demo account coverage for `manage.py seed_demo`: Jordan has let the existing customers slide.

Run after the demo activity, in the same transaction: Jordan's activities of the last
``NEGLECT_DAYS`` days on customers (by company, contact or deal) go to Jordan's prospects instead,
so My week and the one-on-one page list every customer of Jordan's as neglected and the team
dashboard shows Jordan's customer coverage at 0% this month, beside colleagues near 100%.
"""

import random
from datetime import timedelta

from django.utils import timezone

from activities.models import Activity
from dashboards.marks import mark_days
from dashboards.models import Scope
from pipeline.models import Contact

NEGLECTER = "jordan"
NEGLECT_DAYS = 60


def seed_coverage_demo(*, users: dict) -> int:
    """Move the neglecting rep's recent customer activities to prospects; returns how many moved."""
    rep = users[NEGLECTER]
    rng = random.Random(22)  # its own draws: the other demo stories keep theirs
    prospects = list(Contact.objects.filter(owner=rep, company__is_customer=False).order_by("pk"))
    since = timezone.localdate() - timedelta(days=NEGLECT_DAYS)
    moved = list(Activity.objects.filter(owner=rep, day__gte=since, company__is_customer=True).order_by("pk"))
    for activity in moved:
        contact = rng.choice(prospects)
        activity.contact, activity.company, activity.deal = contact, contact.company, None
    Activity.objects.bulk_update(moved, ["contact", "company", "deal"], batch_size=2000)
    # A bulk update sends no signal: its days are marked here (follow-ups count by deal, too).
    keys = {(activity.owner_id, activity.day) for activity in moved}
    mark_days(Scope.ACTIVITY, keys)
    mark_days(Scope.PIPELINE, keys)
    return len(moved)
