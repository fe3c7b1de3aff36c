"""The coverage pages (portfolio/views.py) and the dashboards' parts of them, for every role: a
team's coverage per rep, a rep's accounts and the form that reassigns them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portfolio.models import AccountAssignment
from tests.factories import CompanyFactory, RepFactory

pytestmark = pytest.mark.django_db

NOVEMBER = {"period": "custom", "start": "2026-11-01", "end": "2026-11-30"}


def assignments():
    return sorted(AccountAssignment.objects.values_list("company__name", "rep__username"))


# --- the team's coverage ---------------------------------------------------------------------------


def test_team_page_shows_each_reps_coverage_for_the_range(client_as, accounts, manager, rep, teammate):
    response = client_as(manager).get(reverse("portfolio:team"), NOVEMBER)

    rows = {r.pk: (c.assigned, c.touched, c.percent) for r, c in response.context["rows"]}
    assert rows == {rep.pk: (4, 2, 50), teammate.pk: (1, 1, 100)}
    assert (response.context["total"].assigned, response.context["total"].touched) == (5, 3)
    assert 'data-testid="share">50%' in response.content.decode()


def test_team_page_shows_customers_only(client_as, accounts, manager, rep):
    response = client_as(manager).get(reverse("portfolio:team"), {**NOVEMBER, "scope": "customers"})

    rows = {r.pk: (c.assigned, c.touched) for r, c in response.context["rows"]}
    assert rows[rep.pk] == (2, 1)


def test_team_page_refuses_an_unknown_scope_and_another_managers_team(client_as, manager, outsider):
    client = client_as(manager)
    assert client.get(reverse("portfolio:team"), {"scope": "prospects"}).status_code == 404
    assert client.get(reverse("portfolio:team"), {"team": outsider.team_id}).status_code == 404


def test_a_rep_without_accounts_shows_a_dash(client_as, frozen, manager, rep):
    response = client_as(manager).get(reverse("portfolio:team"))

    assert response.context["rows"][0][1].percent is None
    assert 'data-testid="share">—' in response.content.decode()


def test_team_page_takes_the_same_number_of_queries_whatever_the_number_of_reps(client_as, accounts, manager, team):
    client = client_as(manager)
    client.get(reverse("portfolio:team"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("portfolio:team"))
    for n in range(5):
        CompanyFactory(owner=RepFactory(team=team, username=f"more{n}"))
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("portfolio:team"))
    assert len(many.captured_queries) == len(few.captured_queries) <= 10


# --- a rep's accounts -------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "status"), [("rep", 200), ("teammate", 404), ("outsider", 404), ("manager", 200)])
def test_a_reps_accounts_answer_the_rep_their_manager_and_nobody_else(
    client_as, rep, teammate, outsider, manager, who, status
):
    viewer = {"rep": rep, "teammate": teammate, "outsider": outsider, "manager": manager}[who]
    assert client_as(viewer).get(reverse("portfolio:accounts", args=[rep.pk])).status_code == status


def test_another_teams_manager_gets_404_for_a_reps_accounts(client_as, rep, other_manager):
    assert client_as(other_manager).get(reverse("portfolio:accounts", args=[rep.pk])).status_code == 404


def test_the_accounts_list_longest_untouched_first_with_the_last_touch_and_by_whom(client_as, accounts, rep, teammate):
    response = client_as(rep).get(reverse("portfolio:accounts", args=[rep.pk]))

    listed = [(a.company.name, a.last_rep_id, a.neglected) for a in response.context["accounts"]]
    assert listed == [
        ("Hooli", None, True),
        ("Globex", rep.pk, True),
        ("Acme", teammate.pk, False),
        ("Initech", rep.pk, False),
    ]
    # A rep sees no assignment form; this month's coverage: 2 of 4 accounts, 1 of 2 customers.
    assert response.context["form"] is None
    assert 'name="companies"' not in response.content.decode()
    assert (response.context["coverage_all"].percent, response.context["coverage_customers"].percent) == (50, 50)


def test_the_accounts_list_takes_the_same_number_of_queries_whatever_the_number_of_accounts(
    client_as, accounts, manager, rep
):
    client = client_as(manager)
    url = reverse("portfolio:accounts", args=[rep.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(5):
        CompanyFactory(owner=rep, name=f"More {n}")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries) <= 15


# --- assigning ----------------------------------------------------------------------------------------


def test_a_manager_reassigns_accounts_of_their_team(client_as, accounts, manager, rep, teammate):
    url = reverse("portfolio:assign", args=[rep.pk])
    picked = [accounts["hooli"].pk, accounts["globex"].pk]
    response = client_as(manager).post(url, {"companies": picked, "rep": teammate.pk})

    assert response.status_code == 302
    # Globex is the teammate's own company again: no assignment row, it follows its owner.
    assert assignments() == [("Hooli", "teammate"), ("Umbrella", "teammate")]


def test_an_admin_assigns_any_account(client_as, accounts, admin_user, rep, outsider):
    client_as(admin_user).post(
        reverse("portfolio:assign", args=[rep.pk]), {"companies": [accounts["acme"].pk], "rep": outsider.pk}
    )
    assert ("Acme", "outsider") in assignments()


def test_a_manager_cannot_assign_to_a_rep_of_another_team(client_as, accounts, manager, rep, outsider):
    before = assignments()
    response = client_as(manager).post(
        reverse("portfolio:assign", args=[rep.pk]), {"companies": [accounts["acme"].pk], "rep": outsider.pk}
    )
    assert response.status_code == 422
    assert "You cannot assign accounts to that rep." in response.content.decode()
    assert assignments() == before


def test_a_manager_cannot_assign_an_account_of_another_team(client_as, accounts, manager, rep, outsider):
    theirs = CompanyFactory(owner=outsider, name="Theirs")
    response = client_as(manager).post(
        reverse("portfolio:assign", args=[rep.pk]), {"companies": [theirs.pk], "rep": rep.pk}
    )
    assert response.status_code == 422
    assert "You cannot assign that account." in response.content.decode()
    assert not AccountAssignment.objects.filter(company=theirs).exists()


def test_nothing_ticked_says_so(client_as, accounts, manager, rep):
    response = client_as(manager).post(reverse("portfolio:assign", args=[rep.pk]), {"rep": rep.pk})
    assert response.status_code == 422
    assert "Tick at least one account." in response.content.decode()


@pytest.mark.parametrize(("who", "status"), [("rep", 403), ("outsider", 403), ("other_manager", 404)])
def test_reps_and_other_managers_cannot_assign(client_as, accounts, rep, outsider, other_manager, who, status):
    viewer = {"rep": rep, "outsider": outsider, "other_manager": other_manager}[who]
    before = assignments()
    response = client_as(viewer).post(
        reverse("portfolio:assign", args=[rep.pk]), {"companies": [accounts["hooli"].pk], "rep": rep.pk}
    )
    assert response.status_code == status
    assert assignments() == before


# --- on the dashboards ------------------------------------------------------------------------------------


def test_my_week_lists_my_neglected_accounts(client_as, accounts, rep):
    page = client_as(rep).get(reverse("dashboards:my_week")).content.decode()

    assert f'data-testid="neglected-{accounts["hooli"].pk}"' in page
    assert f'data-testid="neglected-{accounts["globex"].pk}"' in page
    assert f'data-testid="neglected-{accounts["acme"].pk}"' not in page
    assert page.index("Hooli") < page.index("Globex")


def test_the_one_on_one_page_lists_the_reps_neglected_accounts(client_as, accounts, manager, rep):
    page = client_as(manager).get(reverse("dashboards:one_on_one", args=[rep.pk])).content.decode()

    assert f'data-testid="neglected-{accounts["globex"].pk}"' in page
    assert reverse("portfolio:accounts", args=[rep.pk]) in page


def test_the_team_dashboard_shows_coverage_this_month(client_as, accounts, manager, rep):
    response = client_as(manager).get(reverse("dashboards:team"))
    page = response.content.decode()

    start = page.index(f'data-testid="team-coverage-{rep.pk}"')
    row = page[start : page.index("</tr>", start)]
    assert "50%" in row and "2/4" in row and "1/2" in row


@pytest.mark.parametrize("value", ["99999999999999999999", "-1", "9" * 5000, "x"])
def test_an_account_id_that_is_no_id_is_refused(client_as, accounts, admin_user, rep, value):
    before = assignments()
    response = client_as(admin_user).post(
        reverse("portfolio:assign", args=[rep.pk]), {"companies": [value], "rep": rep.pk}
    )
    assert response.status_code == 422
    assert "You cannot assign that account." in response.content.decode()
    assert assignments() == before
