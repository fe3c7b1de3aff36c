"""The dashboards' number filters print exactly what ``floatformat`` with grouping prints."""

from decimal import Decimal

import pytest
from django.template.defaultfilters import floatformat
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboards.templatetags.team_figures import DASH, localised, money, num, pct

NUMBERS = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False).map(lambda f: round(f, 6)),  # figures, not 1e-268
    st.decimals(min_value=-(10**10), max_value=10**10, allow_nan=False, allow_infinity=False, places=3),
)


@pytest.mark.parametrize("language", ["en", "de", "fr"])
@settings(max_examples=150, deadline=None)
@given(value=NUMBERS, digits=st.sampled_from([-2, -1, 0, 1, 2]))
def test_it_formats_as_floatformat_does_in_every_locale(language, value, digits):
    with translation.override(language):
        assert localised(value, digits) == floatformat(value, f"{digits}g")


def test_the_filters_show_a_dash_for_a_missing_figure_and_round_half_up():
    with translation.override("en"):
        assert (pct(None), money(None), num(None)) == (DASH, DASH, DASH)
        assert pct(12.5) == "13%" and pct(12.25, 1) == "12.3%"
        assert money(Decimal("1234567.5")) == "1,234,568"
        assert num(34.0, 1) == "34" and num(34.26, 1) == "34.3" and num(-0.04, 1) == "0.0"
    with translation.override("de"):
        assert money(Decimal("1234567.5")) == "1.234.568"
