"""One money format and one date format on every page (docs/metrics.md "Display and rounding").

Money: whole units followed by the organisation's currency code ("17,100 USD"), a deal's own page to the
cent ("17,100.00 USD"); a dense table shows bare numbers only when its header or caption names the code.
Dates: the locale's short date (and short date-time); ISO formats only inside a machine-read attribute
(an input's ``value``, a ``<time datetime>``), never as text a person reads.
"""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from dashboards.templatetags.team_figures import currency, currency_code, money
from quotas.models import OrgSettings
from quotas.organisation import org_currency
from tests.factories import make_deal, make_pipeline

TEMPLATES = Path(settings.BASE_DIR) / "templates"
APP_DIRS = ("accounts", "activities", "dashboards", "pipeline", "quotas", "salestracker")
PEOPLE_FORMATS = {"SHORT_DATE_FORMAT", "SHORT_DATETIME_FORMAT"}
# A machine-read attribute may carry an ISO date: <input value="2026-11-18">, <time datetime="…">.
ISO_FORMATS = {"c", "Y-m-d"}
DATE_FILTER = re.compile(r"""\|date(?::(?P<quote>["'])(?P<format>[^"']*)(?P=quote))?""")


def _template_dates():
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        for match in DATE_FILTER.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            yield path.relative_to(TEMPLATES), line, text[: match.start()], match.group("format")


def test_templates_show_dates_in_the_locales_short_format_only():
    wrong = []
    for path, line, before, fmt in _template_dates():
        if fmt in PEOPLE_FORMATS:
            continue
        # An ISO format only as the value of the attribute the ``|date`` sits in.
        attribute = re.search(r'(value|datetime)="[^"]*$', before)
        if fmt in ISO_FORMATS and attribute:
            continue
        wrong.append(f"{path}:{line} |date:{fmt!r}")
    assert wrong == []


def test_python_code_formats_dates_for_people_in_the_short_format_only():
    call = re.compile(r"""date_format\([^)]*?["'](?P<format>[A-Z_]+)["']""")
    wrong = []
    for app in APP_DIRS:
        for path in sorted((Path(settings.BASE_DIR) / app).rglob("*.py")):
            for match in call.finditer(path.read_text()):
                if match.group("format") not in PEOPLE_FORMATS | {"MONTH_DAY_FORMAT", "YEAR_MONTH_FORMAT"}:
                    wrong.append(f"{path.name}: {match.group(0)}")
    assert wrong == []


# --- money -----------------------------------------------------------------------------------------


def test_money_shows_whole_units_with_the_currency_code(db):
    assert currency(Decimal("17100.50")) == "17,101 USD"  # half up
    assert currency(Decimal("17100"), 2) == "17,100.00 USD"
    assert currency(None) == "—"
    assert currency(Decimal("0E-28")) == "0 USD"
    assert money(Decimal("1234567.5")) == "1,234,568"
    assert currency_code() == "USD"


def test_the_code_follows_the_settings_at_once(db):
    assert org_currency() == "USD"
    org = OrgSettings.load()
    org.currency = "EUR"
    org.save()
    assert org_currency() == "EUR"
    assert currency(Decimal("5")) == "5 EUR"


@pytest.fixture
def deal(rep):
    pipeline = make_pipeline()
    return make_deal(owner=rep, pipeline=pipeline, stage_name="Demo", amount="17100", title="Big one")


def test_the_deal_page_shows_the_amount_to_the_cent_with_its_currency(client_as, rep, deal):
    body = client_as(rep).get(reverse("pipeline:deal_detail", args=[deal.pk])).content.decode()
    assert "17,100.00 USD" in body
    created = deal.created_at.astimezone().date()
    assert f"{created:%m/%d/%Y}" in body  # the short date (English: m/d/Y), never "Dec. 5, 2026"


def test_the_deal_list_names_the_currency_in_its_header(client_as, rep, deal):
    body = client_as(rep).get(reverse("pipeline:deal_list")).content.decode()
    assert "Amount (USD)" in body and "Weighted (USD)" in body
    assert "17,100<" in body


def test_the_board_shows_each_column_total_and_card_with_its_currency(client_as, rep, deal):
    body = client_as(rep).get(reverse("pipeline:board"), follow=True).content.decode()
    assert re.search(r'data-testid="column-total">17,100 USD<', body)
    assert "17,100 USD</span>" in body  # the card


def test_the_company_page_names_the_currency_of_its_deals(client_as, rep, deal):
    body = client_as(rep).get(reverse("pipeline:company_detail", args=[deal.company_id])).content.decode()
    assert "Amount (USD)" in body
    assert "17,100<" in body
