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


def _weekday_and_hour(moment: str, zone: str) -> tuple[str, str, list]:
    """SQL for the ISO weekday (1 Monday) and the hour of ``moment`` in the zone named by ``zone``
    (a per-row expression), and their parameters.

    Computed from the zone's own rules at that moment (daylight saving included), not from a
    stored offset: PostgreSQL converts with its tz database; SQLite, which has none, with the
    Python function Django registers on it (zoneinfo), as the stored local days are. There it
    is called once a row: the local hour's timestamp, read twice."""
    if connection.vendor == "postgresql":
        local = f"({moment} AT TIME ZONE {zone})"
        return f"CAST(EXTRACT(ISODOW FROM {local}) AS INTEGER)", f"CAST(EXTRACT(HOUR FROM {local}) AS INTEGER)", []
    return (
        "((CAST(strftime('%%w', local) AS INTEGER) + 6) %% 7 + 1)",
        "CAST(substr(local, 12, 2) AS INTEGER)",
        [connection.timezone_name],
    )


class ReachTable(DayTable):
    model = ReachHour
    key = ("rep_id", "kind", "day", "weekday", "hour")
    values = ("attempts", "successes")
    scope = Scope.ACTIVITY

    def select(self, f):
        kinds = ", ".join(f"'{kind}'" for kind in sorted(REACHED))
        reached = " OR ".join(f"(r.kind = '{kind}' AND r.outcome = '{outcome}')" for kind, outcome in REACHED.items())
        weekday, hour, params = _weekday_and_hour("a.occurred_at", ZONE)
        source = f"""
            FROM {ACT} a
            LEFT JOIN {CONTACT} ct ON ct.id = a.contact_id
            LEFT JOIN {COMPANY} co ON co.id = a.company_id
            WHERE a.kind IN ({kinds}) AND {self._keys(f, "a.owner_id", "a.day")}"""
        if connection.vendor == "postgresql":
            rows = f"SELECT a.owner_id, a.kind, a.day, {weekday} AS weekday, {hour} AS hour, a.outcome {source}"
        else:
            # The zone's conversion, once a row: the local hour as 'YYYY-MM-DD HH:00:00'.
            rows = f"""
                SELECT owner_id, kind, day, {weekday} AS weekday, {hour} AS hour, outcome FROM (
                    SELECT a.owner_id, a.kind, a.day, a.outcome,
                        django_datetime_trunc('hour', a.occurred_at, {ZONE}, %s) AS local {source}
                ) l"""
        sql = f"""
            SELECT r.owner_id AS rep_id, r.kind, r.day, r.weekday, r.hour, COUNT(*) AS attempts,
                SUM(CASE WHEN {reached} THEN 1 ELSE 0 END) AS successes
            FROM ({rows}) r
            GROUP BY r.owner_id, r.kind, r.day, r.weekday, r.hour"""
        return sql, params
