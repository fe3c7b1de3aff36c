"""Deals (list, move with the board's history) and the contact lookup by phone number."""

from pipeline.models import Deal, StageChange
from tests.factories import ContactFactory, LostReasonFactory, make_deal, make_pipeline, stage


def test_a_rep_lists_their_own_deals(api_as, rep, teammate):
    pipeline = make_pipeline()
    mine = make_deal(owner=rep, pipeline=pipeline, amount="1200.50")
    make_deal(owner=teammate, pipeline=pipeline)
    body = api_as(rep).get("/deals").json()
    assert [d["id"] for d in body["items"]] == [mine.pk]
    assert body["items"][0]["stage"]["name"] == "Lead"
    assert body["items"][0]["amount"] == "1200.50"


def test_a_manager_filters_deals_by_status(api_as, manager, rep, outsider):
    pipeline = make_pipeline()
    open_deal = make_deal(owner=rep, pipeline=pipeline)
    make_deal(owner=outsider, pipeline=pipeline)
    body = api_as(manager).get("/deals", {"status": "open"}).json()
    assert [d["id"] for d in body["items"]] == [open_deal.pk]
    assert api_as(manager).get("/deals", {"status": "won"}).json()["count"] == 0


def test_a_bad_deal_filter_is_refused(api_as, rep):
    response = api_as(rep).get("/deals", {"status": "maybe"})
    assert response.status_code == 422
    assert [e["pointer"] for e in response.json()["errors"]] == ["#/status"]


def test_a_move_writes_one_stage_change_as_the_board_does(api_as, rep):
    pipeline = make_pipeline()
    deal = make_deal(owner=rep, pipeline=pipeline)
    demo = stage(pipeline, "Demo")
    response = api_as(rep).post(f"/deals/{deal.pk}/move", {"stage_id": demo.pk})
    assert response.status_code == 200
    assert response.json()["moved"] is True
    assert response.json()["deal"]["stage"]["id"] == demo.pk
    change = StageChange.objects.filter(deal=deal).latest("pk")
    assert (change.from_stage.name, change.to_stage, change.changed_by) == ("Lead", demo, rep)


def test_moving_to_the_same_stage_again_writes_nothing(api_as, rep):
    pipeline = make_pipeline()
    deal = make_deal(owner=rep, pipeline=pipeline)
    caller = api_as(rep)
    caller.post(f"/deals/{deal.pk}/move", {"stage_id": stage(pipeline, "Demo").pk})
    again = caller.post(f"/deals/{deal.pk}/move", {"stage_id": stage(pipeline, "Demo").pk})
    assert again.json()["moved"] is False
    assert StageChange.objects.filter(deal=deal).count() == 2  # created, then one move


def test_losing_a_deal_needs_a_reason(api_as, rep):
    pipeline = make_pipeline()
    deal = make_deal(owner=rep, pipeline=pipeline)
    lost = stage(pipeline, "Lost")
    caller = api_as(rep)
    refused = caller.post(f"/deals/{deal.pk}/move", {"stage_id": lost.pk})
    assert refused.status_code == 422
    assert [e["pointer"] for e in refused.json()["errors"]] == ["#/lost_reason_id"]
    assert Deal.objects.get(pk=deal.pk).stage.name == "Lead"
    reason = LostReasonFactory()
    assert caller.post(f"/deals/{deal.pk}/move", {"stage_id": lost.pk, "lost_reason_id": reason.pk}).status_code == 200


def test_a_stage_of_another_pipeline_is_refused(api_as, rep):
    deal = make_deal(owner=rep, pipeline=make_pipeline())
    other = stage(make_pipeline("Renewals"), "Demo")
    response = api_as(rep).post(f"/deals/{deal.pk}/move", {"stage_id": other.pk})
    assert response.status_code == 422
    assert [e["pointer"] for e in response.json()["errors"]] == ["#/stage_id"]


def test_another_teams_deal_is_404(api_as, rep, outsider):
    pipeline = make_pipeline()
    deal = make_deal(owner=outsider, pipeline=pipeline)
    response = api_as(rep).post(f"/deals/{deal.pk}/move", {"stage_id": stage(pipeline, "Demo").pk})
    assert response.status_code == 404
    assert StageChange.objects.filter(deal=deal).count() == 1


def test_it_finds_a_contact_by_a_number_in_another_format(api_as, rep):
    # Stored as the contact form and the import store numbers: E.164.
    ada = ContactFactory(owner=rep, phone="+442079460958")
    bob = ContactFactory(owner=rep, phone="+442079460958")
    ContactFactory(owner=rep, phone="+442079460959")
    caller = api_as(rep)
    found = caller.get("/contacts/lookup", {"phone": "+44 (0)20 7946-0958"}).json()
    assert [c["id"] for c in found] == [ada.pk, bob.pk]
    assert (found[0]["phone"], found[0]["phone_e164"]) == ("+44 20 7946 0958", "+442079460958")
    national = caller.get("/contacts/lookup", {"phone": "020 7946 0958", "region": "gb"}).json()
    assert [c["id"] for c in national] == [ada.pk, bob.pk]


def test_it_finds_no_one_by_a_number_nobody_has(api_as, rep):
    ContactFactory(owner=rep, phone="+442079460958")
    assert api_as(rep).get("/contacts/lookup", {"phone": "+1 415 555 0100"}).json() == []


def test_a_number_without_country_or_region_is_refused(api_as, rep):
    response = api_as(rep).get("/contacts/lookup", {"phone": "020 7946 0958"})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"pointer": "phone", "detail": "Give the number with its country code (+…), or a region."}
    ]


def test_nonsense_and_an_unknown_region_are_refused(api_as, rep):
    caller = api_as(rep)
    nonsense = caller.get("/contacts/lookup", {"phone": "+1 abc"})
    assert nonsense.status_code == 422
    assert nonsense.json()["errors"] == [
        {"pointer": "phone", "detail": "Enter a valid phone number, e.g. +31 20 123 4567."}
    ]
    response = caller.get("/contacts/lookup", {"phone": "020 7946 0958", "region": "XX"})
    assert [e["pointer"] for e in response.json()["errors"]] == ["region"]


def test_the_deal_list_costs_a_fixed_number_of_queries(api_as, rep, django_assert_max_num_queries):
    pipeline = make_pipeline()
    for _ in range(20):
        make_deal(owner=rep, pipeline=pipeline)
    caller = api_as(rep)
    with django_assert_max_num_queries(5):  # token, its use, the count, the page with its joins
        assert caller.get("/deals").json()["count"] == 20


def test_the_contact_lookup_costs_a_fixed_number_of_queries(api_as, rep, django_assert_max_num_queries):
    for _ in range(5):
        ContactFactory(owner=rep, phone="+442079460958")
    caller = api_as(rep)
    with django_assert_max_num_queries(3):  # token, its use, the contacts with their companies
        assert len(caller.get("/contacts/lookup", {"phone": "+442079460958"}).json()) == 5
