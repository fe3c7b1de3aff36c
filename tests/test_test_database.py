"""Guards the test setup itself: each pass really runs on the database it names."""

import pytest
from django.db import connection

from tests import services
from tests.postgres_plugin import on_postgres


@pytest.mark.django_db
def test_it_runs_on_the_database_the_pass_names():
    assert connection.vendor == ("postgresql" if on_postgres() else "sqlite")


def test_a_missing_real_service_fails_the_test_and_says_what_to_install():
    with pytest.raises(pytest.fail.Exception, match="redis-server is not installed: install it"):
        services.unavailable("redis-server is not installed")
