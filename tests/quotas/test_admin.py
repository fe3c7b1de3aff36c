"""The quotas in the Django admin (quotas/admin.py): audited, checked, the trail read-only."""

from decimal import Decimal

import pytest
from django.urls import reverse

from quotas.models import OrgSettings, Quota, QuotaChange
from tests.quotas.views.helpers import _set


@pytest.fixture
def superuser_client(client, db):
    from accounts.models import User

    client.force_login(User.objects.create_superuser("root", "root@example.com", "x"))
    return client


def test_it_audits_a_quota_saved_in_the_admin(superuser_client, rep):
    response = superuser_client.post(
        reverse("admin:quotas_quota_add"),
        {
            "rep": rep.pk,
            "period_kind": "quarter",
            "period_start": "2026-10-01",
            "measure": "revenue",
            "target": "5000",
            "stretch_percent": "125",
        },
    )
    assert response.status_code == 302
    assert Quota.objects.get(rep=rep).target == Decimal("5000")
    assert QuotaChange.objects.get().new_target == Decimal("5000")


def test_it_refuses_a_period_start_in_the_middle_of_a_period_in_the_admin(superuser_client, rep):
    response = superuser_client.post(
        reverse("admin:quotas_quota_add"),
        {"rep": rep.pk, "period_kind": "quarter", "period_start": "2026-11-15", "measure": "revenue", "target": "1"},
    )
    assert response.status_code == 200
    assert not Quota.objects.exists()


def test_it_keeps_the_audit_trail_read_only_in_the_admin(superuser_client, admin_user, rep):
    change = _set(admin_user, "1", rep=rep).changes.get()
    assert superuser_client.get(reverse("admin:quotas_quotachange_add")).status_code == 403
    assert superuser_client.get(reverse("admin:quotas_quotachange_delete", args=[change.pk])).status_code == 403


def test_it_allows_one_organisation_settings_row_in_the_admin(superuser_client):
    assert superuser_client.get(reverse("admin:quotas_orgsettings_add")).status_code == 200
    OrgSettings.load()
    assert superuser_client.get(reverse("admin:quotas_orgsettings_add")).status_code == 403
