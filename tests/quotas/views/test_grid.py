"""The quotas grid: what each role sees, saving it with its audit, copying last period's quotas."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from quotas.models import OrgSettings, Quota, QuotaChange
from tests.factories import RepFactory
from tests.quotas.views.helpers import GRID, Q4, _set

# --- the grid -------------------------------------------------------------------


def _grid_page(client, **params):
    return client.get(reverse("quotas:grid"), {**GRID, **params})


def test_it_labels_the_columns_with_the_periods(client_as, admin_user):
    content = _grid_page(client_as(admin_user)).content.decode()
    for label in ("FY2026-Q4", "FY2027-Q1", "FY2027-Q2", "FY2027-Q3"):
        assert label in content


@pytest.mark.parametrize("params", [{}, {"start": ""}, {"start": "2026-11-23"}])
def test_it_starts_with_the_quarter_of_today_by_default(client_as, rep, params, monkeypatch):
    monkeypatch.setattr("quotas.views.timezone.localdate", lambda: date(2026, 11, 23))
    response = client_as(rep).get(reverse("quotas:grid"), params)
    assert str(response.context["periods"][0]) == "FY2026-Q4"
    assert not response.context["filters"].errors


def test_it_follows_the_fiscal_year(client_as, admin_user):
    org = OrgSettings.load()
    org.fiscal_year_start_month = 4
    org.save()
    response = _grid_page(client_as(admin_user))
    assert [str(period) for period in response.context["periods"]] == [
        "FY2027-Q3",
        "FY2027-Q4",
        "FY2028-Q1",
        "FY2028-Q2",
    ]


def test_it_shows_targets_formatted(client_as, admin_user, rep):
    _set(admin_user, "1234567", rep=rep)
    assert "1,234,567" in _grid_page(client_as(admin_user)).content.decode()


def test_it_shows_a_rep_their_own_quotas_only(client_as, admin_user, rep, teammate, outsider, team):
    _set(admin_user, "11111", rep=rep)
    _set(admin_user, "22222", rep=teammate)
    _set(admin_user, "33333", rep=outsider)
    _set(admin_user, "44444", team=team)
    response = _grid_page(client_as(rep))
    content = response.content.decode()
    assert "11,111" in content
    for hidden in ("22,222", "33,333", "44,444", str(outsider), str(teammate)):
        assert hidden not in content
    assert response.context["form"] is None
    assert "My quotas" in content


def test_it_shows_a_manager_their_team_read_only(client_as, admin_user, manager, rep, teammate, outsider):
    _set(admin_user, "11111", rep=rep)
    _set(admin_user, "33333", rep=outsider)
    response = _grid_page(client_as(manager))
    content = response.content.decode()
    assert "11,111" in content and "33,333" not in content
    assert str(outsider) not in content
    assert 'name="target_' not in content
    assert response.context["form"] is None


def test_it_hides_a_team_from_the_manager_of_another(client_as, admin_user, other_manager, rep):
    _set(admin_user, "11111", rep=rep)
    content = _grid_page(client_as(other_manager)).content.decode()
    assert "11,111" not in content and str(rep) not in content


def test_it_labels_the_team_row_with_where_the_quota_comes_from(client_as, admin_user, team, rep, teammate):
    _set(admin_user, "100", rep=rep)
    _set(admin_user, "200", rep=teammate)
    assert "sum of members" in _grid_page(client_as(admin_user)).content.decode()
    _set(admin_user, "1000", team=team)
    content = _grid_page(client_as(admin_user)).content.decode()
    assert "team quota" in content


def test_it_links_each_admin_cell_to_its_history(client_as, admin_user, rep):
    quota = _set(admin_user, "100", rep=rep)
    assert f"{reverse('quotas:history')}?quota={quota.pk}" in _grid_page(client_as(admin_user)).content.decode()


def test_it_reads_the_grid_in_a_bounded_number_of_queries(client_as, admin_user, team, django_assert_max_num_queries):
    for _ in range(30):
        _set(admin_user, "1000", rep=RepFactory(team=team))
    client = client_as(admin_user)
    with django_assert_max_num_queries(11):  # +1: the admins' refresh-lag banner
        _grid_page(client)


# --- saving the grid --------------------------------------------------------------


def _grid_post(client) -> dict:
    """What the admin's browser would send back for the grid as shown."""
    response = _grid_page(client)
    form = response.context["form"]
    data = {name: form[name].value() for name in form.fields}
    return {**GRID, **{name: "" if value is None else value for name, value in data.items()}}


def _cell(owner, period=Q4) -> str:
    prefix = "r" if owner.__class__.__name__ == "User" else "t"
    return f"{prefix}{owner.pk}_{period.start:%Y%m%d}"


