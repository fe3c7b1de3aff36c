"""The demo's best time to reach prospects, for `manage.py seed_demo`: the demo's companies get the
time zone of their territory (a tenth of their contacts one of their own), and every past call and
email to a prospect is moved within its day to an hour of the prospect's local working day.

Prospects answer more at some hours than others (``REACH``: mornings and late afternoon, hardly at
lunch). Each call keeps the outcome the demo drew for it (so every other figure keeps its rates)
and takes an hour drawn for that outcome: a connected call more likely at a good hour. Jordan calls
at the wrong hours, mostly over the prospect's lunch and after five (``HOURS``), so Jordan's heatmap
shows most calls in the palest cells and the few morning ones connecting best.

Called with the activity rows before their one bulk insert (``dashboards/demo/activities.py``);
works in memory with a random stream of its own, so the demo's other stories draw as before.
"""

import random
from datetime import datetime, time
from functools import cache
from zoneinfo import ZoneInfo

from django.utils import timezone

from activities.models import Activity, Kind, Outcome
from pipeline.models import Company, Contact

TERRITORY_ZONES = {
    "Northeast": "America/New_York",
    "Southeast": "America/New_York",
    "Midwest": "America/Chicago",
    "West Coast": "America/Los_Angeles",
}
CONTACT_ZONE = "America/Denver"  # a tenth of the contacts work from there, whatever their company's zone
# How much likelier than on average a prospect answers a call (or an email) at each local hour.
REACH = {7: 0.8, 8: 1.5, 9: 1.5, 10: 1.3, 11: 1.0, 12: 0.35, 13: 0.45, 14: 0.9, 15: 1.0, 16: 1.3, 17: 0.7, 18: 0.4}
USUAL_HOURS = dict.fromkeys(range(8, 18), 1.0)
# When each rep calls and emails, by the prospect's local hour: most reps through the working day.
HOURS = {"jordan": {8: 0.7, 9: 0.7, 10: 0.8, 11: 1.0, 12: 3.0, 13: 3.0, 14: 1.0, 15: 0.8, 16: 0.7, 17: 2.5, 18: 2.0}}
REACHED = {Kind.CALL: Outcome.CONNECTED, Kind.EMAIL: Outcome.REPLIED}


def best_time_demo(rows: list[Activity], *, territory_zones: dict[str, str] = TERRITORY_ZONES) -> list[Activity]:
    """Give the demo's companies and some contacts a time zone (``territory_zones``: by territory name,
    for a demo in another language), and move each past call and email of ``rows`` linked to a
    prospect to an hour of the prospect's day (the same day in the organisation's zone); returns ``rows``."""
    rng = random.Random(22)
    company_zones, contact_zones = _zones(territory_zones)
    org_zone = timezone.get_current_timezone()
    today = timezone.localdate()
    rates = _rates(rows)
    for row in rows:
        reached = REACHED.get(row.kind)
        if reached is None or row.day >= today or row.company_id is None:
            continue
        zone = contact_zones.get(row.contact_id) or company_zones.get(row.company_id)
        if zone is None:
            continue
        hours = _hours_on(zone, row.day, org_zone)
        usual = HOURS.get(row.owner.username, USUAL_HOURS)
        rate = rates[row.owner_id, row.kind]
        weights = [usual.get(hour, 0) * _chance(rate, hour, row.outcome == reached) for hour in hours]
        if not any(weights):
            continue
        hour = rng.choices(hours, weights)[0]
        at = datetime.combine(row.day, time(hour, rng.randint(0, 59)), tzinfo=ZoneInfo(zone))
        if row.deal is not None and at < row.deal.created_at:
            continue  # the deal did not exist yet at that hour
        row.occurred_at = row.created_at = at
    return rows


def _zones(territory_zones: dict[str, str]) -> tuple[dict[int, str], dict[int, str]]:
    """Each demo company's zone (its territory's) and the contacts with one of their own, saved."""
    company_zones = {}
    for name, zone in territory_zones.items():
        companies = Company.objects.filter(territory__name=name)
        companies.update(time_zone=zone)
        company_zones |= dict.fromkeys(companies.values_list("pk", flat=True), zone)
    own = [pk for pk in Contact.objects.order_by("pk").values_list("pk", flat=True) if pk % 10 == 0]
    Contact.objects.filter(pk__in=own).update(time_zone=CONTACT_ZONE)
    return company_zones, dict.fromkeys(own, CONTACT_ZONE)


def _rates(rows: list[Activity]) -> dict[tuple[int, str], float]:
    """Each rep's share of calls connected and of emails replied to, as the demo drew them."""
    counts: dict[tuple[int, str], list[int]] = {}
    for row in rows:
        if row.kind in REACHED:
            count = counts.setdefault((row.owner_id, row.kind), [0, 0])
            count[0] += 1
            count[1] += row.outcome == REACHED[row.kind]
    return {key: reached / total for key, (total, reached) in counts.items()}


def _chance(rate: float, hour: int, reached: bool) -> float:
    """How likely an attempt at ``hour`` has the outcome it has: the rep's rate times the hour's
    ``REACH`` when it reached the prospect, the rest when not."""
    p = min(1.0, rate * REACH[hour])
    return p if reached else 1 - p


@cache
def _hours_on(zone: str, day, org_zone) -> list[int]:
    """The prospect's working hours on ``day`` that fall on the same day in the organisation's
    zone: the activity keeps its stored day (and the deals it may be linked to)."""
    tz = ZoneInfo(zone)
    return [
        hour
        for hour in sorted(REACH)
        if timezone.localtime(datetime.combine(day, time(hour), tzinfo=tz), org_zone).date() == day
        and timezone.localtime(datetime.combine(day, time(hour, 59), tzinfo=tz), org_zone).date() == day
    ]
