from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from pipeline import services
from pipeline.models import Contact, Deal, StageChange
from tests.factories import (
    CompanyFactory,
    CompetitorFactory,
    ContactFactory,
    LostReasonFactory,
    make_deal,
    make_pipeline,
    stage,
)


@pytest.fixture
def pipeline(db):
    return make_pipeline()


def test_deal_create_records_the_first_stage_change(pipeline, rep):
    deal = make_deal(owner=rep, pipeline=pipeline, stage_name="Qualified")
    (change,) = StageChange.objects.filter(deal=deal)
    assert (change.from_stage, change.to_stage, change.owner, change.changed_by) == (None, deal.stage, rep, rep)
    assert change.day == timezone.localdate(change.changed_at)


def test_deal_move_records_one_stage_change_with_the_stay(pipeline, rep):
    start = timezone.now() - timedelta(days=3)
    deal = make_deal(owner=rep, pipeline=pipeline, created_at=start)
    change = services.deal_move(deal=deal, to_stage=stage(pipeline, "Demo"), by=rep)
    assert StageChange.objects.filter(deal=deal).count() == 2
    assert change.from_stage == stage(pipeline, "Lead")
    assert change.from_entered_at == start
    assert change.days_in_previous_stage == pytest.approx(3, abs=0.01)
    deal.refresh_from_db()
    assert deal.stage == stage(pipeline, "Demo") and deal.stage_entered_at == change.changed_at


def test_deal_move_to_the_current_stage_does_nothing(pipeline, rep):
    deal = make_deal(owner=rep, pipeline=pipeline)
    assert services.deal_move(deal=deal, to_stage=deal.stage, by=rep) is None
    assert StageChange.objects.filter(deal=deal).count() == 1


def test_deal_move_to_won_needs_the_close_date(pipeline, rep):
    deal = make_deal(owner=rep, pipeline=pipeline)
    with pytest.raises(ValidationError) as error:
        services.deal_move(deal=deal, to_stage=stage(pipeline, "Won"), by=rep)
    assert "closed_on" in error.value.message_dict
    assert StageChange.objects.filter(deal=deal).count() == 1
    assert Deal.objects.get(pk=deal.pk).stage == stage(pipeline, "Lead")


def test_deal_move_refuses_a_close_date_in_the_future(pipeline, rep):
    deal = make_deal(owner=rep, pipeline=pipeline)
    with pytest.raises(ValidationError):
        services.deal_move(
            deal=deal, to_stage=stage(pipeline, "Won"), by=rep, closed_on=timezone.localdate() + timedelta(days=1)
        )


def test_deal_move_to_lost_needs_a_reason_and_keeps_the_competitor(pipeline, rep):
    deal = make_deal(owner=rep, pipeline=pipeline)
    with pytest.raises(ValidationError) as error:
        services.deal_move(deal=deal, to_stage=stage(pipeline, "Lost"), by=rep, closed_on=timezone.localdate())
    assert "lost_reason" in error.value.message_dict
    reason, rival = LostReasonFactory(name="Price"), CompetitorFactory(name="Globex")
    services.deal_move(
        deal=deal,
        to_stage=stage(pipeline, "Lost"),
        by=rep,
        closed_on=timezone.localdate(),
        lost_reason=reason,
        competitor=rival,
    )
    deal.refresh_from_db()
    assert (deal.lost_reason, deal.competitor) == (reason, rival)


def test_reopening_a_lost_deal_clears_how_it_closed_and_keeps_history(pipeline, rep):
    deal = make_deal(owner=rep, pipeline=pipeline)
    services.deal_move(
        deal=deal,
        to_stage=stage(pipeline, "Lost"),
        by=rep,
        closed_on=timezone.localdate(),
        lost_reason=LostReasonFactory(),
        competitor=CompetitorFactory(),
    )
    services.deal_move(deal=deal, to_stage=stage(pipeline, "Demo"), by=rep)
    deal.refresh_from_db()
    assert (deal.closed_on, deal.lost_reason, deal.competitor) == (None, None, None)
    assert [c.to_stage.name for c in deal.stage_changes.all()] == ["Lead", "Lost", "Demo"]


