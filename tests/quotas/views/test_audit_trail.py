"""The quotas' audit trail: who sees what, filters, paging."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from quotas import services
from quotas.models import OrgSettings
from tests.quotas.views.helpers import Q4, _set


@pytest.fixture
def trail(admin_user, team, rep, teammate, outsider):
    _set(admin_user, "11111", rep=rep)
    _set(admin_user, "22222", rep=teammate)
    _set(admin_user, "33333", rep=outsider)
    _set(admin_user, "44444", team=team)


def _history(client, **params):
    return client.get(reverse("quotas:history"), params)


@pytest.mark.parametrize(
    ("who", "shown"),
    [
        ("rep", {"11,111"}),
        ("teammate", {"22,222"}),
        ("manager", {"11,111", "22,222", "44,444"}),
        ("other_manager", {"33,333"}),
        ("admin_user", {"11,111", "22,222", "33,333", "44,444"}),
    ],
)
def test_it_shows_each_role_its_part_of_the_history(request, client_as, trail, who, shown):
    content = _history(client_as(request.getfixturevalue(who))).content.decode()
    assert {n for n in ("11,111", "22,222", "33,333", "44,444") if n in content} == shown


def test_it_filters_the_history_by_rep_and_team(client_as, trail, manager, teammate, team):
    client = client_as(manager)
    assert [c.new_target for c in _history(client, rep=teammate.pk).context["page"]] == [Decimal("22222")]
    assert len(_history(client, team=team.pk).context["page"]) == 3


def test_it_filters_the_history_by_quota(client_as, admin_user, rep):
    quota = _set(admin_user, "1", rep=rep)
    _set(admin_user, "2", rep=rep)
    _set(admin_user, "5", rep=rep, period=Q4.next())
    page = _history(client_as(admin_user), quota=quota.pk).context["page"]
    assert [c.new_target for c in page] == [Decimal("2"), Decimal("1")]


@pytest.mark.parametrize("who", ["rep", "manager"])
def test_it_hides_another_teams_rep_or_team_from_the_history_filter(request, client_as, trail, outsider, who):
    client = client_as(request.getfixturevalue(who))
    assert _history(client, rep=outsider.pk).status_code == 404
    assert _history(client, team=outsider.team.pk).status_code == 404


def test_it_shows_a_rep_nothing_of_a_teammate_even_when_asked(client_as, trail, rep, teammate):
    content = _history(client_as(rep), rep=teammate.pk).content.decode()
    assert "22,222" not in content


def test_it_shows_old_and_new_target_and_who_changed_it(client_as, admin_user, rep):
    _set(admin_user, "1000", rep=rep)
    services.quota_set(by=admin_user, period=Q4, target=Decimal("1500"), rep=rep, reason="Bigger territory")
    content = _history(client_as(admin_user)).content.decode()
    assert "1,000 USD → 1,500 USD" in content and "Bigger territory" in content and str(admin_user) in content


def test_it_shows_money_only_for_a_revenue_quota(client_as, admin_user, rep, teammate):
    services.quota_set(by=admin_user, period=Q4, target=Decimal("90000"), rep=rep)
    services.quota_set(by=admin_user, period=Q4, target=Decimal("12"), measure="won_deals", rep=teammate)
    services.quota_set(by=admin_user, period=Q4, target=Decimal("250.5"), measure="units", rep=teammate)
    OrgSettings.objects.update_or_create(pk=1, defaults={"currency": "EUR"})
    cells = re.findall(r'data-testid="target">([^<]*)</td>', _history(client_as(admin_user)).content.decode())
    assert cells == ["— → 250.50", "— → 12", "— → 90,000 EUR"]  # newest first


def test_it_pages_the_history(client_as, admin_user, rep, django_assert_max_num_queries):
    for number in range(55):
        _set(admin_user, str(number + 1), rep=rep)
    client = client_as(admin_user)
    with django_assert_max_num_queries(8):
        first = _history(client)
    assert len(first.context["page"]) == 50
    assert len(_history(client, page=2).context["page"]) == 5
