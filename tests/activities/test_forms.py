"""The activity form, the list filters and the meeting mark form, on their own."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from activities import services
from activities.forms import ActivityFilterForm, ActivityForm, MeetingMarkForm
from activities.models import Kind, Outcome
from tests.factories import CompanyFactory, ContactFactory, LeadSourceFactory, make_deal


def form_for(user, **data):
    data.setdefault("kind", "call")
    data.setdefault("outcome", "connected")
    return ActivityForm(data, user=user)


def local_input(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_it_has_no_owner_field_for_a_rep(rep, teammate):
    form = form_for(rep, owner=teammate.pk)
    assert "owner" not in form.fields
    assert form.is_valid()
    assert form.chosen_owner() == rep


def test_it_offers_a_manager_the_active_people_of_their_teams(manager, rep, teammate, outsider):
    teammate.is_active = False
    teammate.save()
    choices = set(ActivityForm(user=manager).fields["owner"].queryset)
    assert choices == {manager, rep}


def test_it_offers_an_admin_everyone(admin_user, rep, outsider):
    assert {rep, outsider, admin_user} <= set(ActivityForm(user=admin_user).fields["owner"].queryset)


def test_it_refuses_a_manager_choosing_another_teams_rep(manager, outsider):
    form = form_for(manager, owner=outsider.pk)
    assert not form.is_valid()
    assert "owner" in form.errors


def test_it_keeps_the_owner_of_an_activity_a_manager_edits(manager, rep):
    activity = services.activity_log(owner=rep, by=rep, kind=Kind.CALL, outcome=Outcome.CONNECTED)
    form = ActivityForm({"kind": "call", "outcome": "no_answer"}, user=manager, activity=activity)
    assert form.is_valid(), form.errors
    assert form.chosen_owner() == rep


def test_it_defaults_to_a_call_now(rep):
    form = ActivityForm(user=rep)
    assert form["kind"].value() == Kind.CALL
    assert abs(form.initial["occurred_at"] - timezone.now()) < timedelta(minutes=1)


def test_it_takes_now_when_no_time_is_given(rep):
    form = form_for(rep, occurred_at="")
    assert form.is_valid()
    assert abs(form.cleaned_data["occurred_at"] - timezone.now()) < timedelta(seconds=5)


@pytest.mark.parametrize(
    "data, field",
    [
        ({"outcome": "replied"}, "outcome"),
        ({"kind": "email", "outcome": "connected"}, "outcome"),
        ({"outcome": ""}, "outcome"),
        ({"kind": "admin", "outcome": "connected"}, "outcome"),
        ({"duration_minutes": "-1"}, "duration_minutes"),
        ({"duration_minutes": "100000"}, "duration_minutes"),
        ({"kind": "juggling"}, "kind"),
        ({"occurred_at": "next tuesday"}, "occurred_at"),
    ],
)
def test_it_refuses_bad_input(rep, data, field):
    form = form_for(rep, **data)
    assert not form.is_valid()
    assert field in form.errors


def test_it_refuses_a_call_in_the_future(rep):
    form = form_for(rep, occurred_at=local_input(timezone.now() + timedelta(hours=2)))
    assert not form.is_valid()
    assert "A call cannot be logged in the future" in form.errors["occurred_at"][0]


def test_it_accepts_a_meeting_booked_ahead(rep):
    form = form_for(rep, kind="demo", outcome="scheduled", occurred_at=local_input(timezone.now() + timedelta(days=3)))
    assert form.is_valid(), form.errors


def test_it_accepts_non_selling_time_without_outcome(rep):
    form = form_for(rep, kind="travel", outcome="", duration_minutes="45")
    assert form.is_valid(), form.errors
    assert form.service_arguments()["duration_minutes"] == 45


def test_it_needs_a_company_or_contact_for_prospecting(rep):
    form = form_for(rep, kind="prospecting", outcome="")
    assert not form.is_valid()
    assert "Prospecting is about a company" in form.errors["who"][0]


def test_it_keeps_the_source_for_prospecting_only(rep):
    source = LeadSourceFactory()
    company = CompanyFactory(owner=rep)
    prospecting = form_for(
        rep, kind="prospecting", outcome="", company=company.pk, who=company.name, lead_source=source.pk
    )
    call = form_for(rep, lead_source=source.pk)
    assert prospecting.is_valid() and call.is_valid()
    assert (prospecting.cleaned_data["lead_source"], call.cleaned_data["lead_source"]) == (source, None)


def test_it_offers_only_active_sources(rep):
    active = LeadSourceFactory(name="Webinar")
    LeadSourceFactory(name="Fax", is_active=False)
    assert list(ActivityForm(user=rep).fields["lead_source"].queryset) == [active]


def test_it_finds_the_one_contact_typed_without_picking_a_suggestion(rep):
    contact = ContactFactory(first_name="Katherine", last_name="Johnson")
    form = form_for(rep, who="katherine johnson")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["contact"] == contact


def test_it_asks_to_pick_when_the_typed_name_is_ambiguous(rep):
    ContactFactory(first_name="Sam", last_name="Smith")
    ContactFactory(first_name="Sam", last_name="Jones")
    form = form_for(rep, who="sam")
    assert not form.is_valid()
    assert "Several match" in form.errors["who"][0]


def test_it_says_when_the_typed_name_matches_nothing(rep):
    form = form_for(rep, who="Nobody at all")
    assert not form.is_valid()
    assert "Nothing matches" in form.errors["who"][0]


def test_it_keeps_a_picked_suggestion_while_the_text_names_it(rep):
    contact = ContactFactory(first_name="Mary", last_name="Jackson")
    ContactFactory(first_name="Mary", last_name="Jackson")  # a namesake: the picked id decides
    form = form_for(rep, who="Mary Jackson", contact=contact.pk)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["contact"] == contact


def test_it_follows_the_text_when_it_no_longer_names_the_pick(rep):
    picked = ContactFactory(first_name="Mary", last_name="Jackson")
    typed = ContactFactory(first_name="Dorothy", last_name="Vaughan")
    form = form_for(rep, who="Dorothy Vaughan", contact=picked.pk)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["contact"] == typed


def test_it_drops_the_links_when_who_is_cleared(rep):
    form = form_for(rep, who="", contact=ContactFactory().pk, deal=make_deal(owner=rep).pk)
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["contact"], form.cleaned_data["deal"]) == (None, None)


def test_it_lists_the_errors_of_the_hidden_links_under_who(rep):
    form = form_for(rep, contact="999999", who="Ghost")
    assert not form.is_valid()
    assert form.link_errors() == ["Select a valid choice. That choice is not one of the available choices."]


def test_it_shows_only_the_outcomes_that_fit_the_kind(rep):
    form = ActivityForm({"kind": "email"}, user=rep)
    fitting = [radio.data["value"] for radio, fits in form.outcome_options() if fits]
    assert fitting == [Outcome.SENT, Outcome.REPLIED, Outcome.BOUNCED]
    assert not ActivityForm({"kind": "travel"}, user=rep).has_outcomes()


def test_it_prefills_from_an_activity(rep):
    deal = make_deal(owner=rep, title="Big one")
    activity = services.activity_log(owner=rep, by=rep, kind=Kind.CALL, outcome=Outcome.VOICEMAIL, deal=deal)
    form = ActivityForm(user=rep, activity=activity)
    assert (form["who"].value(), form["deal"].value(), form["outcome"].value()) == ("Big one", deal.pk, "voicemail")


# --- filters -------------------------------------------------------------------


def test_the_filters_refuse_an_end_before_the_start(rep):
    search = ActivityFilterForm({"date_from": "2026-03-10", "date_to": "2026-03-01"}, user=rep)
    assert search.selected() == {"date_from": date(2026, 3, 10)}
    assert "date_to" in search.errors


def test_the_filters_drop_a_deal_the_user_may_not_see(rep, outsider):
    deal = make_deal(owner=outsider)
    search = ActivityFilterForm({"deal": deal.pk, "kind": "call"}, user=rep)
    assert search.selected() == {"kind": "call"}


def test_the_filters_offer_a_rep_no_owner(rep):
    assert "owner" not in ActivityFilterForm({}, user=rep).fields


def test_the_filters_offer_a_manager_the_people_they_may_see(manager, rep, outsider):
    people = set(ActivityFilterForm({}, user=manager).fields["owner"].queryset)
    assert rep in people and outsider not in people


# --- marking meetings -------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["positive", "neutral", "negative", "held", "no_show", "cancelled"])
def test_the_mark_form_takes_held_no_show_and_cancelled(outcome):
    assert MeetingMarkForm({"outcome": outcome}).is_valid()


@pytest.mark.parametrize("outcome", ["", "scheduled", "connected"])
def test_the_mark_form_refuses_anything_else(outcome):
    assert not MeetingMarkForm({"outcome": outcome}).is_valid()
