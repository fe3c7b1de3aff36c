"""Django admin for the pipeline: saves go through the services, the stage history is read-only."""

from datetime import date

import pytest
from django.urls import reverse

from accounts.models import User
from pipeline import services
from pipeline.models import Company, Deal, Stage, StageChange, StageKind
from tests.factories import CompanyFactory, make_deal, make_pipeline, stage


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@example.com", "pw-long-enough")


@pytest.fixture
def admin_site(client_as, superuser):
    return client_as(superuser)


@pytest.fixture
def pipeline(db):
    return make_pipeline()


def _deal_add_data(*, company, owner, pipeline, stage, **overrides):
    data = {
        "title": "Fleet renewal",
        "company": company.pk,
        "contact": "",
        "owner": owner.pk,
        "pipeline": pipeline.pk,
        "stage": stage.pk,
        "amount": "12000",
        "units": "0",
        "deal_type": "new_business",
        "lead_source": "",
        "expected_close_date": "",
        "closed_on": "",
        "lost_reason": "",
        "competitor": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "model",
    ["pipeline", "stage", "leadsource", "competitor", "lostreason", "company", "contact", "deal", "stagechange"],
)
def test_it_lists_every_pipeline_model(admin_site, pipeline, rep, model):
    make_deal(owner=rep, pipeline=pipeline)
    assert admin_site.get(reverse(f"admin:pipeline_{model}_changelist")).status_code == 200


def test_it_creates_a_deal_with_its_first_stage_change(admin_site, superuser, pipeline, rep):
    company = CompanyFactory(owner=rep)
    lead = stage(pipeline, "Lead")
    response = admin_site.post(
        reverse("admin:pipeline_deal_add"), _deal_add_data(company=company, owner=rep, pipeline=pipeline, stage=lead)
    )
    assert response.status_code == 302
    deal = Deal.objects.get(title="Fleet renewal")
    assert (deal.owner, deal.stage, deal.amount) == (rep, lead, 12000)
    assert list(StageChange.objects.values_list("deal", "from_stage", "to_stage", "changed_by", "owner")) == [
        (deal.pk, None, lead.pk, superuser.pk, rep.pk)
    ]


@pytest.mark.parametrize(
    "case, field",
    [
        ("stage of another pipeline", "stage"),
        ("won without a close date", "closed_on"),
        ("lost without reason", "lost_reason"),
    ],
)
def test_it_refuses_a_deal_the_service_would_refuse(admin_site, pipeline, rep, case, field):
    other = make_pipeline("Renewals")
    to_stage = {
        "stage of another pipeline": stage(other, "Lead"),
        "won without a close date": stage(pipeline, "Won"),
        "lost without reason": stage(pipeline, "Lost"),
    }[case]
    company = CompanyFactory(owner=rep)
    response = admin_site.post(
        reverse("admin:pipeline_deal_add"),
        _deal_add_data(company=company, owner=rep, pipeline=pipeline, stage=to_stage),
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field]
    assert not Deal.objects.exists()
    assert not StageChange.objects.exists()


def test_it_creates_a_won_deal_with_its_close_date(admin_site, pipeline, rep):
    company = CompanyFactory(owner=rep)
    won = stage(pipeline, "Won")
    admin_site.post(
        reverse("admin:pipeline_deal_add"),
        _deal_add_data(company=company, owner=rep, pipeline=pipeline, stage=won, closed_on="2025-03-01"),
    )
    deal = Deal.objects.get()
    assert (deal.stage, deal.closed_on) == (won, date(2025, 3, 1))
    assert StageChange.objects.filter(deal=deal, to_stage=won).count() == 1


def test_it_keeps_stage_and_pipeline_read_only_when_editing_a_deal(admin_site, pipeline, rep, monkeypatch):
    deal = make_deal(owner=rep, pipeline=pipeline, stage_name="Lead")
    calls = []
    real_update = services.deal_update
    monkeypatch.setattr(services, "deal_update", lambda **kw: calls.append(kw) or real_update(**kw))
    data = _deal_add_data(company=deal.company, owner=rep, pipeline=pipeline, stage=stage(pipeline, "Won"))
    data.update(title="Fleet renewal, phase 2", amount="1000.00", forecast_category=deal.forecast_category)
    response = admin_site.post(reverse("admin:pipeline_deal_change", args=[deal.pk]), data)
    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.title, deal.stage.name) == ("Fleet renewal, phase 2", "Lead")
    assert StageChange.objects.filter(deal=deal).count() == 1
    assert [set(call) for call in calls] == [{"deal", "by", "title"}]


def test_it_shows_stage_and_pipeline_as_read_only_on_a_deal(admin_site, pipeline, rep):
    deal = make_deal(owner=rep, pipeline=pipeline)
    form = admin_site.get(reverse("admin:pipeline_deal_change", args=[deal.pk])).context["adminform"].form
    assert "stage" not in form.fields
    assert "pipeline" not in form.fields
    assert "title" in form.fields


