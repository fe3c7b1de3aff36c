"""Team calls in Django admin (forecast/admin.py): to read and filter, never to add, change or delete."""

from datetime import date

import pytest
from django.urls import reverse

from accounts.models import User
from forecast.models import ForecastCall


@pytest.fixture
def admin_site(client_as, db):
    return client_as(User.objects.create_superuser("root", "root@example.com", "pw-long-enough"))


@pytest.fixture
def call(manager, team):
    return ForecastCall.objects.create(
        team=team,
        period_kind="month",
        period_start=date(2026, 11, 1),
        commit=5000,
        best_case=9000,
        rolled_up_commit=5000,
        rolled_up_best_case=9000,
        note="As rolled up",
        submitted_by=manager,
    )


def test_it_lists_the_calls(admin_site, call):
    response = admin_site.get(reverse("admin:forecast_forecastcall_changelist"))
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [call]


def test_it_refuses_to_add_change_or_delete_a_call(admin_site, call):
    client = admin_site
    assert client.get(reverse("admin:forecast_forecastcall_add")).status_code == 403
    change = client.post(reverse("admin:forecast_forecastcall_change", args=[call.pk]), {"commit": "1"})
    assert change.status_code == 403
    delete = reverse("admin:forecast_forecastcall_delete", args=[call.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    call.refresh_from_db()
    assert call.commit == 5000
