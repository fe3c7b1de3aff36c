"""Shared fixtures: the people of every permission test, a signed-in client,
and the real services (PostgreSQL, Redis, a Celery worker)."""

from contextlib import ExitStack

import pytest
from django.utils import translation

from tests import services
from tests.factories import AdminFactory, ManagerFactory, RepFactory, TeamFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The cache never carries over from one test to the next. Each test starts
    as a running server does: the organisation's (default) time zone and currency
    already cached, so query counts are those of a warm page."""
    from django.core.cache import cache

    from quotas.organisation import CACHE_KEY, CURRENCY_CACHE_KEY

    cache.clear()
    cache.set(CACHE_KEY, "UTC")
    cache.set(CURRENCY_CACHE_KEY, "USD")
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request in Chinese or Dutch leaves its language
    active in the thread (Django's LocaleMiddleware activates one per request and never resets it),
    and text made outside a request (a period's name) would follow it into the next test."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def frozen(monkeypatch):
    """Django's clock stands still at ``tests.helpers.NOW``."""
    from tests.helpers import NOW

    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    return NOW


@pytest.fixture(scope="session")
def test_database_url(django_db_setup, django_db_blocker):
    """URL of the test database, for a subprocess (a Celery worker) to share it; PostgreSQL only."""
    from django.db import connection

    if connection.vendor != "postgresql":
        # A worker process cannot see SQLite's in-memory test database; tests that
        # need one are marked `postgres` and run in the PostgreSQL pass only.
        pytest.fail("test_database_url needs PostgreSQL: mark the test with pytest.mark.postgres", pytrace=False)
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


@pytest.fixture(scope="session")
def redis_url():
    with ExitStack() as stack:
        try:
            url = stack.enter_context(services.redis_server())
        except services.ServiceUnavailable as exc:
            services.unavailable(str(exc))
        yield url


@pytest.fixture
def team(db):
    return TeamFactory(name="Enterprise East")


@pytest.fixture
def manager(team):
    return team.manager


@pytest.fixture
def rep(team):
    return RepFactory(username="owner", team=team)


@pytest.fixture
def teammate(team):
    return RepFactory(username="teammate", team=team)


@pytest.fixture
def outsider(db):
    """A rep of another team, with another manager."""
    return RepFactory(username="outsider", team=TeamFactory(name="Mid-Market West"))


@pytest.fixture
def other_manager(outsider):
    return outsider.team.manager


@pytest.fixture
def admin_user(db):
    return AdminFactory(username="boss")


@pytest.fixture
def client_as(client):
    """``client_as(user)`` signs the test client in as that user."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def unmanaged_manager(db):
    """A manager who runs no team yet."""
    return ManagerFactory(username="newmanager")


@pytest.fixture
def objects(rep, team):
    """One of each object the pages show, all the rep's: the permission matrix and the translation
    test open every page on them."""
    from activities import importers
    from activities import services as activity_services
    from quotas.models import ActivityGoal, MetricGoal
    from quotas.services import goal_save
    from tests.factories import ContactFactory, LeadSourceFactory, TerritoryFactory, make_deal, make_pipeline, stage

    pipeline = make_pipeline()
    deal = make_deal(owner=rep, pipeline=pipeline)
    contact = ContactFactory(owner=rep, company=deal.company)
    return {
        "rep": rep,
        "team": team,
        "territory": TerritoryFactory(name="Northeast"),
        "pipeline": pipeline,
        "stage": stage(pipeline, "Demo"),
        "lead_source": LeadSourceFactory(name="Referral"),
        "deal": deal,
        "company": deal.company,
        "contact": contact,
        "activity": activity_services.activity_log(owner=rep, by=rep, kind="call", outcome="connected", deal=deal),
        "activity_import": importers.import_create(
            by=rep, file_name="a.csv", content="kind,occurred_at\ncall,2026-01-01\n"
        ),
        "goal": goal_save(goal=ActivityGoal(rep=rep, metric="call", target=50)),
        "metric_goal": MetricGoal.objects.create(rep=rep, metric="win_rate", target=30, reward_description="Dinner"),
    }
