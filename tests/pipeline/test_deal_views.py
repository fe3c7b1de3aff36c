"""Deal list, export, detail, create, edit and move pages."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from pipeline import services
from pipeline.models import Deal, StageChange
from tests.factories import (
    CompanyFactory,
    CompetitorFactory,
    ContactFactory,
    LostReasonFactory,
    TerritoryFactory,
    make_deal,
    make_pipeline,
    stage,
)

LOGIN = "/accounts/login/"


@pytest.fixture
def pipeline(db):
    return make_pipeline()


@pytest.fixture
def deal(rep, pipeline):
    return make_deal(owner=rep, pipeline=pipeline, title="Acme renewal", amount="1000")


@pytest.fixture
def company(rep):
    return CompanyFactory(name="Globex", owner=rep)


def _snapshot():
    """Everything a deal write could touch, to prove a refused request wrote nothing."""
    return list(Deal.objects.order_by("pk").values()), StageChange.objects.count()


def _create_data(pipeline, company, **overrides):
    data = {
        "title": "Globex expansion",
        "company": company.pk,
        "owner": "",
        "pipeline": pipeline.pk,
        "stage": stage(pipeline, "Lead").pk,
        "amount": "2500.50",
        "deal_type": "new_business",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def _edit_data(deal, **overrides):
    data = {
        "title": deal.title,
        "company": deal.company_id,
        "contact": deal.contact_id or "",
        "owner": deal.owner_id,
        "amount": str(deal.amount),
        "deal_type": deal.deal_type,
        "lead_source": "",
        "expected_close_date": "",
    }
    data.update(overrides)
    return data


# --- permissions ------------------------------------------------------------

DEAL_PAGES = ["pipeline:deal_detail", "pipeline:deal_edit", "pipeline:deal_move"]
ALLOWED = {"rep": 200, "teammate": 404, "manager": 200, "other_manager": 404, "admin_user": 200}


@pytest.mark.parametrize("who, expected", ALLOWED.items())
@pytest.mark.parametrize("url_name", DEAL_PAGES)
def test_it_shows_deal_pages_only_to_those_who_may_see_the_deal(
    request, client_as, deal, teammate, manager, other_manager, admin_user, url_name, who, expected
):
    user = request.getfixturevalue(who)
    response = client_as(user).get(reverse(url_name, args=[deal.pk]))
    assert response.status_code == expected


@pytest.mark.parametrize(
    "url_name", [*DEAL_PAGES, "pipeline:deal_list", "pipeline:deal_create", "pipeline:deal_export"]
)
def test_it_sends_anonymous_visitors_to_sign_in(client, deal, url_name):
    args = [deal.pk] if url_name in DEAL_PAGES else []
    response = client.get(reverse(url_name, args=args))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_it_gives_404_for_a_deal_that_does_not_exist(client_as, admin_user):
    assert client_as(admin_user).get(reverse("pipeline:deal_detail", args=[999999])).status_code == 404


@pytest.mark.parametrize("who", ["teammate", "other_manager"])
def test_it_refuses_a_move_by_an_outsider_and_writes_nothing(request, client_as, deal, pipeline, who):
    before = _snapshot()
    response = client_as(request.getfixturevalue(who)).post(
        reverse("pipeline:deal_move", args=[deal.pk]), {"stage": stage(pipeline, "Demo").pk}
    )
    assert response.status_code == 404
    assert _snapshot() == before


@pytest.mark.parametrize("who", ["teammate", "other_manager"])
def test_it_refuses_an_edit_by_an_outsider_and_writes_nothing(request, client_as, deal, who):
    before = _snapshot()
    response = client_as(request.getfixturevalue(who)).post(
        reverse("pipeline:deal_edit", args=[deal.pk]), _edit_data(deal, title="Hijacked")
    )
    assert response.status_code == 404
    assert _snapshot() == before


def test_it_refuses_an_htmx_move_by_an_outsider(client_as, deal, pipeline, teammate):
    before = _snapshot()
    response = client_as(teammate).post(
        reverse("pipeline:deal_move", args=[deal.pk]),
        {"stage": stage(pipeline, "Demo").pk},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 404
    assert _snapshot() == before


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


# --- detail -----------------------------------------------------------------


def test_it_shows_the_timeline_newest_first(client_as, rep, manager, pipeline):
    start = timezone.now() - timedelta(days=10)
    deal = make_deal(owner=rep, pipeline=pipeline, created_at=start)
    services.deal_move(deal=deal, to_stage=stage(pipeline, "Qualified"), by=rep, at=start + timedelta(days=2))
    services.deal_move(deal=deal, to_stage=stage(pipeline, "Demo"), by=manager, at=start + timedelta(days=5, hours=12))
    response = client_as(rep).get(reverse("pipeline:deal_detail", args=[deal.pk]))
    changes = [event.change for event in response.context["timeline"]]
    entries = [(c.from_stage and c.from_stage.name, c.to_stage.name) for c in changes]
    assert entries == [("Qualified", "Demo"), ("Lead", "Qualified"), (None, "Lead")]
    html = response.content.decode()
    assert "Moved from Qualified to Demo" in html
    assert "3.5 days in Qualified" in html
    assert f"by {escape(str(manager))}" in html
    assert "Created in Lead" in html


def test_it_interleaves_activities_with_stage_changes(client_as, rep, pipeline):
    from activities import services as activity_services

    start = timezone.now() - timedelta(days=10)
    deal = make_deal(owner=rep, pipeline=pipeline, created_at=start)
    activity_services.activity_log(
        owner=rep, by=rep, kind="call", outcome="connected", deal=deal, occurred_at=start + timedelta(days=1)
    )
    services.deal_move(deal=deal, to_stage=stage(pipeline, "Qualified"), by=rep, at=start + timedelta(days=2))
    response = client_as(rep).get(reverse("pipeline:deal_detail", args=[deal.pk]))
    kinds = ["change" if event.change else event.activity.kind for event in response.context["timeline"]]
    assert kinds == ["change", "call", "change"]
    assert 'data-testid="timeline-activity"' in response.content.decode()


def test_it_flags_a_stale_deal_on_its_page(client_as, rep, pipeline):
    lead = stage(pipeline, "Lead")
    lead.rotting_days = 3
    lead.save()
    deal = make_deal(owner=rep, pipeline=pipeline, created_at=timezone.now() - timedelta(days=4))
    response = client_as(rep).get(reverse("pipeline:deal_detail", args=[deal.pk]))
    assert response.context["deal"].is_stale
    assert 'data-testid="stale-badge"' in response.content.decode()


# --- create -----------------------------------------------------------------


def test_it_creates_a_deal_with_one_stage_change(client_as, rep, pipeline, company):
    response = client_as(rep).post(reverse("pipeline:deal_create"), _create_data(pipeline, company))
    deal = Deal.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("pipeline:deal_detail", args=[deal.pk])
    assert (deal.title, deal.owner, deal.amount, deal.stage.name) == (
        "Globex expansion",
        rep,
        Decimal("2500.50"),
        "Lead",
    )
    assert list(deal.stage_changes.values_list("from_stage", "to_stage", "changed_by")) == [
        (None, stage(pipeline, "Lead").pk, rep.pk)
    ]


def test_it_prefills_the_stage_from_the_board(client_as, rep, pipeline):
    demo = stage(pipeline, "Demo")
    response = client_as(rep).get(reverse("pipeline:deal_create"), {"pipeline": pipeline.pk, "stage": demo.pk})
    assert response.context["form"]["stage"].value() == str(demo.pk)


def test_it_keeps_a_rep_as_the_owner_of_a_new_deal_whatever_is_posted(client_as, rep, teammate, pipeline, company):
    client_as(rep).post(reverse("pipeline:deal_create"), _create_data(pipeline, company, owner=teammate.pk))
    assert Deal.objects.get().owner == rep


def test_it_lets_a_manager_create_a_deal_for_a_team_member(client_as, manager, teammate, pipeline, company):
    response = client_as(manager).post(
        reverse("pipeline:deal_create"), _create_data(pipeline, company, owner=teammate.pk)
    )
    assert response.status_code == 302
    assert Deal.objects.get().owner == teammate


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"title": ""}, "title", "This field is required."),
        ({"amount": "-5"}, "amount", "The amount cannot be negative."),
        ({"amount": "a lot"}, "amount", "Enter a number."),
        ({"stage": "other pipeline"}, "stage", "That stage belongs to another pipeline."),
        ({"stage": "Won"}, "closed_on", "Enter the date the deal was won."),
        ({"stage": "Lost"}, "lost_reason", "Choose why the deal was lost."),
    ],
)
def test_it_explains_bad_input_on_create_and_writes_nothing(
    client_as, rep, pipeline, company, overrides, field, message
):
    if overrides.get("stage") == "other pipeline":
        overrides["stage"] = stage(make_pipeline("Renewals"), "Lead").pk
    elif "stage" in overrides:
        overrides["stage"] = stage(pipeline, overrides["stage"]).pk
    before = _snapshot()
    response = client_as(rep).post(reverse("pipeline:deal_create"), _create_data(pipeline, company, **overrides))
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert message in response.content.decode().replace("&#x27;", "'")
    assert _snapshot() == before


def test_it_creates_a_won_deal_with_its_close_date(client_as, rep, pipeline, company):
    today = timezone.localdate()
    client_as(rep).post(
        reverse("pipeline:deal_create"),
        _create_data(pipeline, company, stage=stage(pipeline, "Won").pk, closed_on=today.isoformat()),
    )
    assert Deal.objects.get().closed_on == today


def test_it_refuses_a_contact_from_another_company(client_as, rep, pipeline, company):
    stranger = ContactFactory(first_name="Ann", last_name="Other", company=CompanyFactory(name="Initech"))
    before = _snapshot()
    response = client_as(rep).post(
        reverse("pipeline:deal_create"), _create_data(pipeline, company, contact=stranger.pk)
    )
    assert response.context["form"].errors["contact"] == ["Ann Other does not work at Globex."]
    assert _snapshot() == before


def test_it_accepts_a_contact_of_the_company(client_as, rep, pipeline, company):
    contact = ContactFactory(company=company)
    client_as(rep).post(reverse("pipeline:deal_create"), _create_data(pipeline, company, contact=contact.pk))
    assert Deal.objects.get().contact == contact


# --- edit -------------------------------------------------------------------


def test_it_edits_a_deal_without_a_stage_change(client_as, rep, deal):
    response = client_as(rep).post(
        reverse("pipeline:deal_edit", args=[deal.pk]),
        _edit_data(deal, title="Acme renewal (3 years)", amount="4200", expected_close_date="2031-03-31"),
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.title, deal.amount, str(deal.expected_close_date)) == (
        "Acme renewal (3 years)",
        Decimal("4200"),
        "2031-03-31",
    )
    assert deal.stage_changes.count() == 1


def test_it_keeps_a_rep_as_owner_even_with_a_crafted_post(client_as, rep, teammate, deal):
    client_as(rep).post(reverse("pipeline:deal_edit", args=[deal.pk]), _edit_data(deal, owner=teammate.pk))
    deal.refresh_from_db()
    assert deal.owner == rep


def test_it_lets_a_manager_reassign_within_their_team(client_as, manager, teammate, deal):
    response = client_as(manager).post(
        reverse("pipeline:deal_edit", args=[deal.pk]), _edit_data(deal, owner=teammate.pk)
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.owner == teammate


def test_it_refuses_a_manager_reassigning_to_an_outsider(client_as, manager, outsider, deal):
    before = _snapshot()
    response = client_as(manager).post(
        reverse("pipeline:deal_edit", args=[deal.pk]), _edit_data(deal, owner=outsider.pk)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["owner"]
    assert _snapshot() == before


def test_it_lets_an_admin_reassign_to_anyone_active(client_as, admin_user, outsider, deal):
    client_as(admin_user).post(reverse("pipeline:deal_edit", args=[deal.pk]), _edit_data(deal, owner=outsider.pk))
    deal.refresh_from_db()
    assert deal.owner == outsider


def test_it_offers_owners_by_role(client_as, rep, teammate, manager, outsider, admin_user, deal):
    def owners(user):
        return set(
            client_as(user).get(reverse("pipeline:deal_edit", args=[deal.pk])).context["form"].fields["owner"].queryset
        )

    assert owners(rep) == {rep}
    assert owners(manager) == {manager, rep, teammate}
    assert {rep, teammate, manager, outsider, admin_user} <= owners(admin_user)


def test_it_explains_a_negative_amount_on_edit_and_writes_nothing(client_as, rep, deal):
    before = _snapshot()
    response = client_as(rep).post(reverse("pipeline:deal_edit", args=[deal.pk]), _edit_data(deal, amount="-1"))
    assert response.context["form"].errors["amount"] == ["The amount cannot be negative."]
    assert _snapshot() == before


# --- move -------------------------------------------------------------------


def _move(client, deal, **data):
    return client.post(reverse("pipeline:deal_move", args=[deal.pk]), data)


def test_it_moves_a_deal_with_exactly_one_stage_change(client_as, rep, deal, pipeline):
    demo = stage(pipeline, "Demo")
    response = _move(client_as(rep), deal, stage=demo.pk, closed_on=timezone.localdate().isoformat())
    assert response.status_code == 302
    assert response.url == reverse("pipeline:deal_detail", args=[deal.pk])
    deal.refresh_from_db()
    assert deal.stage == demo
    assert deal.closed_on is None
    assert deal.stage_changes.count() == 2
    assert deal.stage_changes.last().changed_by == rep


def test_it_returns_to_the_board_after_a_move_from_its_link(client_as, rep, deal, pipeline):
    board = reverse("pipeline:pipeline_board", args=[pipeline.pk]) + "?territory=1"
    response = _move(client_as(rep), deal, stage=stage(pipeline, "Demo").pk, next=board)
    assert response.url == board


def test_it_ignores_a_next_address_on_another_site(client_as, rep, deal, pipeline):
    response = _move(client_as(rep), deal, stage=stage(pipeline, "Demo").pk, next="https://evil.example/")
    assert response.url == reverse("pipeline:deal_detail", args=[deal.pk])


def test_it_lets_the_managers_of_the_owner_move_the_deal(client_as, manager, deal, pipeline):
    _move(client_as(manager), deal, stage=stage(pipeline, "Demo").pk)
    assert deal.stage_changes.last().changed_by == manager


def test_it_refuses_a_win_without_a_close_date(client_as, rep, deal, pipeline):
    before = _snapshot()
    response = _move(client_as(rep), deal, stage=stage(pipeline, "Won").pk, closed_on="")
    assert response.status_code == 422
    assert response.context["form"].errors["closed_on"] == ["Enter the date the deal was won."]
    assert _snapshot() == before


def test_it_refuses_a_loss_without_a_reason(client_as, rep, deal, pipeline):
    before = _snapshot()
    response = _move(client_as(rep), deal, stage=stage(pipeline, "Lost").pk, closed_on=timezone.localdate().isoformat())
    assert response.status_code == 422
    assert response.context["form"].errors["lost_reason"] == ["Choose why the deal was lost."]
    assert _snapshot() == before


def test_it_refuses_a_stage_of_another_pipeline(client_as, rep, deal):
    before = _snapshot()
    response = _move(client_as(rep), deal, stage=stage(make_pipeline("Renewals"), "Demo").pk)
    assert response.status_code == 422
    assert response.context["form"].errors["stage"]
    assert _snapshot() == before


def test_it_records_a_loss_with_reason_and_competitor(client_as, rep, deal, pipeline):
    reason, rival = LostReasonFactory(name="Price"), CompetitorFactory(name="Initrode")
    today = timezone.localdate()
    _move(
        client_as(rep),
        deal,
        stage=stage(pipeline, "Lost").pk,
        closed_on=today.isoformat(),
        lost_reason=reason.pk,
        competitor=rival.pk,
    )
    deal.refresh_from_db()
    assert (deal.stage.name, deal.closed_on, deal.lost_reason, deal.competitor) == ("Lost", today, reason, rival)


def test_it_reopens_a_lost_deal_and_keeps_its_history(client_as, rep, deal, pipeline):
    client = client_as(rep)
    today = timezone.localdate().isoformat()
    _move(
        client,
        deal,
        stage=stage(pipeline, "Lost").pk,
        closed_on=today,
        lost_reason=LostReasonFactory().pk,
        competitor=CompetitorFactory().pk,
    )
    response = _move(client, deal, stage=stage(pipeline, "Demo").pk, closed_on=today, lost_reason="", competitor="")
    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.stage.name, deal.closed_on, deal.lost_reason, deal.competitor) == ("Demo", None, None, None)
    assert [c.to_stage.name for c in deal.stage_changes.all()] == ["Lead", "Lost", "Demo"]


def test_it_does_nothing_when_moving_to_the_current_stage(client_as, rep, deal, pipeline):
    response = _move(client_as(rep), deal, stage=stage(pipeline, "Lead").pk)
    assert response.status_code == 302
    assert deal.stage_changes.count() == 1


def test_it_offers_only_live_stages_of_the_deals_pipeline(client_as, rep, deal, pipeline):
    make_pipeline("Renewals")
    archived = stage(pipeline, "Proposal")
    archived.is_archived = True
    archived.save()
    form = client_as(rep).get(reverse("pipeline:deal_move", args=[deal.pk])).context["form"]
    assert [s.name for s in form.fields["stage"].queryset] == ["Lead", "Qualified", "Demo", "Won", "Lost"]
    assert form["closed_on"].value() == timezone.localdate()


# --- move from the board (htmx) -----------------------------------------------

HTMX = {"HX-Request": "true"}


def _board_headers(pipeline, query=""):
    return {
        **HTMX,
        "HX-Current-URL": f"http://testserver{reverse('pipeline:pipeline_board', args=[pipeline.pk])}{query}",
    }


def _column_of(response, deal):
    for column in response.context["columns"]:
        if any(d.pk == deal.pk for d in column.deals):
            return column.stage.name
    return None


def test_it_answers_an_htmx_move_with_the_board(client_as, rep, deal, pipeline):
    response = client_as(rep).post(
        reverse("pipeline:deal_move", args=[deal.pk]),
        {"stage": stage(pipeline, "Demo").pk},
        headers=_board_headers(pipeline),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="board"')
    assert "<html" not in html
    assert _column_of(response, deal) == "Demo"
    assert response["HX-Trigger-After-Settle"] == "deal-moved"
    assert "Moved Acme renewal to Demo." in html
    assert deal.stage_changes.count() == 2


def test_it_keeps_the_board_filters_of_the_page_after_an_htmx_move(client_as, manager, rep, teammate, deal, pipeline):
    other = make_deal(owner=teammate, pipeline=pipeline)
    response = client_as(manager).post(
        reverse("pipeline:deal_move", args=[deal.pk]),
        {"stage": stage(pipeline, "Demo").pk},
        headers=_board_headers(pipeline, f"?owner={rep.pk}"),
    )
    assert _column_of(response, deal) == "Demo"
    assert _column_of(response, other) is None


def test_it_asks_for_the_close_date_when_a_card_is_dropped_on_won(client_as, rep, deal, pipeline):
    before = _snapshot()
    response = client_as(rep).post(
        reverse("pipeline:deal_move", args=[deal.pk]),
        {"stage": stage(pipeline, "Won").pk},
        headers=_board_headers(pipeline),
    )
    assert response.status_code == 200
    assert response["HX-Trigger-After-Settle"] == "deal-move-form"
    html = response.content.decode()
    assert 'id="deal-modal-content" hx-swap-oob="innerHTML"' in html
    assert 'name="closed_on"' in html and 'name="lost_reason"' not in html
    assert not response.context["form"].errors
    # The card stays where the database says it is.
    assert _column_of(response, deal) == "Lead"
    assert _snapshot() == before


def test_it_asks_for_the_reason_when_a_card_is_dropped_on_lost(client_as, rep, deal, pipeline):
    response = client_as(rep).post(
        reverse("pipeline:deal_move", args=[deal.pk]),
        {"stage": stage(pipeline, "Lost").pk},
        headers=_board_headers(pipeline),
    )
    html = response.content.decode()
    assert 'name="lost_reason"' in html and 'name="competitor"' in html
    assert deal.stage_changes.count() == 1


def test_it_answers_422_with_the_form_and_the_board_when_the_modal_is_incomplete(client_as, rep, deal, pipeline):
    before = _snapshot()
    response = client_as(rep).post(
        reverse("pipeline:deal_move", args=[deal.pk]),
        {
            "stage": stage(pipeline, "Lost").pk,
            "closed_on": timezone.localdate().isoformat(),
            "lost_reason": "",
            "competitor": "",
        },
        headers=_board_headers(pipeline),
    )
    assert response.status_code == 422
    assert response["HX-Trigger-After-Settle"] == "deal-move-form"
    assert "Choose why the deal was lost." in response.content.decode()
    assert _column_of(response, deal) == "Lead"
    assert _snapshot() == before


def test_it_completes_a_win_from_the_modal(client_as, rep, deal, pipeline):
    today = timezone.localdate()
    response = client_as(rep).post(
        reverse("pipeline:deal_move", args=[deal.pk]),
        {"stage": stage(pipeline, "Won").pk, "closed_on": today.isoformat()},
        headers=_board_headers(pipeline),
    )
    assert response.status_code == 200
    assert response["HX-Trigger-After-Settle"] == "deal-moved"
    assert _column_of(response, deal) == "Won"
    deal.refresh_from_db()
    assert deal.closed_on == today
