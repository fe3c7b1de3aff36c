"""The organisation settings page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from quotas.models import OrgSettings

SETTINGS = {
    "fiscal_year_start_month": "4",
    "time_zone": "Europe/Berlin",
    "currency": "EUR",
    "default_deal_size": "30000",
    "meeting_to_win_percent": "30",
    "call_to_meeting_percent": "7.5",
    "quiet_days": "10",
    "activity_drop_percent": "50",
}


def test_it_saves_the_organisation_settings_with_rates_as_fractions(client_as, admin_user):
    response = client_as(admin_user).post(reverse("quotas:org_settings"), SETTINGS)
    assert response.status_code == 302
    org = OrgSettings.load()
    assert (org.fiscal_year_start_month, org.time_zone, org.currency) == (4, "Europe/Berlin", "EUR")
    assert org.default_deal_size == Decimal("30000")
    assert org.default_meeting_to_win_rate == Decimal("0.3")
    assert org.default_call_to_meeting_rate == Decimal("0.075")
    assert (org.quiet_days, org.activity_drop_percent) == (10, 50)


def test_it_shows_the_rates_as_percentages(client_as, admin_user):
    form = client_as(admin_user).get(reverse("quotas:org_settings")).context["form"]
    assert (form["meeting_to_win_percent"].value(), form["call_to_meeting_percent"].value()) == ("25", "5")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("currency", "eur", "Enter a three-letter ISO 4217 code in capitals"),
        ("currency", "EU1", "Enter a three-letter ISO 4217 code in capitals"),
        ("time_zone", "Mars/Olympus_Mons", "Select a valid choice."),
        ("fiscal_year_start_month", "13", "Select a valid choice."),
        ("meeting_to_win_percent", "150", "Ensure this value is less than or equal to 100."),
        ("call_to_meeting_percent", "0", "Ensure this value is greater than or equal to 0.01."),
        ("default_deal_size", "-5", "Ensure this value is greater than or equal to 0.01."),
        ("quiet_days", "0", "Ensure this value is greater than or equal to 1."),
        ("activity_drop_percent", "120", "Ensure this value is less than or equal to 100."),
    ],
)
def test_it_refuses_bad_organisation_settings_and_changes_nothing(client_as, admin_user, field, value, message):
    before = OrgSettings.load()
    response = client_as(admin_user).post(reverse("quotas:org_settings"), {**SETTINGS, field: value})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    after = OrgSettings.objects.get()
    assert (after.currency, after.time_zone, after.fiscal_year_start_month) == (
        before.currency,
        before.time_zone,
        before.fiscal_year_start_month,
    )
    assert after.default_meeting_to_win_rate == before.default_meeting_to_win_rate
