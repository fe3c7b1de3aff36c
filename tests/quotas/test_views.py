"""Quotas screens: organisation settings, the grid, copying, splitting, the audit trail and the admin."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from quotas import services
from quotas.models import OrgSettings, Quota, QuotaChange
from quotas.periods import Period
from tests.factories import RepFactory, TeamFactory

Q4 = Period.containing(date(2026, 10, 1), "quarter")
GRID = {"kind": "quarter", "measure": "revenue", "start": "2026-10-01"}


def _set(by, target, period=Q4, **owner):
    return services.quota_set(by=by, period=period, target=Decimal(target), **owner)


# --- who may open what -------------------------------------------------------

PAGES = {
    "grid": ("get", "quotas:grid"),
    "history": ("get", "quotas:history"),
    "split": ("get", "quotas:split"),
    "org_settings": ("get", "quotas:org_settings"),
    "grid_save": ("post", "quotas:grid_save"),
    "copy_previous": ("post", "quotas:copy_previous"),
}
# Who gets which status code (admins only for everything that writes or splits).
ACCESS = {
    "rep": {"grid": 200, "history": 200, "split": 403, "org_settings": 403, "grid_save": 403, "copy_previous": 403},
    "teammate": {
        "grid": 200,
        "history": 200,
        "split": 403,
        "org_settings": 403,
        "grid_save": 403,
        "copy_previous": 403,
    },
    "manager": {"grid": 200, "history": 200, "split": 403, "org_settings": 403, "grid_save": 403, "copy_previous": 403},
    "other_manager": {
        "grid": 200,
        "history": 200,
        "split": 403,
        "org_settings": 403,
        "grid_save": 403,
        "copy_previous": 403,
    },
    "admin_user": {
        "grid": 200,
        "history": 200,
        "split": 200,
        "org_settings": 200,
        "grid_save": 302,
        "copy_previous": 302,
    },
}


@pytest.mark.parametrize("page", PAGES)
def test_it_sends_anonymous_visitors_to_sign_in(client, db, page):
    method, name = PAGES[page]
    response = getattr(client, method)(reverse(name), GRID)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("who", ACCESS)
def test_it_allows_each_page_to_the_right_roles(request, client_as, rep, teammate, outsider, who, page):
    user = request.getfixturevalue(who)
    method, name = PAGES[page]
    response = getattr(client_as(user), method)(reverse(name), GRID)
    assert response.status_code == ACCESS[who][page]


def test_it_refuses_a_rep_posting_quotas_and_saves_nothing(client_as, rep):
    response = client_as(rep).post(reverse("quotas:grid_save"), {**GRID, f"target_r{rep.pk}_20261001": "1"})
    assert response.status_code == 403
    assert not Quota.objects.exists()


# --- organisation settings ----------------------------------------------------

SETTINGS = {
    "fiscal_year_start_month": "4",
    "time_zone": "Europe/Berlin",
    "currency": "EUR",
    "default_deal_size": "30000",
    "meeting_to_win_percent": "30",
    "call_to_meeting_percent": "7.5",
}


def test_it_saves_the_organisation_settings_with_rates_as_fractions(client_as, admin_user):
    response = client_as(admin_user).post(reverse("quotas:org_settings"), SETTINGS)
    assert response.status_code == 302
    org = OrgSettings.load()
    assert (org.fiscal_year_start_month, org.time_zone, org.currency) == (4, "Europe/Berlin", "EUR")
    assert org.default_deal_size == Decimal("30000")
    assert org.default_meeting_to_win_rate == Decimal("0.3")
    assert org.default_call_to_meeting_rate == Decimal("0.075")


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


# --- splitting a team target ------------------------------------------------------------


@pytest.fixture
def trio(db):
    team = TeamFactory(name="Trio")
    reps = [
        RepFactory(username=name, first_name=name.title(), last_name="Rep", team=team) for name in ("ann", "bob", "cy")
    ]
    RepFactory(username="left", first_name="Zed", team=team, is_active=False)
    return team, reps


def _split(team, **extra):
    return {
        "team": team.pk,
        "kind": "quarter",
        "start": "2026-10-01",
        "measure": "revenue",
        "total": "100000",
        "method": "even",
        **extra,
    }


def _shares(response):
    return [(share.rep.username, share.amount, share.got_remainder) for share in response.context["shares"]]


def test_it_previews_a_split_and_writes_nothing(client_as, admin_user, trio):
    team, _reps = trio
    response = client_as(admin_user).post(reverse("quotas:split"), _split(team, method="even", action="preview"))
    assert response.status_code == 200
    assert _shares(response) == [
        ("ann", Decimal("33334"), True),
        ("bob", Decimal("33333"), False),
        ("cy", Decimal("33333"), False),
    ]
    content = response.content.decode()
    assert "+1 rounding" in content and "33,334" in content and "FY2026-Q4" in content
    assert not Quota.objects.exists() and not QuotaChange.objects.exists()


def test_it_previews_with_htmx_as_the_form_alone(client_as, admin_user, trio):
    team, _reps = trio
    response = client_as(admin_user).post(
        reverse("quotas:split"), _split(team, method="even", action="preview"), headers={"HX-Request": "true"}
    )
    content = response.content.decode()
    assert content.lstrip().startswith('<form id="split-form"') and "<html" not in content
    assert "+1 rounding" in content
    assert not Quota.objects.exists()


def test_it_shows_a_weight_per_active_rep_of_the_chosen_team(client_as, admin_user, trio):
    team, reps = trio
    response = client_as(admin_user).get(reverse("quotas:split"), {"team": team.pk})
    form = response.context["form"]
    assert form.reps == reps
    assert [form[f"weight_{rep.pk}"].value() for rep in reps] == [1, 1, 1]


def test_it_applies_an_even_split(client_as, admin_user, trio):
    team, reps = trio
    client = client_as(admin_user)
    response = client.post(reverse("quotas:split"), _split(team, method="even", action="apply"))
    assert response.status_code == 302
    assert response["Location"] == reverse("quotas:grid") + "?kind=quarter&measure=revenue&start=2026-10-01"
    targets = [Quota.objects.get(rep=rep, period_start=Q4.start).target for rep in reps]
    assert targets == [Decimal("33334"), Decimal("33333"), Decimal("33333")]
    assert Quota.objects.get(team=team).target == Decimal("100000")
    content = client.get(response["Location"]).content.decode()
    assert "33,334" in content and "33,333" in content


def test_it_applies_a_split_by_weights(client_as, admin_user, trio):
    team, (ann, bob, cy) = trio
    data = _split(team, method="weights", action="apply", **{f"weight_{ann.pk}": "2", f"weight_{bob.pk}": "1"})
    data[f"weight_{cy.pk}"] = "1"
    client_as(admin_user).post(reverse("quotas:split"), data)
    assert [Quota.objects.get(rep=rep).target for rep in (ann, bob, cy)] == [
        Decimal("50000"),
        Decimal("25000"),
        Decimal("25000"),
    ]


def test_it_ignores_weights_for_an_even_split(client_as, admin_user, trio):
    team, (ann, _bob, _cy) = trio
    data = _split(team, method="even", action="preview", **{f"weight_{ann.pk}": "5"})
    assert _shares(client_as(admin_user).post(reverse("quotas:split"), data))[0][1] == Decimal("33334")


def test_it_refuses_all_zero_weights(client_as, admin_user, trio):
    team, reps = trio
    data = _split(team, method="weights", action="apply", **{f"weight_{rep.pk}": "0" for rep in reps})
    response = client_as(admin_user).post(reverse("quotas:split"), data)
    assert "At least one weight must be above zero." in response.content.decode()
    assert not Quota.objects.exists()


def test_it_refuses_a_total_in_fractions(client_as, admin_user, trio):
    team, _reps = trio
    response = client_as(admin_user).post(reverse("quotas:split"), _split(team, total="100.50", action="apply"))
    assert response.context["form"].errors["total"] == ["Enter the team target in whole units."]
    assert not Quota.objects.exists()


# --- the audit trail -----------------------------------------------------------------


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
    assert "1,000 → 1,500" in content and "Bigger territory" in content and str(admin_user) in content


def test_it_pages_the_history(client_as, admin_user, rep, django_assert_max_num_queries):
    for number in range(55):
        _set(admin_user, str(number + 1), rep=rep)
    client = client_as(admin_user)
    with django_assert_max_num_queries(8):
        first = _history(client)
    assert len(first.context["page"]) == 50
    assert len(_history(client, page=2).context["page"]) == 5


# --- the Django admin ------------------------------------------------------------------


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
