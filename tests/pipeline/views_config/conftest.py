"""A pipeline and an admin's client, for the settings area's tests."""

import pytest

from tests.factories import make_pipeline


@pytest.fixture
def pipeline(db):
    return make_pipeline()


@pytest.fixture
def admin_client(client_as, admin_user):
    return client_as(admin_user)