def test_it_saves_changed_cells_and_audits_them(client_as, admin_user, rep, teammate, team):
    client = client_as(admin_user)
    data = _grid_post(client)
    data[f"target_{_cell(rep)}"] = "90000"
    data[f"stretch_{_cell(rep)}"] = "130"
    data[f"target_{_cell(teammate, Q4.next())}"] = "80000"
    data[f"target_{_cell(team)}"] = "200000"
    data["reason"] = "Annual planning"
    response = client.post(reverse("quotas:grid_save"), data)
    assert response.status_code == 302
    assert Quota.objects.get(rep=rep).target == Decimal("90000")
    assert Quota.objects.get(rep=rep).stretch_percent == 130
    assert Quota.objects.get(rep=teammate, period_start=Q4.next().start).target == Decimal("80000")
    assert Quota.objects.get(team=team).target == Decimal("200000")
    assert QuotaChange.objects.count() == 3
    assert set(QuotaChange.objects.values_list("reason", flat=True)) == {"Annual planning"}
    assert set(QuotaChange.objects.values_list("changed_by", flat=True)) == {admin_user.pk}


def test_it_writes_nothing_for_unchanged_cells(client_as, admin_user, rep, teammate):
    _set(admin_user, "90000", rep=rep)
    _set(admin_user, "50000", rep=teammate)
    client = client_as(admin_user)
    data = _grid_post(client)
    data[f"target_{_cell(teammate)}"] = "55000"
    client.post(reverse("quotas:grid_save"), data)
    assert QuotaChange.objects.count() == 3
    assert QuotaChange.objects.first().new_target == Decimal("55000")


def test_it_writes_nothing_when_nothing_changed(client_as, admin_user, rep):
    _set(admin_user, "90000", rep=rep)
    client = client_as(admin_user)
    response = client.post(reverse("quotas:grid_save"), _grid_post(client), follow=True)
    assert QuotaChange.objects.count() == 1
    assert "Nothing changed." in response.content.decode()


@pytest.mark.parametrize(("bad", "message"), [("-5", "A target cannot be negative."), ("lots", "Enter a number.")])
def test_it_saves_nothing_when_one_cell_is_bad(client_as, admin_user, rep, teammate, bad, message):
    _set(admin_user, "90000", rep=rep)
    client = client_as(admin_user)
    data = _grid_post(client)
    data[f"target_{_cell(rep)}"] = "95000"
    data[f"target_{_cell(teammate)}"] = bad
    response = client.post(reverse("quotas:grid_save"), data)
    assert response.status_code == 200
    assert response.context["form"].errors == {f"target_{_cell(teammate)}": [message]}
    content = response.content.decode()
    assert message in content and "Nothing was saved" in content
    assert f'value="{bad}"' in content  # the bad input is kept for correcting
    assert Quota.objects.get(rep=rep).target == Decimal("90000")
    assert not Quota.objects.filter(rep=teammate).exists()
    assert QuotaChange.objects.count() == 1


def test_it_refuses_a_stretch_below_100_percent(client_as, admin_user, rep):
    client = client_as(admin_user)
    data = _grid_post(client)
    data[f"target_{_cell(rep)}"] = "1000"
    data[f"stretch_{_cell(rep)}"] = "90"
    response = client.post(reverse("quotas:grid_save"), data)
    assert response.context["form"].errors[f"stretch_{_cell(rep)}"]
    assert not Quota.objects.exists()


def test_it_removes_a_quota_whose_target_is_emptied_and_audits_it(client_as, admin_user, rep):
    _set(admin_user, "90000", rep=rep)
    client = client_as(admin_user)
    data = _grid_post(client)
    data[f"target_{_cell(rep)}"] = ""
    client.post(reverse("quotas:grid_save"), data)
    assert not Quota.objects.exists()
    assert QuotaChange.objects.filter(old_target=Decimal("90000"), new_target__isnull=True).exists()


def test_it_leaves_cells_that_were_not_on_the_page_alone(client_as, admin_user, rep, team):
    _set(admin_user, "90000", rep=rep)
    client = client_as(admin_user)
    data = _grid_post(client)
    newcomer = RepFactory(team=team)
    _set(admin_user, "1000", rep=newcomer)
    client.post(reverse("quotas:grid_save"), data)
    assert Quota.objects.get(rep=newcomer).target == Decimal("1000")


# --- copying last period's quotas ----------------------------------------------------


def test_it_copies_last_periods_quotas(client_as, admin_user, rep, teammate):
    _set(admin_user, "80000", rep=rep, period=Q4.previous())
    _set(admin_user, "70000", rep=teammate, period=Q4.previous())
    _set(admin_user, "99000", rep=teammate)
    response = client_as(admin_user).post(reverse("quotas:copy_previous"), GRID, follow=True)
    assert "Copied 1 quota from FY2026-Q3 to FY2026-Q4." in response.content.decode()
    assert Quota.objects.get(rep=rep, period_start=Q4.start).target == Decimal("80000")
    assert Quota.objects.get(rep=teammate, period_start=Q4.start).target == Decimal("99000")
