from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from activities import services
from activities.models import Activity, Kind, Outcome
from tests.factories import ContactFactory, make_deal, make_pipeline


def log(owner, **fields):
    fields.setdefault("kind", Kind.CALL)
    fields.setdefault("outcome", Outcome.CONNECTED)
    return services.activity_log(owner=owner, by=fields.pop("by", owner), **fields)


def test_it_logs_a_call_with_its_local_day(rep):
    activity = log(rep, duration_minutes=7)
    assert (activity.kind, activity.outcome, activity.duration_minutes) == (Kind.CALL, Outcome.CONNECTED, 7)
    assert activity.day == timezone.localdate(activity.occurred_at)
    assert activity.created_day == timezone.localdate(activity.created_at)


@pytest.mark.parametrize(
    "kind, outcome",
    [(Kind.CALL, Outcome.REPLIED), (Kind.EMAIL, Outcome.CONNECTED), (Kind.MEETING, Outcome.VOICEMAIL)],
)
def test_it_refuses_an_outcome_that_does_not_fit_the_kind(rep, kind, outcome):
    with pytest.raises(ValidationError) as error:
        log(rep, kind=kind, outcome=outcome)
    assert "does not fit" in error.value.message_dict["outcome"][0]
    assert not Activity.objects.exists()


def test_it_refuses_an_outcome_on_non_selling_time(rep):
    with pytest.raises(ValidationError):
        log(rep, kind=Kind.TRAVEL, outcome=Outcome.HELD)
    assert log(rep, kind=Kind.TRAVEL, outcome="", duration_minutes=90).duration_minutes == 90


def test_it_needs_an_outcome_for_a_call(rep):
    with pytest.raises(ValidationError) as error:
        log(rep, outcome="")
    assert "outcome" in error.value.message_dict


@pytest.mark.parametrize("kind, outcome", [(Kind.CALL, Outcome.CONNECTED), (Kind.EMAIL, Outcome.SENT)])
def test_it_refuses_calls_and_emails_in_the_future(rep, kind, outcome):
    with pytest.raises(ValidationError) as error:
        log(rep, kind=kind, outcome=outcome, occurred_at=timezone.now() + timedelta(days=1))
    assert "occurred_at" in error.value.message_dict


def test_it_books_a_meeting_for_next_week(rep):
    meeting = log(rep, kind=Kind.MEETING, outcome=Outcome.SCHEDULED, occurred_at=timezone.now() + timedelta(days=7))
    assert list(Activity.objects.upcoming()) == [meeting]


def test_it_refuses_a_future_meeting_marked_held(rep):
    with pytest.raises(ValidationError):
        log(rep, kind=Kind.DEMO, outcome=Outcome.HELD, occurred_at=timezone.now() + timedelta(days=2))


def test_it_marks_a_past_meeting_held_in_one_step(rep):
    meeting = log(rep, kind=Kind.MEETING, outcome=Outcome.SCHEDULED, occurred_at=timezone.now() - timedelta(hours=2))
    services.meeting_mark(activity=meeting, outcome=Outcome.POSITIVE, by=rep)
    meeting.refresh_from_db()
    assert meeting.outcome == Outcome.POSITIVE and meeting.is_held


def test_it_refuses_marking_a_future_meeting_no_show(rep):
    meeting = log(rep, kind=Kind.MEETING, outcome=Outcome.SCHEDULED, occurred_at=timezone.now() + timedelta(days=1))
    with pytest.raises(ValidationError):
        services.meeting_mark(activity=meeting, outcome=Outcome.NO_SHOW, by=rep)
    meeting.refresh_from_db()
    assert meeting.outcome == Outcome.SCHEDULED


def test_it_refuses_marking_a_call_held(rep):
    with pytest.raises(ValidationError):
        services.meeting_mark(activity=log(rep), outcome=Outcome.HELD, by=rep)


def test_it_takes_the_company_from_the_deal(rep):
    pipeline = make_pipeline()
    deal = make_deal(owner=rep, pipeline=pipeline, stage_name="Demo")
    activity = log(rep, deal=deal)
    activity.refresh_from_db()
    assert activity.company == deal.company


def test_it_refuses_a_deal_the_rep_cannot_see(rep, outsider):
    deal = make_deal(owner=outsider)
    with pytest.raises(ValidationError) as error:
        log(rep, deal=deal)
    assert "deal" in error.value.message_dict
    assert not Activity.objects.exists()


def test_a_manager_may_log_on_a_team_members_deal(rep, manager):
    deal = make_deal(owner=rep)
    assert log(rep, by=manager, deal=deal).deal == deal


def test_it_refuses_a_contact_from_another_company(rep):
    contact = ContactFactory(owner=rep)
    other = ContactFactory(owner=rep)
    with pytest.raises(ValidationError):
        log(rep, contact=contact, company=other.company)


def test_it_fills_the_company_from_the_contact(rep):
    contact = ContactFactory(owner=rep)
    assert log(rep, contact=contact).company == contact.company


def test_it_refuses_prospecting_without_a_company_or_contact(rep):
    with pytest.raises(ValidationError) as error:
        log(rep, kind=Kind.PROSPECTING, outcome="")
    assert "Prospecting is about a company" in error.value.message_dict["company"][0]
    contact = ContactFactory(owner=rep)
    assert log(rep, kind=Kind.PROSPECTING, outcome="", contact=contact).company == contact.company


def test_editing_the_time_moves_the_day(rep):
    activity = log(rep)
    earlier = timezone.now() - timedelta(days=3)
    services.activity_update(activity=activity, by=rep, occurred_at=earlier)
    activity.refresh_from_db()
    assert activity.day == timezone.localdate(earlier)


def test_default_outcome_books_future_meetings_and_sends_emails():
    now = timezone.now()
    assert services.default_outcome(Kind.EMAIL, now, now) == Outcome.SENT
    assert services.default_outcome(Kind.MEETING, now + timedelta(days=1), now) == Outcome.SCHEDULED
    assert services.default_outcome(Kind.CALL, now, now) == ""
