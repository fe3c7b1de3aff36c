"""The account touches rollup: rep (the activity's owner) x day x company, with a touch count
(``AccountTouch``). Registered in ``dashboards.rollups.tables.TABLES``; refreshed by the activity
marks, which every write of an activity leaves on its owner's day."""

from dashboards.models import Scope
from dashboards.rollups.sql import ACT
from dashboards.rollups.tables.base import DayTable
from pipeline.models import Contact, Deal

from .models import AccountTouch

CONTACT = Contact._meta.db_table
DEAL = Deal._meta.db_table
# An activity's account: its company, else its contact's, else its deal's (docs/metrics.md).
ACCOUNT = "COALESCE(a.company_id, ct.company_id, d.company_id)"


class AccountTouchTable(DayTable):
    model = AccountTouch
    key = ("rep_id", "day", "company_id")
    values = ("touches",)
    scope = Scope.ACTIVITY

    def select(self, f):
        return (
            f"""
            SELECT a.owner_id AS rep_id, a.day AS day, {ACCOUNT} AS company_id, COUNT(*) AS touches
            FROM {ACT} a
            LEFT JOIN {CONTACT} ct ON ct.id = a.contact_id
            LEFT JOIN {DEAL} d ON d.id = a.deal_id
            WHERE {self._keys(f, "a.owner_id", "a.day")} AND {ACCOUNT} IS NOT NULL
            GROUP BY a.owner_id, a.day, {ACCOUNT}""",
            [],
        )
