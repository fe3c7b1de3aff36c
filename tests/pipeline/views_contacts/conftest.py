"""A company, a contact and a small address book, for the address book's tests."""

import pytest

from tests.factories import CompanyFactory, ContactFactory, LeadSourceFactory


@pytest.fixture
def company(rep):
    return CompanyFactory(name="Acme Corporation", owner=rep)


@pytest.fixture
def contact(rep, company):
    return ContactFactory(first_name="Ada", last_name="Lovelace", email="ada@acme.example", company=company, owner=rep)


@pytest.fixture
def people(rep):
    acme = CompanyFactory(name="Acme", owner=rep)
    globex = CompanyFactory(name="Globex", owner=rep)
    referral = LeadSourceFactory(name="Referral")
    ContactFactory(first_name="Ada", last_name="Lovelace", email="ada@acme.example", company=acme, owner=rep)
    ContactFactory(
        first_name="Alan",
        last_name="Turing",
        email="alan@globex.example",
        company=globex,
        owner=rep,
        is_decision_maker=True,
        lead_source=referral,
    )
    ContactFactory(first_name="Grace", last_name="Hopper", email="grace@navy.example", company=None, owner=rep)
    return {"acme": acme, "globex": globex, "referral": referral}
