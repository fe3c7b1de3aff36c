"""A pipeline, a deal of the rep's in it and a company, for the deal pages' tests."""

import pytest

from tests.factories import CompanyFactory, make_deal, make_pipeline


@pytest.fixture
def pipeline(db):
    return make_pipeline()


@pytest.fixture
def deal(rep, pipeline):
    return make_deal(owner=rep, pipeline=pipeline, title="Acme renewal", amount="1000")


@pytest.fixture
def company(rep):
    return CompanyFactory(name="Globex", owner=rep)
