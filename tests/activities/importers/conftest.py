"""The records the example import files refer to, and a signed-in rep."""

import pytest

from tests.factories import CompanyFactory, ContactFactory, LeadSourceFactory, make_deal, make_pipeline


@pytest.fixture
def org(rep):
    pipeline = make_pipeline("New business")
    acme = CompanyFactory(name="Acme Corporation", owner=rep)
    return {
        "pipeline": pipeline,
        "acme": acme,
        "ada": ContactFactory(first_name="Ada", email="ada@acme.example", company=acme, owner=rep),
        "deal": make_deal(owner=rep, pipeline=pipeline, stage_name="Demo", company=acme, title="Acme - 50 seats"),
        "referral": LeadSourceFactory(name="Referral"),
    }


@pytest.fixture
def signed_in(client_as, rep):
    return client_as(rep)
