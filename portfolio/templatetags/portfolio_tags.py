"""Account coverage on the dashboards' pages, each through one line of their templates:
``{% neglected_accounts rep %}`` (My week, the one-on-one page) and ``{% team_coverage dashboard %}``
(the team dashboard). Read live, outside the pages' cached figures: an assignment changes them too."""

from django import template
from django.utils import timezone

from quotas.periods import Period

from .. import selectors

register = template.Library()

NEGLECTED_SHOWN = 5


@register.inclusion_tag("portfolio/_neglected.html")
def neglected_accounts(rep, css_class="col-lg-6"):
    """The rep's first neglected accounts, linked to their full list. Two queries."""
    return {
        "rep": rep,
        "neglected": selectors.neglected_accounts(rep=rep, today=timezone.localdate(), limit=NEGLECTED_SHOWN),
        "neglected_after": selectors.NEGLECTED_AFTER_DAYS,
        "css_class": css_class,
    }


@register.inclusion_tag("portfolio/_team_coverage.html")
def team_coverage(dashboard):
    """Coverage this month of the dashboard's reps: all accounts and customers. Two queries."""
    month = Period.containing(timezone.localdate(), "month")
    rep_ids = [rep.pk for rep in dashboard.reps]
    every = selectors.coverage(rep_ids=rep_ids, start=month.start, end=month.end)
    customers = selectors.coverage(rep_ids=rep_ids, start=month.start, end=month.end, scope="customers")
    return {
        "month": month,
        "team": dashboard.team,
        "rows": [(rep, every[rep.pk], customers[rep.pk]) for rep in dashboard.reps],
    }
