"""Every Decimal a CSV export writes goes through one function: fixed point, rounded half up to the places
docs/metrics.md "Display and rounding" gives (money two decimals, goals and ratios one), never an exponent
like ``0E-28`` (what ``Decimal(0) * Decimal("1.0000…")`` or an average of nothing-won reads as), and the reps
table carries stretch attainment."""

import csv
import io
import re
from decimal import Decimal

import pytest

from dashboards.selectors import exports
from dashboards.selectors.figures import RepFigures
from salestracker.csvio import csv_response, decimal_text, safe_cell

EXPONENT = Decimal("0E-28")


@pytest.mark.parametrize(
    "value, places, expected",
    [
        (EXPONENT, 2, "0.00"),
        (Decimal(0) * Decimal("1.0000000000000000000000000000"), 2, "0.00"),
        (Decimal("1E+3"), 2, "1000.00"),
        (Decimal("0.125"), 2, "0.13"),  # half up, not the half-even of f"{x:.2f}"
        (Decimal("-0.001"), 2, "0.00"),  # never "-0.00"
        (Decimal("17.85"), 1, "17.9"),
        (Decimal("17100"), 0, "17100"),
    ],
)
def test_it_writes_a_decimal_in_fixed_point_rounded_half_up(value, places, expected):
    assert decimal_text(value, places) == expected


def test_a_decimal_reaching_a_cell_unformatted_is_money_with_two_decimals():
    assert safe_cell(EXPONENT) == "0.00"
    assert safe_cell(Decimal("-0E-28")) == "0.00"
    assert safe_cell(Decimal("2.5E+4")) == "25000.00"
    assert safe_cell(1e-05) == "0.00001"  # a float never in exponent form either


def _read(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_no_cell_of_a_download_reads_like_an_exponent():
    response = csv_response(filename="x.csv", header=["a", "b"], rows=[[EXPONENT, Decimal("1E+2")]])
    assert _read(response) == [["a", "b"], ["0.00", "100.00"]]


def _rep_cells(row: RepFigures) -> dict[str, str]:
    header = [str(h) for h in exports.REP_HEADER]
    line = [safe_cell(cell) for cell in exports._rep_line(row, "East")]
    return dict(zip(header, line, strict=True))


def test_the_reps_table_writes_zero_sums_without_exponents():
    row = RepFigures(
        won_amount=EXPONENT,
        open_amount=EXPONENT,
        weighted_amount=EXPONENT,
        won_deals=0,
        quota_target=Decimal("90000.00"),
        quota_achieved=EXPONENT,
        quota_stretch_target=Decimal("108000.00"),
        calls_goal=Decimal("17.85"),
        emails_goal=EXPONENT,
    )
    cells = _rep_cells(row)
    assert cells["Won revenue"] == "0.00"
    assert cells["Open value"] == "0.00"
    assert cells["Weighted value"] == "0.00"
    assert cells["Achieved"] == "0.00"
    assert cells["Quota"] == "90000.00"
    assert cells["Average deal size"] == ""  # no deal won: "—"
    assert cells["Calls goal"] == "17.9"  # goals to one decimal, half up
    assert cells["Emails goal"] == "0.0"
    assert not [value for value in cells.values() if re.search(r"\dE[+-]?\d", value, re.IGNORECASE)]


def test_the_reps_table_has_stretch_attainment():
    # 75,400 won against a 90,000 quota whose stretch target is 110% (99,000): 76.16…% of the stretch.
    row = RepFigures(
        quota_target=Decimal("90000.00"),
        quota_achieved=Decimal("75400.00"),
        quota_stretch_target=Decimal("99000.00"),
        won_amount=Decimal("65200.00"),
        won_deals=4,
    )
    cells = _rep_cells(row)
    assert cells["Attainment %"] == "83.8"  # 75,400 / 90,000
    assert cells["Stretch attainment %"] == "76.2"  # 75,400 / 99,000
    assert cells["Average deal size"] == "16300.00"  # 65,200 / 4


def test_stretch_attainment_is_empty_without_a_quota():
    assert _rep_cells(RepFigures())["Stretch attainment %"] == ""


def test_one_on_one_and_my_week_cells_never_read_like_an_exponent():
    assert exports._csv_money(EXPONENT) == "0.00"
    assert exports._csv_money(Decimal("0.125")) == "0.13"
    assert exports._csv_percent(Decimal("0.0125")) == "1.3"  # 1.25%, half up
    assert exports._fmt(EXPONENT, "money") == "0.00"
    assert exports._fmt(EXPONENT, "percent") == "0.0"
    assert exports._fmt(EXPONENT, "count") == "0"
    assert exports._fmt(Decimal("7.5"), "count") == "7.50"
