"""The activity list, its filters and its CSV export."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import Kind, Outcome
from tests.activities.views.helpers import ago, log
from tests.factories import CompanyFactory, ContactFactory, make_deal

# --- list ------------------------------------------------------------------------


def rows(response) -> list[int]:
    return [a.pk for a in response.context["page"]]


def test_a_rep_lists_only_their_own_activities(client_as, rep, teammate):
    mine = log(rep)
    log(teammate)
    assert rows(client_as(rep).get(reverse("activities:list"))) == [mine.pk]


def test_a_manager_lists_their_teams_activities(client_as, manager, rep, teammate, outsider):
    ours = [log(rep, occurred_at=ago(hours=2)), log(teammate, occurred_at=ago(hours=1))]
    log(outsider)
    assert rows(client_as(manager).get(reverse("activities:list"))) == [ours[1].pk, ours[0].pk]


def test_an_admin_lists_everyones_activities(client_as, admin_user, rep, outsider):
    log(rep)
    log(outsider)
    assert len(rows(client_as(admin_user).get(reverse("activities:list")))) == 2


def test_it_filters_by_kind_outcome_and_dates(client_as, rep):
    log(rep, outcome=Outcome.CONNECTED, occurred_at=ago(days=10))
    wanted = log(rep, outcome=Outcome.CONNECTED, occurred_at=ago(days=3))
    log(rep, outcome=Outcome.VOICEMAIL, occurred_at=ago(days=3))
    log(rep, kind=Kind.EMAIL, outcome=Outcome.SENT, occurred_at=ago(days=3))
    response = client_as(rep).get(
        reverse("activities:list"),
        {
            "kind": "call",
            "outcome": "connected",
            "date_from": (timezone.localdate() - timedelta(days=5)).isoformat(),
            "date_to": timezone.localdate().isoformat(),
        },
    )
    assert rows(response) == [wanted.pk]


def test_it_filters_by_company_and_deal(client_as, rep):
    deal = make_deal(owner=rep)
    on_deal = log(rep, deal=deal)
    contact = ContactFactory(owner=rep)
    at_company = log(rep, contact=contact)
    log(rep)
    client = client_as(rep)
    assert rows(client.get(reverse("activities:list"), {"deal": deal.pk})) == [on_deal.pk]
    assert rows(client.get(reverse("activities:list"), {"company": contact.company_id})) == [at_company.pk]


def test_a_manager_filters_by_rep(client_as, manager, rep, teammate):
    log(rep)
    theirs = log(teammate)
    assert rows(client_as(manager).get(reverse("activities:list"), {"owner": teammate.pk})) == [theirs.pk]


def test_a_rep_cannot_filter_on_someone_else(client_as, rep, teammate):
    mine = log(rep)
    log(teammate)
    response = client_as(rep).get(reverse("activities:list"), {"owner": teammate.pk})
    assert rows(response) == [mine.pk]
    assert 'name="owner"' not in response.content.decode()


def test_a_manager_cannot_filter_on_another_teams_rep(client_as, manager, rep, outsider):
    log(rep)
    log(outsider)
    response = client_as(manager).get(reverse("activities:list"), {"owner": outsider.pk})
    assert "owner" in response.context["search"].errors
    assert [a.owner for a in response.context["page"]] == [rep]


def test_it_counts_the_filtered_activities_by_kind(client_as, rep):
    for _ in range(3):
        log(rep)
    log(rep, kind=Kind.EMAIL, outcome=Outcome.SENT)
    log(rep, kind=Kind.EMAIL, outcome=Outcome.REPLIED)
    log(rep, kind=Kind.TRAVEL, duration_minutes=60)
    log(rep, kind=Kind.TRAVEL, occurred_at=ago(days=40))
    client = client_as(rep)
    response = client.get(reverse("activities:list"))
    assert response.context["counts"] == [("call", "Call", 3), ("email", "Email", 2), ("travel", "Travel", 2)]
    since = (timezone.localdate() - timedelta(days=7)).isoformat()
    response = client.get(reverse("activities:list"), {"date_from": since})
    assert response.context["counts"] == [("call", "Call", 3), ("email", "Email", 2), ("travel", "Travel", 1)]
    assert "6 activities" in response.content.decode()


def test_it_pages_by_fifty(client_as, rep):
    for minutes in range(51):
        log(rep, occurred_at=ago(minutes=minutes + 1))
    client = client_as(rep)
    assert len(rows(client.get(reverse("activities:list")))) == 50
    assert len(rows(client.get(reverse("activities:list"), {"page": 2}))) == 1


def _fill(owner, n):
    contact = ContactFactory(owner=owner)
    deal = make_deal(owner=owner)
    for i in range(n):
        log(owner, occurred_at=ago(minutes=i + 1), contact=contact if i % 2 else None, deal=deal if i % 3 else None)


# Session, user, counts by kind (the total with them), the page of rows and its owners, companies,
# contacts and deals (one query each); a manager's teams are worked out for the people they may
# see, the activities and the rollup rows, plus the rep filter's options. An admin's page also asks
# whether the rollup refreshes lag (the banner of dashboards/status.py).
@pytest.mark.parametrize("role, queries", [("rep", 8), ("manager", 17), ("admin_user", 10)])
def test_it_lists_in_a_fixed_number_of_queries(
    request, client_as, django_assert_max_num_queries, rep, teammate, role, queries
):
    client = client_as(request.getfixturevalue(role))
    _fill(rep, 5)
    with django_assert_max_num_queries(queries):
        client.get(reverse("activities:list"), {"kind": "call"})
    _fill(rep, 55)
    with django_assert_max_num_queries(queries):
        response = client.get(reverse("activities:list"), {"kind": "call"})
    assert len(response.context["page"]) == 50


def test_it_links_the_quick_log_panel_and_its_shortcut(client_as, rep):
    html = client_as(rep).get(reverse("activities:list")).content.decode()
    assert 'id="quick-log"' in html and "<kbd>L</kbd>" in html
    assert '<tbody id="activity-rows" data-takes-new-rows>' in html


def test_it_takes_no_new_rows_from_the_panel_while_filtered(client_as, rep):
    html = client_as(rep).get(reverse("activities:list"), {"kind": "email"}).content.decode()
    assert '<tbody id="activity-rows">' in html


# --- export ------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_it_exports_the_filtered_list(client_as, rep, teammate):
    contact = ContactFactory(owner=rep, first_name="Ada", last_name="Lovelace", company=CompanyFactory(name="Acme"))
    when = ago(days=1).replace(second=0, microsecond=0)
    log(rep, occurred_at=when, contact=contact, duration_minutes=9, notes='=HYPERLINK("http://evil")')
    log(rep, kind=Kind.EMAIL, outcome=Outcome.SENT)
    log(teammate)
    response = client_as(rep).get(reverse("activities:export"), {"kind": "call"})
    assert response["Content-Disposition"] == 'attachment; filename="activities.csv"'
    header, *data = read_csv(response)
    assert header == [
        "when",
        "day",
        "rep",
        "kind",
        "outcome",
        "minutes",
        "company",
        "contact",
        "deal",
        "source",
        "notes",
    ]
    local = timezone.localtime(when)
    assert data == [
        [
            local.strftime("%Y-%m-%d %H:%M"),
            local.date().isoformat(),
            str(rep),
            "Call",
            "Connected",
            "9",
            "Acme",
            "Ada Lovelace",
            "",
            "",
            '\'=HYPERLINK("http://evil")',
        ]
    ]


def test_a_manager_exports_their_teams_activities_only(client_as, manager, rep, outsider):
    log(rep)
    log(outsider)
    _header, *data = read_csv(client_as(manager).get(reverse("activities:export")))
    assert [row[2] for row in data] == [str(rep)]
