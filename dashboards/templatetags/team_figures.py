"""Formatting for dashboard figures: a missing figure (a ratio with a zero denominator) is "—".

{% load team_figures %}  {{ row.win_rate|pct }}  {{ row.won_amount|money }}  {{ row.cycle_length|num:1 }}

Money, on every page (docs/metrics.md "Display and rounding"): ``{{ amount|currency }}`` is whole
units followed by the organisation's currency code ("17,100 USD"), ``{{ amount|currency:2 }}`` to
the cent (a deal's own page); ``{{ amount|money }}`` is the bare number, only in a table whose
header or caption names the currency (``{% currency_code %}``); ``{{ target|quota_target:measure }}``
is money only for a revenue quota.

The output is ``floatformat``'s with the "g" (grouping) flag, character for character, but a
dashboard formats hundreds of figures a page, and ``floatformat`` looks the locale's separators up
again for each one (about half its time); here they are looked up once per language.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils import numberformat
from django.utils.formats import get_format
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from quotas.models import Measure
from quotas.organisation import org_currency

register = template.Library()

DASH = "—"
_SEPARATORS: dict[str | None, tuple[str, int, str]] = {}


def _separators() -> tuple[str, int, str]:
    """(decimal separator, grouping, thousand separator) of the active language."""
    language = get_language()
    found = _SEPARATORS.get(language)
    if found is None:
        found = (get_format("DECIMAL_SEPARATOR"), get_format("NUMBER_GROUPING"), get_format("THOUSAND_SEPARATOR"))
        _SEPARATORS[language] = found
    return found


def localised(value, digits: int) -> str:
    """``floatformat(value, f"{digits}g")``: ``digits`` decimals, rounded half up; a negative
    ``digits`` shows none for a whole number; thousands grouped, all in the active locale."""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return ""
    if not number.is_finite():
        return str(value)
    decimal_sep, grouping, thousand_sep = _separators()
    if digits <= 0 and number == number.to_integral_value():
        number, places = Decimal(int(number)), 0
    else:
        places = abs(digits)
        number = number.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
        if not number:
            number = abs(number)  # never "-0"
    return mark_safe(
        numberformat.format(number, decimal_sep, places, grouping, thousand_sep, force_grouping=True, use_l10n=True)
    )


@register.filter
def pct(value, digits=0):
    """A percentage (already x 100), localised, with "%"; "—" for None."""
    if value is None:
        return DASH
    return f"{localised(value, int(digits))}%"


@register.filter
def money(value):
    """A money amount in whole currency units, localised with thousands separators; "—" for None."""
    if value is None:
        return DASH
    return localised(value, 0)


@register.filter
def currency(value, digits=0):
    """A money amount with ``digits`` decimals (whole units by default), localised, followed by the
    organisation's currency code: "17,100 USD"; "—" for None."""
    if value is None or value == "":
        return DASH
    return f"{localised(value, int(digits))} {org_currency()}"


@register.filter
def quota_target(value, measure):
    """A quota's target as entered (decimals only when not whole): money with the currency code for a
    revenue quota ("90,000 USD"), the plain number for won deals or units ("12"); "—" for None."""
    if value is None or value == "":
        return DASH
    if measure == Measure.REVENUE:
        return currency(value, -2)
    return localised(value, -2)


@register.simple_tag
def currency_code() -> str:
    """The organisation's currency code, for a table header that names it."""
    return org_currency()


@register.filter
def num(value, digits=0):
    """A count or average, localised (up to ``digits`` decimals, none shown when whole); "—" for None."""
    if value is None:
        return DASH
    return localised(value, -int(digits)) if int(digits) else localised(value, 0)
