"""The forecast fields' history (``DealChange``) from every write path, the category's rules
and the forecast fields' bad input (issue 21)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from pipeline import services
from pipeline.models import Deal, DealChange, ForecastCategory, Stage
from tests.factories import CompanyFactory, make_deal, make_pipeline, stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def pipeline(db):
    pipeline = make_pipeline()
    Stage.objects.filter(pipeline=pipeline, name="Proposal").update(forecast_category=ForecastCategory.BEST_CASE)
    return pipeline


def history(deal):
    return list(
        DealChange.objects.filter(deal=deal).values_list(
            "stage__name", "amount", "probability", "expected_close_date", "forecast_category"
        )
    )


def test_a_new_deal_records_its_forecast_fields_and_takes_its_stage_category(pipeline, rep):
    close = timezone.localdate() + timedelta(days=30)
    deal = make_deal(owner=rep, pipeline=pipeline, stage_name="Proposal", expected_close_date=close)
    assert deal.forecast_category == ForecastCategory.BEST_CASE
    assert history(deal) == [("Proposal", Decimal("1000.00"), 70, close, "best_case")]
    (row,) = DealChange.objects.filter(deal=deal)
    assert (row.owner, row.changed_by, row.day) == (rep, rep, timezone.localdate(row.changed_at))


def test_an_update_records_a_row_only_when_a_forecast_field_changes(pipeline, rep):
    deal = make_deal(owner=rep, pipeline=pipeline)
    services.deal_update(deal=deal, by=rep, title="Renamed")
    assert DealChange.objects.filter(deal=deal).count() == 1
    later = timezone.localdate() + timedelta(days=60)
    services.deal_update(deal=deal, by=rep, amount=Decimal("2500"), expected_close_date=later)
    services.deal_update(deal=deal, by=rep, forecast_category=ForecastCategory.COMMIT)
    assert history(deal)[1:] == [
        ("Lead", Decimal("2500.00"), 10, later, "pipeline"),
        ("Lead", Decimal("2500.00"), 10, later, "commit"),
    ]


def test_an_update_at_a_past_moment_records_its_row_then(pipeline, rep):
    created = timezone.now() - timedelta(days=20)
    deal = make_deal(owner=rep, pipeline=pipeline, created_at=created)
    services.deal_update(deal=deal, by=rep, at=created + timedelta(days=3), forecast_category="commit")
    row = DealChange.objects.filter(deal=deal).last()
    assert (row.changed_at, row.day) == (created + timedelta(days=3), timezone.localdate(created + timedelta(days=3)))


def test_a_move_takes_the_new_stages_category_unless_the_owner_set_one(pipeline, rep):
    following = make_deal(owner=rep, pipeline=pipeline, stage_name="Demo")
    services.deal_move(deal=following, to_stage=stage(pipeline, "Proposal"), by=rep)
    assert Deal.objects.get(pk=following.pk).forecast_category == ForecastCategory.BEST_CASE

    chosen = make_deal(owner=rep, pipeline=pipeline, stage_name="Demo")
    services.deal_update(deal=chosen, by=rep, forecast_category=ForecastCategory.COMMIT)
    services.deal_move(deal=chosen, to_stage=stage(pipeline, "Proposal"), by=rep)
    assert Deal.objects.get(pk=chosen.pk).forecast_category == ForecastCategory.COMMIT
    # Won, the deal keeps the category it closed with; its history has the won stage at 100%.
    services.deal_move(deal=chosen, to_stage=stage(pipeline, "Won"), by=rep, closed_on=timezone.localdate())
    assert history(chosen)[-1] == ("Won", Decimal("1000.00"), 100, None, "commit")


def test_the_history_is_append_only(pipeline, rep):
    row = DealChange.objects.get(deal=make_deal(owner=rep, pipeline=pipeline))
    with pytest.raises(TypeError):
        DealChange.objects.filter(pk=row.pk).update(amount=1)
    with pytest.raises(ValidationError):
        row.save()


def test_a_close_date_before_the_deal_was_created_is_refused_and_nothing_is_written(pipeline, rep):
    created = timezone.now() - timedelta(days=10)
    with pytest.raises(ValidationError) as error:
        make_deal(owner=rep, pipeline=pipeline, created_at=created, expected_close_date=created.date() - timedelta(1))
    assert "expected_close_date" in error.value.message_dict
    assert not Deal.objects.exists()
    deal = make_deal(owner=rep, pipeline=pipeline, created_at=created)
    with pytest.raises(ValidationError):
        services.deal_update(deal=deal, by=rep, expected_close_date=created.date() - timedelta(days=1))
    assert Deal.objects.get(pk=deal.pk).expected_close_date is None
    assert DealChange.objects.filter(deal=deal).count() == 1


def test_a_category_on_a_closed_deal_is_refused(pipeline, rep):
    deal = make_deal(owner=rep, pipeline=pipeline)
    services.deal_move(deal=deal, to_stage=stage(pipeline, "Won"), by=rep, closed_on=timezone.localdate())
    deal = Deal.objects.get(pk=deal.pk)
    with pytest.raises(ValidationError) as error:
        services.deal_update(deal=deal, by=rep, forecast_category=ForecastCategory.COMMIT)
    assert "forecast_category" in error.value.message_dict
    assert Deal.objects.get(pk=deal.pk).forecast_category == ForecastCategory.PIPELINE


def test_the_deal_form_sets_the_category_and_shows_bad_input_next_to_the_field(client_as, pipeline, rep):
    deal = make_deal(owner=rep, pipeline=pipeline, created_at=timezone.now() - timedelta(days=5))
    url = reverse("pipeline:deal_edit", args=[deal.pk])
    data = {
        "title": deal.title,
        "company": deal.company_id,
        "owner": rep.pk,
        "amount": "1000",
        "units": "0",
        "deal_type": deal.deal_type,
        "expected_close_date": (timezone.localdate() - timedelta(days=30)).isoformat(),
        "forecast_category": "commit",
    }
    client = client_as(rep)
    response = client.post(url, data)
    assert response.status_code == 200
    assert "before the deal was created" in str(response.context["form"].errors["expected_close_date"])
    assert Deal.objects.get(pk=deal.pk).forecast_category == ForecastCategory.PIPELINE
    data["expected_close_date"] = (timezone.localdate() + timedelta(days=30)).isoformat()
    assert client.post(url, data).status_code == 302
    assert Deal.objects.get(pk=deal.pk).forecast_category == ForecastCategory.COMMIT
    assert history(deal)[-1][-1] == "commit"


def test_the_admin_records_a_change(client_as, pipeline, rep):
    from accounts.models import User

    root = User.objects.create_superuser("root", "root@example.com", "pw-long-enough")
    deal = make_deal(owner=rep, pipeline=pipeline, company=CompanyFactory(owner=rep))
    data = {
        "title": deal.title,
        "company": deal.company_id,
        "owner": rep.pk,
        "amount": "4200",
        "units": "0",
        "deal_type": deal.deal_type,
        "forecast_category": "best_case",
    }
    response = client_as(root).post(reverse("admin:pipeline_deal_change", args=[deal.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert history(deal)[-1] == ("Lead", Decimal("4200.00"), 10, None, "best_case")
    assert DealChange.objects.filter(deal=deal).last().changed_by == root
