import pytest

from tests import services


@pytest.fixture
def redis_server():
    """A redis-server that a test can stop and start again on the same port."""
    try:
        with services.restartable_redis_server() as server:
            yield server
    except services.ServiceUnavailable as exc:
        services.unavailable(str(exc))