def test_deal_move_refuses_a_stage_of_another_pipeline(pipeline, rep):
    other = make_pipeline("Renewals")
    deal = make_deal(owner=rep, pipeline=pipeline)
    with pytest.raises(ValidationError):
        services.deal_move(deal=deal, to_stage=stage(other, "Demo"), by=rep)
    assert StageChange.objects.filter(deal=deal).count() == 1


def test_deal_update_never_touches_the_stage(pipeline, rep):
    deal = make_deal(owner=rep, pipeline=pipeline)
    services.deal_update(deal=deal, by=rep, amount=Decimal("5000"))
    assert StageChange.objects.filter(deal=deal).count() == 1
    with pytest.raises(ValueError):
        services.deal_update(deal=deal, by=rep, stage=stage(pipeline, "Demo"))


def test_stage_history_is_append_only(pipeline, rep):
    deal = make_deal(owner=rep, pipeline=pipeline)
    change = deal.stage_changes.get()
    with pytest.raises(ValidationError):
        change.save()
    with pytest.raises(ValidationError):
        change.delete()
    with pytest.raises(TypeError):
        StageChange.objects.filter(deal=deal).update(to_stage=stage(pipeline, "Demo"))
    with pytest.raises(TypeError):
        StageChange.objects.filter(deal=deal).delete()


def test_stage_archive_moves_its_deals_and_keeps_history(pipeline, rep):
    deals = [make_deal(owner=rep, pipeline=pipeline, stage_name="Demo") for _ in range(3)]
    demo, proposal = stage(pipeline, "Demo"), stage(pipeline, "Proposal")
    assert services.stage_archive(stage=demo, move_to=proposal, by=rep) == 3
    demo.refresh_from_db()
    assert demo.is_archived
    for deal in deals:
        deal.refresh_from_db()
        assert deal.stage == proposal
        assert [(c.from_stage_id, c.to_stage_id) for c in deal.stage_changes.all()] == [
            (None, demo.pk),
            (demo.pk, proposal.pk),
        ]


def test_stage_archive_with_deals_needs_a_target(pipeline, rep):
    make_deal(owner=rep, pipeline=pipeline, stage_name="Demo")
    with pytest.raises(ValidationError):
        services.stage_archive(stage=stage(pipeline, "Demo"), move_to=None, by=rep)
    assert not stage(pipeline, "Demo").is_archived


def test_stage_reorder_sets_the_order(pipeline):
    live = list(pipeline.stages.current().values_list("pk", flat=True))
    services.stage_reorder(pipeline=pipeline, stage_ids=list(reversed(live)))
    assert list(pipeline.stages.current().values_list("pk", flat=True)) == list(reversed(live))


def test_stage_reorder_refuses_an_incomplete_list(pipeline):
    live = list(pipeline.stages.current().values_list("pk", flat=True))
    with pytest.raises(ValidationError):
        services.stage_reorder(pipeline=pipeline, stage_ids=live[:-1])
    assert list(pipeline.stages.current().values_list("pk", flat=True)) == live


def test_only_one_stage_counts_as_opportunity(pipeline):
    demo = stage(pipeline, "Demo")
    demo.is_opportunity = True
    services.stage_save(stage=demo)
    assert list(pipeline.stages.filter(is_opportunity=True)) == [demo]


def test_a_stage_holding_deals_keeps_its_kind(pipeline, rep):
    make_deal(owner=rep, pipeline=pipeline, stage_name="Demo")
    demo = stage(pipeline, "Demo")
    demo.kind = "won"
    with pytest.raises(ValidationError) as error:
        services.stage_save(stage=demo)
    assert "kind" in error.value.message_dict
    assert stage(pipeline, "Demo").kind == "open"


def test_contact_save_stores_the_phone_as_e164_whichever_way_it_came(rep):
    contact = ContactFactory.build(owner=rep, company=CompanyFactory(), phone="+31 (0)20-123 4567")
    services.contact_save(contact=contact)
    contact.refresh_from_db()
    assert contact.phone == "+31201234567"


def test_contact_save_refuses_a_bad_phone_and_saves_nothing(rep):
    contact = ContactFactory.build(owner=rep, company=CompanyFactory(), phone="call me")
    with pytest.raises(ValidationError) as refused:
        services.contact_save(contact=contact)
    assert set(refused.value.message_dict) == {"phone"}
    assert not Contact.objects.exists()
