"""Pytest plugin for the PostgreSQL pass of the suite (``TEST_DATABASE=postgres``).

It starts a throwaway PostgreSQL cluster and sets DATABASE_URL *before*
pytest-django loads the Django settings, so the whole run, and every process
it starts, uses PostgreSQL through the same settings code as production.
Loaded early with ``-p tests.postgres_plugin`` (see pyproject.toml).
"""

import os
from contextlib import ExitStack

import pytest

from tests import services

_stack = ExitStack()


def on_postgres() -> bool:
    return os.environ.get("TEST_DATABASE") == "postgres"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    # A wrapper runs before every plain implementation, pytest-django's included.
    if on_postgres():
        try:
            os.environ["DATABASE_URL"] = _stack.enter_context(services.postgres_server())
        except services.ServiceUnavailable as exc:
            raise pytest.UsageError(f"the PostgreSQL pass needs PostgreSQL: {exc}; {services.INSTALL_HINT}") from exc
    return (yield)


def pytest_collection_modifyitems(config, items):
    if not on_postgres():
        skip = pytest.mark.skip(reason="PostgreSQL-only; runs in the PostgreSQL pass (TEST_DATABASE=postgres)")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)


def pytest_unconfigure(config):
    _stack.close()
