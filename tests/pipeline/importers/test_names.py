"""The names an import refers to (pipeline/importers/names.py) are looked up once per import, not
per row: checking a file costs the same queries whatever its size."""

from pipeline import importers
from tests.factories import CompanyFactory, ContactFactory
from tests.pipeline.importers.helpers import DEAL_HEADER, _count_queries, _csv, _deal_row


def _parse_selects(kind, text, user) -> int:
    with _count_queries() as counts:
        result = importers.parse_csv(kind, text, user)
    assert result.ok, result.errors[:3]
    return counts["select"]


def test_it_checks_a_file_in_the_same_number_of_queries_whatever_its_size(rep, manager, org):
    companies = CompanyFactory.create_batch(3, owner=rep)
    for n, company in enumerate(companies):
        ContactFactory(email=f"c{n}@x.example", company=company, owner=rep)

    def companies_file(rows):
        return _csv([["name", "territory"], *([f"New {n}", "Northeast"] for n in range(rows))])

    def contacts_file(rows):
        return _csv(
            [["first_name", "company", "email", "lead_source"]]
            + [[f"P{n}", companies[n % 3].name, f"p{n}@x.example", "Referral"] for n in range(rows)]
        )

    def deals_file(rows):
        return _csv(
            [DEAL_HEADER]
            + [
                _deal_row(
                    company=companies[n % 3].name, contact=f"c{n % 3}@x.example", owner="owner", lead_source="Referral"
                )
                for n in range(rows)
            ]
        )

    for kind, make_file in (("companies", companies_file), ("contacts", contacts_file), ("deals", deals_file)):
        assert _parse_selects(kind, make_file(200), manager) == _parse_selects(kind, make_file(2_000), manager), kind
