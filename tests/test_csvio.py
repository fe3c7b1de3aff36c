"""The CSV export helper every list uses: formula injection neutralised, a streamed UTF-8 download."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from salestracker.csvio import csv_response, decode, safe_cell


@pytest.mark.parametrize(
    "value, expected",
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Acme", "Acme"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (42, "42"),
        (Decimal("1234.50"), "1234.50"),
        (date(2026, 3, 31), "2026-03-31"),
    ],
)
def test_it_makes_cells_safe(value, expected):
    assert safe_cell(value) == expected


def _read(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_it_streams_a_csv_download():
    response = csv_response(
        filename="companies.csv", header=["name", "employees"], rows=[["Acme", 250], ["Beta", None]]
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="companies.csv"'
    assert _read(response) == [["name", "employees"], ["Acme", "250"], ["Beta", ""]]


def test_it_neutralises_formulas_in_rows():
    response = csv_response(filename="x.csv", header=["name"], rows=[["=1+1"], ["ok, with comma"]])
    assert _read(response) == [["name"], ["'=1+1"], ["ok, with comma"]]


def test_it_consumes_a_generator_lazily():
    produced = []

    def rows():
        for n in range(3):
            produced.append(n)
            yield [n]

    response = csv_response(filename="x.csv", header=["n"], rows=rows())
    assert produced == []
    assert _read(response) == [["n"], ["0"], ["1"], ["2"]]


def test_it_decodes_windows_quotes_and_euro_signs():
    assert decode("“Deal” €5".encode("cp1252")) == "“Deal” €5"
