"""Formatting for dashboard figures: a missing figure (a ratio with a zero denominator) is "—".

{% load team_figures %}  {{ row.win_rate|pct }}  {{ row.won_amount|money }}  {{ row.cycle_length|num:1 }}
"""

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()

DASH = "—"


@register.filter
def pct(value, digits=0):
    """A percentage (already x 100), localised, with "%"; "—" for None."""
    if value is None:
        return DASH
    return f"{floatformat(value, f'{int(digits)}g')}%"


@register.filter
def money(value):
    """A money amount in whole currency units, localised with thousands separators; "—" for None."""
    if value is None:
        return DASH
    return floatformat(value, "0g")


@register.filter
def num(value, digits=0):
    """A count or average, localised (up to ``digits`` decimals, none shown when whole); "—" for None."""
    if value is None:
        return DASH
    return floatformat(value, f"-{int(digits)}g") if int(digits) else floatformat(value, "0g")
