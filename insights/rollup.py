"""The best-time rollup's statements: rep x kind x day x the prospect's local weekday and hour
(``ReachHour``). Registered in ``dashboards.rollups.tables.TABLES`` (imported from there only:
it subclasses the engine's ``DayTable``); the activity marks of every activity write recompute it,
and a contact's or company's time zone change marks its activities' days (``receivers``).

The prospect's zone is the contact's, else the activity's company's, else the organisation's.
"""

from django.db import connection

from activities.models import Kind, Outcome
from dashboards.models import Scope
from dashboards.rollups.sql import ACT, COMPANY
from dashboards.rollups.tables.base import DayTable
from pipeline.models import Contact
from quotas.models import OrgSettings

from .models import ReachHour

CONTACT = Contact._meta.db_table
ORG = OrgSettings._meta.db_table
# What counts as reached, by kind: the connect rate's and the reply rate's numerators.
REACHED = {Kind.CALL: Outcome.CONNECTED, Kind.EMAIL: Outcome.REPLIED}
ZONE = (
    "COALESCE(NULLIF(ct.time_zone, ''), NULLIF(co.time_zone, ''), "
    f"(SELECT o.time_zone FROM {ORG} o WHERE o.id = 1), 'UTC')"
)


# The local hour is worked out from the zone's name at each refresh, neither stored per activity
# (every writer would have to keep it) nor read from offsets per zone and day (a daylight-saving
# day has two): docs/metrics.md "Best time to reach prospects".
def _local_hour(moment: str, zone: str) -> tuple[str, list]:
    """SQL for the hour ``moment`` falls in, as a local timestamp in the zone named by ``zone`` (a
    per-row expression), by that zone's rules at that moment (daylight saving included), and its
    parameters. PostgreSQL converts with its tz database; SQLite, which has none, with the Python
    function Django registers on it (zoneinfo), as the stored local days are; there the hour is
    text, 'YYYY-MM-DD HH:00:00'."""
    if connection.vendor == "postgresql":
        return f"date_trunc('hour', {moment} AT TIME ZONE {zone})", []
    return f"django_datetime_trunc('hour', {moment}, {zone}, %s)", [connection.timezone_name]


def _weekday_and_hour(local: str) -> tuple[str, str]:
    """SQL for the ISO weekday (1 Monday) and the hour of the local timestamp ``local``."""
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(ISODOW FROM {local}) AS INTEGER)", f"CAST(EXTRACT(HOUR FROM {local}) AS INTEGER)"
    return f"((CAST(strftime('%%w', {local}) AS INTEGER) + 6) %% 7 + 1)", f"CAST(substr({local}, 12, 2) AS INTEGER)"


class ReachTable(DayTable):
    model = ReachHour
    key = ("rep_id", "kind", "day", "weekday", "hour")
    values = ("attempts", "successes")
    scope = Scope.ACTIVITY

    def select(self, f):
        kinds = ", ".join(f"'{kind}'" for kind in sorted(REACHED))
        reached = " OR ".join(f"(a.kind = '{kind}' AND a.outcome = '{outcome}')" for kind, outcome in REACHED.items())
        local, params = _local_hour("a.occurred_at", ZONE)
        weekday, hour = _weekday_and_hour("h.local")
        # Grouped by the local hour first, then by its weekday and hour: the zone's conversion runs
        # once an activity (SQLite calls Python for it), the two extractions once a group.
        sql = f"""
            SELECT h.owner_id AS rep_id, h.kind, h.day, {weekday} AS weekday, {hour} AS hour,
                SUM(h.attempts) AS attempts, SUM(h.successes) AS successes
            FROM (
                SELECT a.owner_id, a.kind, a.day, {local} AS local, COUNT(*) AS attempts,
                    SUM(CASE WHEN {reached} THEN 1 ELSE 0 END) AS successes
                FROM {ACT} a
                LEFT JOIN {CONTACT} ct ON ct.id = a.contact_id
                LEFT JOIN {COMPANY} co ON co.id = a.company_id
                WHERE a.kind IN ({kinds}) AND {self._keys(f, "a.owner_id", "a.day")}
                GROUP BY a.owner_id, a.kind, a.day, 4
            ) h
            GROUP BY h.owner_id, h.kind, h.day, 4, 5"""
        return sql, params
