"""Importing deals (pipeline/importers/deals.py): each with its first stage change, every bad row,
whose deals a user may import, all or nothing, and the cost per row."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from pipeline import importers
from pipeline.models import Deal, DealType, StageChange, StageKind
from tests.factories import CompanyFactory, ContactFactory
from tests.pipeline.importers.helpers import (
    DEAL_HEADER,
    _choices,
    _confirm,
    _count_queries,
    _counts,
    _csv,
    _deal_row,
    _errors,
    _upload,
)

# --- deals ---------------------------------------------------------------------------


def test_it_imports_deals_each_with_its_first_stage_change(client_as, rep, acme, org):
    last_week = timezone.localdate() - timedelta(days=7)
    text = _csv(
        [
            DEAL_HEADER,
            _deal_row(title="Open", contact="ADA@acme.example", amount="1,234.50", type="Renewal"),
            _deal_row(
                title="Won",
                stage="won",
                owner="owner",
                closed_on=last_week.isoformat(),
                created_at="2025-01-15",
                expected_close_date="2025-03-31",
            ),
            _deal_row(title="Lost", stage="Lost", lost_reason="price", competitor="Rival Inc", type="expansion"),
        ]
    )
    client = client_as(rep)
    preview = _upload(client, "deals", text)
    assert preview.context["result"].ok, _errors(preview)
    response = _confirm(client, "deals", preview)
    assert response.url == reverse("pipeline:deal_list")

    deals = {deal.title: deal for deal in Deal.objects.all()}
    assert set(deals) == {"Open", "Won", "Lost"}
    assert all(deal.owner == rep for deal in deals.values())
    opened = deals["Open"]
    assert (opened.amount, opened.deal_type, opened.contact.email) == (
        Decimal("1234.50"),
        DealType.RENEWAL,
        "ada@acme.example",
    )
    won = deals["Won"]
    assert (won.stage.kind, won.closed_on, won.expected_close_date) == (StageKind.WON, last_week, date(2025, 3, 31))
    assert timezone.localdate(won.created_at) == date(2025, 1, 15)
    lost = deals["Lost"]
    assert (lost.lost_reason, lost.competitor, lost.deal_type) == (org["price"], org["rival"], DealType.EXPANSION)
    for deal in deals.values():
        (change,) = StageChange.objects.filter(deal=deal)
        assert (change.from_stage, change.to_stage, change.changed_by, change.owner) == (None, deal.stage, rep, rep)
    assert StageChange.objects.get(deal=won).day == date(2025, 1, 15)


def test_it_reports_every_bad_deal_row_and_writes_nothing(client_as, rep, acme, org):
    other = CompanyFactory(name="Other Co", owner=rep)
    ContactFactory(email="bob@other.example", company=other, owner=rep)
    before = _counts()
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    text = _csv(
        [
            DEAL_HEADER,
            _deal_row(title="", company="", pipeline="", stage="", amount="", type="renewal"),
            _deal_row(company="Nope", contact="nobody@x.example", pipeline="Renewals", amount="-5", type="upsell"),
            _deal_row(contact="bob@other.example", stage="Archive", amount="1.234", expected_close_date="31/12/2026"),
            _deal_row(stage="Won", lost_reason="Price"),
            _deal_row(stage="Lost", closed_on=tomorrow, created_at=tomorrow),
            _deal_row(stage="Lead", amount="1,5", lead_source="TV", competitor="Nobody"),
        ]
    )
    response = _upload(client_as(rep), "deals", text)
    assert _errors(response) == [
        (2, "title", "This value is required."),
        (2, "company", "This value is required."),
        (2, "pipeline", "This value is required."),
        (2, "stage", "This value is required."),
        (2, "amount", "This value is required."),
        (3, "company", "No company is called “Nope”; import or add it first."),
        (3, "contact", "No contact has the email nobody@x.example."),
        (3, "pipeline", "No active pipeline is called “Renewals”."),
        (3, "amount", "The amount cannot be negative."),
        (3, "type", f"Choose one of: {_choices(DealType)}."),
        (4, "contact", "bob@other.example is not a contact of Acme Corporation."),
        (4, "stage", "“Archive” is not a stage of the pipeline New business."),
        (4, "amount", "Ensure that there are no more than 2 decimal places."),
        (4, "expected_close_date", "Write the date as YYYY-MM-DD, for example 2026-03-31."),
        (5, "closed_on", "Enter the date the deal was won."),
        (5, "lost_reason", "Only lost deals have a lost reason or competitor."),
        (6, "closed_on", "This date is in the future."),
        (6, "lost_reason", "Choose why the deal was lost."),
        (6, "created_at", "This date is in the future."),
        (7, "amount", "Write the amount like 1234.50 or 1,234.50."),
        (7, "competitor", "No active competitor is called “Nobody”."),
        (7, "competitor", "Only lost deals have a lost reason or competitor."),
        (7, "lead_source", "No active lead source is called “TV”."),
    ]
    assert _counts() == before


def test_it_refuses_a_rep_importing_a_deal_for_someone_else(client_as, rep, teammate, acme, org):
    text = _csv([DEAL_HEADER, _deal_row(title="Mine"), _deal_row(title="Theirs", owner="teammate")])
    response = _upload(client_as(rep), "deals", text)
    assert _errors(response) == [
        (3, "owner", "You can import deals only for yourself: leave owner empty or write your own username.")
    ]
    assert Deal.objects.count() == 0


def test_it_lets_a_manager_import_deals_for_their_team_only(client_as, manager, rep, outsider, acme, org):
    client = client_as(manager)
    text = _csv([DEAL_HEADER, _deal_row(title="Rep's", owner="owner"), _deal_row(title="Outsider's", owner="outsider")])
    assert _errors(_upload(client, "deals", text)) == [
        (3, "owner", "“outsider” is neither you nor a member of a team you manage.")
    ]
    text = _csv([DEAL_HEADER, _deal_row(title="Rep's", owner="owner"), _deal_row(title="Own")])
    _confirm(client, "deals", _upload(client, "deals", text))
    assert set(Deal.objects.values_list("title", "owner")) == {("Rep's", rep.pk), ("Own", manager.pk)}


def test_it_lets_an_admin_import_deals_for_anyone(client_as, admin_user, outsider, acme, org):
    client = client_as(admin_user)
    text = _csv([DEAL_HEADER, _deal_row(owner="OUTSIDER"), _deal_row(owner="ghost")])
    assert _errors(_upload(client, "deals", text)) == [(3, "owner", "No user is called “ghost”.")]
    _confirm(client, "deals", _upload(client, "deals", _csv([DEAL_HEADER, _deal_row(owner="outsider")])))
    assert Deal.objects.get().owner == outsider


def test_it_rolls_back_every_row_when_the_service_refuses_one(rep, acme, org):
    """Rows pass the check, then a lead source they name is deleted before the write:
    the import refuses with a clear message and no deal is kept."""
    text = _csv([DEAL_HEADER, _deal_row(title="A"), _deal_row(title="B", lead_source="Referral"), _deal_row(title="C")])
    result = importers.parse_csv("deals", text, rep)
    assert result.ok
    org["referral"].delete()
    with pytest.raises(importers.ImportFailed) as failed:
        importers.import_rows("deals", result.rows, rep)
    # The database's foreign keys catch it before the import commits.
    assert ["was removed while importing" in e.message for e in failed.value.errors] == [True]
    assert (Deal.objects.count(), StageChange.objects.count()) == (0, 0)


# --- size: a fixed cost per row -------------------------------------------------------------------


def test_it_imports_deals_at_a_fixed_cost_per_row(rep, acme, org):
    def cost(rows):
        text = _csv([DEAL_HEADER, *(_deal_row(title=f"D{n}", contact="ada@acme.example") for n in range(rows))])
        with _count_queries() as counts:
            importers.import_rows("deals", importers.parse_csv("deals", text, rep).rows, rep)
        return counts["all"]

    small, large = cost(50), cost(250)
    per_row = (large - small) / 200
    # deal_create: savepoint, the stage lock, full_clean's constraint checks, the deal, its StageChange
    # and DealChange, the StageChange's dirty mark for the dashboards, release.
    assert per_row == int(per_row) and per_row <= 10
    # Fixed: name lookups once per import, and one foreign-key check before commit.
    assert small - 50 * per_row <= 12
    assert StageChange.objects.count() == Deal.objects.count() == 300


def test_it_imports_the_forecast_category_and_refuses_bad_forecast_cells(client_as, rep, acme, org):
    from pipeline.models import DealChange, ForecastCategory

    header = [*DEAL_HEADER, "forecast_category"]

    def row(category="", **cells):
        return [*_deal_row(**cells), category]

    today = timezone.localdate()
    bad = _csv(
        [
            header,
            row("sure thing"),
            row("commit", stage="Won", closed_on=today.isoformat()),
            row(created_at="2026-01-10", expected_close_date="2026-01-09"),
        ]
    )
    client = client_as(rep)
    assert _errors(_upload(client, "deals", bad)) == [
        (2, "forecast_category", f"Choose one of: {_choices(ForecastCategory)}."),
        (3, "forecast_category", "Only open deals have a forecast category."),
        (4, "expected_close_date", "The expected close date cannot be before the deal was created (2026-01-10)."),
    ]
    assert Deal.objects.count() == 0
    good = _csv([header, row("Commit", title="Sure"), row(title="Default")])
    preview = _upload(client, "deals", good)
    _confirm(client, "deals", preview)
    categories = dict(Deal.objects.values_list("title", "forecast_category"))
    assert categories == {"Sure": ForecastCategory.COMMIT, "Default": ForecastCategory.PIPELINE}
    assert DealChange.objects.filter(deal__title="Sure", forecast_category="commit").count() == 1
