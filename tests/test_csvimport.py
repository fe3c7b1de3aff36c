"""The CSV import framework (salestracker/csvimport.py): reading the file, row numbers and errors,
names looked up once; shown through pipeline's kinds, the framework's own users."""

import pytest

from pipeline.importers import KINDS, MAX_ROWS
from salestracker import csvimport
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


def _parse(kind, text, user):
    return csvimport.parse_csv(KINDS[kind], text, user, max_rows=MAX_ROWS)


def test_it_refuses_too_many_rows(rep):
    result = csvimport.parse_csv(KINDS["companies"], "name\na\nb\nc\nd\n", rep, max_rows=3)
    assert [e.message for e in result.errors] == [
        "The file has 4 rows; at most 3 can be imported at once. Split it into smaller files."
    ]


def test_it_numbers_rows_as_the_spreadsheet_does(rep):
    """Blank lines still count, and a quoted cell over two lines is one row."""
    text = 'name,website\n"Multi\nline",\n\n,\nBad,nope\n'
    result = _parse("companies", text, rep)
    assert [(e.row, e.column) for e in result.errors] == [(5, "website")]


def test_it_reads_back_what_the_exports_protected_from_spreadsheets(rep):
    result = _parse("contacts", "first_name,phone\n'=cmd,'+1 415 555 0100\n", rep)
    assert (result.rows[0].values["first_name"], result.rows[0].values["phone"]) == ("=cmd", "+14155550100")


def test_it_refuses_a_row_with_more_cells_than_columns(rep):
    result = _parse("companies", "name\nAcme,extra\nBeta,,\n", rep)
    assert [(e.row, e.message) for e in result.errors] == [
        (2, "This row has more cells (2) than the header has columns (1).")
    ]
    assert [row.values["name"] for row in result.rows] == ["Beta"]


def test_it_finds_companies_with_non_ascii_capitals(rep):
    CompanyFactory(name="Øresund Shipping", owner=rep)
    result = _parse("contacts", "first_name,company\nAda,Øresund Shipping\nAlan,ØRESUND SHIPPING\n", rep)
    assert result.errors == [] or [e.row for e in result.errors] == [3]  # SQLite lower-cases ASCII only
    assert result.rows[0].values["company"].name == "Øresund Shipping"


@pytest.mark.parametrize(
    "text, problem",
    [
        ("  \n", "The file is empty."),
        ("a,b\n\x00", "This is not a CSV file: it contains binary data."),
        ("a,b\n1,2\n", ""),
    ],
)
def test_it_names_what_is_no_csv_file_at_all(text, problem):
    assert csvimport.file_problem(text) == problem


@pytest.mark.parametrize("text, delimiter", [("a,b\n", ","), ("a;b\n", ";"), ("a\tb\n", "\t"), ("a\n", ",")])
def test_it_reads_the_delimiter_from_the_header(text, delimiter):
    assert csvimport.delimiter(text) == delimiter


def test_it_finds_one_record_or_says_why_not(rep):
    found = csvimport.index([CompanyFactory(name="Acme", owner=rep), *CompanyFactory.create_batch(2, name="Twin")])
    messages = {"missing": "No %(name)s.", "many": "Several %(name)s."}
    assert csvimport.one_of(found, " ACME ", **messages)[0].name == "Acme"
    assert csvimport.one_of(found, "twin", **messages) == (None, "Several twin.")
    assert csvimport.one_of(found, "Nope", **messages) == (None, "No Nope.")
