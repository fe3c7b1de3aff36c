"""The named records the example import files refer to."""

import pytest

from tests.factories import (
    CompanyFactory,
    CompetitorFactory,
    ContactFactory,
    LeadSourceFactory,
    LostReasonFactory,
    TerritoryFactory,
    make_pipeline,
)


@pytest.fixture
def org(db):
    """The named things the example rows refer to."""
    pipeline = make_pipeline("New business")
    return {
        "pipeline": pipeline,
        "territory": TerritoryFactory(name="Northeast"),
        "referral": LeadSourceFactory(name="Referral"),
        "price": LostReasonFactory(name="Price"),
        "rival": CompetitorFactory(name="Rival Inc"),
    }


@pytest.fixture
def acme(org, rep):
    company = CompanyFactory(name="Acme Corporation", owner=rep)
    ContactFactory(first_name="Ada", email="ada@acme.example", company=company, owner=rep)
    return company