def test_it_refuses_adding_stage_changes(admin_site, pipeline, rep):
    make_deal(owner=rep, pipeline=pipeline)
    before = list(StageChange.objects.values())
    assert admin_site.get(reverse("admin:pipeline_stagechange_add")).status_code == 403
    assert admin_site.post(reverse("admin:pipeline_stagechange_add"), {}).status_code == 403
    assert list(StageChange.objects.values()) == before


def test_it_refuses_deleting_stage_changes(admin_site, pipeline, rep):
    make_deal(owner=rep, pipeline=pipeline)
    change = StageChange.objects.get()
    url = reverse("admin:pipeline_stagechange_delete", args=[change.pk])
    assert admin_site.get(url).status_code == 403
    assert admin_site.post(url, {"post": "yes"}).status_code == 403
    bulk = admin_site.post(
        reverse("admin:pipeline_stagechange_changelist"),
        {"action": "delete_selected", "_selected_action": [change.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    assert StageChange.objects.filter(pk=change.pk).exists()


def test_it_refuses_changing_stage_changes(admin_site, pipeline, rep):
    deal = make_deal(owner=rep, pipeline=pipeline)
    change = StageChange.objects.get()
    response = admin_site.post(
        reverse("admin:pipeline_stagechange_change", args=[change.pk]),
        {"deal": deal.pk, "to_stage": stage(pipeline, "Won").pk, "day": "2025-01-01", "owner": rep.pk},
    )
    assert response.status_code == 403
    change.refresh_from_db()
    assert change.to_stage == stage(pipeline, "Lead")


def test_it_filters_stage_changes_by_pipeline(admin_site, pipeline, rep):
    make_deal(owner=rep, pipeline=pipeline)
    other = make_pipeline("Renewals")
    make_deal(owner=rep, pipeline=other)
    response = admin_site.get(
        reverse("admin:pipeline_stagechange_changelist"), {"to_stage__pipeline__id__exact": other.pk}
    )
    assert [c.deal.pipeline for c in response.context["cl"].result_list] == [other]


def test_it_saves_a_stage_through_the_service(admin_site, pipeline):
    response = admin_site.post(
        reverse("admin:pipeline_stage_add"),
        {
            "pipeline": pipeline.pk,
            "name": "Negotiation",
            "kind": StageKind.OPEN,
            "probability": "80",
            "rotting_days": "",
            "is_opportunity": "on",
            "order": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    added = stage(pipeline, "Negotiation")
    # stage_save put it last and took the opportunity flag from the stage that had it.
    assert added.order == 7
    assert list(pipeline.stages.filter(is_opportunity=True)) == [added]


def test_it_refuses_a_duplicate_stage_name_in_admin(admin_site, pipeline):
    before = list(Stage.objects.values())
    response = admin_site.post(
        reverse("admin:pipeline_stage_add"),
        {"pipeline": pipeline.pk, "name": "Demo", "kind": StageKind.OPEN, "probability": "50", "order": "0"},
    )
    assert response.context["adminform"].form.errors["name"]
    assert list(Stage.objects.values()) == before


def test_it_refuses_changing_the_kind_of_a_stage_with_deals_in_admin(admin_site, pipeline, rep):
    make_deal(owner=rep, pipeline=pipeline, stage_name="Demo")
    demo = stage(pipeline, "Demo")
    response = admin_site.post(
        reverse("admin:pipeline_stage_change", args=[demo.pk]),
        {"name": "Demo", "kind": StageKind.LOST, "probability": "0", "order": demo.order},
    )
    assert response.context["adminform"].form.errors["kind"]
    demo.refresh_from_db()
    assert demo.kind == StageKind.OPEN


def test_it_refuses_deleting_stages(admin_site, pipeline):
    demo = stage(pipeline, "Demo")
    assert admin_site.post(reverse("admin:pipeline_stage_delete", args=[demo.pk]), {"post": "yes"}).status_code == 403
    assert Stage.objects.filter(pk=demo.pk).exists()


def test_it_saves_a_company_through_the_service(admin_site, rep, monkeypatch):
    calls = []
    real_save = services.company_save
    monkeypatch.setattr(services, "company_save", lambda **kw: calls.append(kw) or real_save(**kw))
    response = admin_site.post(
        reverse("admin:pipeline_company_add"),
        {"name": "Globex", "segment": "smb", "owner": rep.pk, "created_at_0": "2025-01-01", "created_at_1": "09:00"},
    )
    assert response.status_code == 302
    assert [call["company"].name for call in calls] == ["Globex"]
    assert Company.objects.filter(name="Globex").exists()
