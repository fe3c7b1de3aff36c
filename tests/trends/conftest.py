import pytest

from tests.factories import make_pipeline


@pytest.fixture
def pipeline(db):
    return make_pipeline()
