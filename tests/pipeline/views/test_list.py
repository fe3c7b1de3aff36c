"""The deal list and its CSV export."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import CompanyFactory, LostReasonFactory, TerritoryFactory, make_deal, make_pipeline, stage

# --- list -------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, sees", [("rep", True), ("teammate", False), ("manager", True), ("other_manager", False), ("admin_user", True)]
)
def test_it_lists_only_visible_deals(request, client_as, deal, teammate, manager, other_manager, admin_user, who, sees):
    response = client_as(request.getfixturevalue(who)).get(reverse("pipeline:deal_list"))
    assert response.status_code == 200
    assert (deal in response.context["page"].object_list) is sees


def test_it_filters_the_list(client_as, admin_user, rep, outsider, pipeline):
    north = TerritoryFactory(name="North")
    won = make_deal(owner=rep, pipeline=pipeline, stage_name="Won", title="Won one", closed_on=timezone.localdate())
    open_north = make_deal(
        owner=outsider, pipeline=pipeline, title="Northern light", company=CompanyFactory(name="Polar", territory=north)
    )
    lost = make_deal(owner=rep, pipeline=pipeline, stage_name="Lost", title="Lost one", lost_reason=LostReasonFactory())
    client = client_as(admin_user)

    def titles(**params):
        return {d.title for d in client.get(reverse("pipeline:deal_list"), params).context["page"]}

    assert titles() == {won.title, open_north.title, lost.title}
    assert titles(status="won") == {won.title}
    assert titles(status="open") == {open_north.title}
    assert titles(territory=north.pk) == {open_north.title}
    assert titles(owner=outsider.pk) == {open_north.title}
    assert titles(team=rep.team_id) == {won.title, lost.title}
    assert titles(q="polar") == {open_north.title}
    assert titles(q="lost") == {lost.title}
    assert titles(stage=stage(pipeline, "Won").pk) == {won.title}
    assert titles(pipeline=make_pipeline("Renewals").pk) == set()


def test_it_does_not_let_a_manager_filter_by_another_teams_member(client_as, manager, outsider, pipeline):
    make_deal(owner=outsider, pipeline=pipeline)
    response = client_as(manager).get(reverse("pipeline:deal_list"), {"owner": outsider.pk})
    assert response.status_code == 200
    assert list(response.context["page"]) == []
    assert response.context["search"].errors["owner"]


def test_it_flags_stale_deals_in_the_list(client_as, rep, pipeline):
    demo = stage(pipeline, "Demo")
    demo.rotting_days = 7
    demo.save()
    old = make_deal(owner=rep, pipeline=pipeline, stage_name="Demo", created_at=timezone.now() - timedelta(days=10))
    fresh = make_deal(owner=rep, pipeline=pipeline, stage_name="Demo")
    rows = {d.pk: d for d in client_as(rep).get(reverse("pipeline:deal_list")).context["page"]}
    assert rows[old.pk].is_stale and round(rows[old.pk].age_days) == 10
    assert not rows[fresh.pk].is_stale


def test_it_lists_deals_in_a_fixed_number_of_queries(client_as, manager, rep, pipeline, django_assert_max_num_queries):
    for _ in range(5):
        make_deal(owner=rep, pipeline=pipeline)
    client = client_as(manager)
    url = reverse("pipeline:deal_list")
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(55):
        make_deal(owner=rep, pipeline=pipeline)
    with django_assert_max_num_queries(len(few)):
        response = client.get(url)
    assert len(response.context["page"]) == 50


def test_it_paginates_the_list(client_as, rep, pipeline):
    for _ in range(51):
        make_deal(owner=rep, pipeline=pipeline)
    response = client_as(rep).get(reverse("pipeline:deal_list"), {"page": 2})
    assert len(response.context["page"]) == 1


# --- export -----------------------------------------------------------------


def test_it_exports_the_filtered_list_as_csv(client_as, manager, rep, teammate, outsider, pipeline):
    make_deal(owner=rep, pipeline=pipeline, title="=HYPERLINK(1)", amount="1200", company=CompanyFactory(name="Acme"))
    make_deal(owner=teammate, pipeline=pipeline, stage_name="Demo", title="Teammate deal", amount="800.50")
    make_deal(owner=outsider, pipeline=pipeline, title="Someone else's")
    response = client_as(manager).get(reverse("pipeline:deal_export"), {"status": "open", "owner": rep.pk})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:7] == ["Title", "Company", "Owner", "Pipeline", "Stage", "Amount", "Weighted amount"]
    assert len(rows) == 2
    assert rows[1][:7] == ["'=HYPERLINK(1)", "Acme", str(rep), "New business", "Lead", "1200.00", "120.00"]


def test_it_exports_only_visible_deals(client_as, rep, teammate, pipeline):
    make_deal(owner=teammate, pipeline=pipeline, title="Not mine")
    response = client_as(rep).get(reverse("pipeline:deal_export"))
    assert "Not mine" not in b"".join(response.streaming_content).decode()
