"""Early warnings on the dashboards' pages, each through one line of their templates:
``{% team_flags dashboard %}`` (the team dashboard: the reps flagged) and ``{% rep_flags rep %}``
(the top of the one-on-one page). Computed at each request from the rollups, never stored, so a
flag goes as soon as its figure recovers; outside the pages' cached figures for the same reason."""

from django import template
from django.utils import timezone

from quotas.models import OrgSettings

from .. import selectors

register = template.Library()


def _drop_percent() -> int:
    found = OrgSettings.objects.values_list("activity_drop_percent", flat=True).first()
    return found or OrgSettings._meta.get_field("activity_drop_percent").default


def _context(reps) -> dict:
    """The flagged among ``reps`` today. Four queries."""
    drop_percent = _drop_percent()
    return {
        "flagged": selectors.early_warnings(reps=list(reps), today=timezone.localdate(), drop_percent=drop_percent),
        "drop_percent": drop_percent,
        "drop_points": selectors.RATE_DROP_POINTS,
    }


@register.inclusion_tag("trends/_team_flags.html")
def team_flags(dashboard):
    """The dashboard's reps whose activity or rates dropped, each with what changed."""
    return _context(dashboard.reps) | {"team": dashboard.team}


@register.inclusion_tag("trends/_rep_flags.html")
def rep_flags(rep):
    """What dropped for this rep, at the top of their one-on-one page."""
    return _context([rep]) | {"rep": rep}
