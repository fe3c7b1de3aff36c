"""The activity reads: the list and its counts, the type-ahead, upcoming meetings, a deal's activities."""

from datetime import date, datetime, timedelta

import factory
import pytest
from django.utils import timezone

from activities import selectors, services
from activities.models import Activity, Kind, Outcome
from dashboards import rollups
from dashboards.models import DirtyMark
from tests.factories import CompanyFactory, ContactFactory, make_deal


def log(owner, **fields):
    fields.setdefault("kind", Kind.CALL)
    fields.setdefault("outcome", Outcome.CONNECTED if fields["kind"] == Kind.CALL else "")
    return services.activity_log(owner=owner, by=fields.pop("by", owner), **fields)


def at(day: date, hour: int = 12):
    """Noon of ``day`` in the organisation's time zone."""
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def test_activity_list_shows_a_rep_their_own(rep, teammate):
    mine = log(rep)
    log(teammate)
    assert list(selectors.activity_list(user=rep, filters={})) == [mine]


def test_activity_list_shows_a_manager_their_teams_and_an_admin_everyone(manager, admin_user, rep, outsider):
    ours, theirs = log(rep), log(outsider)
    assert list(selectors.activity_list(user=manager, filters={})) == [ours]
    assert set(selectors.activity_list(user=admin_user, filters={})) == {ours, theirs}


def test_activity_list_filters_on_the_local_day_inclusive(rep):
    today = timezone.localdate()
    days = [today - timedelta(days=n) for n in (9, 8, 3, 2)]
    by_day = {d: log(rep, occurred_at=at(d)) for d in days}
    found = selectors.activity_list(user=rep, filters={"date_from": days[1], "date_to": days[2]})
    assert list(found) == [by_day[days[2]], by_day[days[1]]]


def test_activity_list_filters_by_kind_outcome_owner_company_and_deal(manager, rep, teammate):
    contact = ContactFactory(owner=rep)
    deal = make_deal(owner=rep)
    call = log(rep, deal=deal)
    email = log(rep, kind=Kind.EMAIL, outcome=Outcome.REPLIED, contact=contact)
    other = log(teammate)

    def found(**filters):
        return set(selectors.activity_list(user=manager, filters=filters))

    assert found(kind=Kind.EMAIL) == {email}
    assert found(outcome=Outcome.CONNECTED) == {call, other}
    assert found(owner=teammate) == {other}
    assert found(company=contact.company) == {email}
    assert found(company=deal.company) == {call}
    assert found(deal=deal) == {call}
    assert found(kind="", unknown="x") == {call, email, other}


@pytest.mark.parametrize("refreshed", [False, True], ids=["marks pending", "refreshed"])
def test_kind_counts_count_the_filtered_set_by_kind_in_declared_order(rep, refreshed):
    for _ in range(2):
        log(rep, kind=Kind.EMAIL, outcome=Outcome.SENT)
    for _ in range(3):
        log(rep)
    log(rep, kind=Kind.TRAINING, duration_minutes=60, occurred_at=at(timezone.localdate() - timedelta(days=3)))
    if refreshed:
        rollups.drain()
    assert not DirtyMark.objects.exists() if refreshed else DirtyMark.objects.exists()

    def counts(**filters):
        return selectors.kind_counts(selectors.kind_totals(user=rep, filters=filters))

    assert counts() == [("call", "Call", 3), ("email", "Email", 2), ("training", "Training", 1)]
    assert counts(kind=Kind.EMAIL) == [("email", "Email", 2)]
    assert counts(date_to=timezone.localdate() - timedelta(days=1)) == [("training", "Training", 1)]
    assert counts(outcome=Outcome.CONNECTED) == [("call", "Call", 3)]


def test_kind_totals_count_the_activities_without_a_faster_counter(rep, monkeypatch):
    log(rep)
    log(rep, kind=Kind.EMAIL, outcome=Outcome.SENT)
    monkeypatch.setattr(selectors, "_kind_counter", None)
    assert selectors.kind_totals(user=rep, filters={}) == {"call": 1, "email": 1}


def test_kind_totals_count_what_the_user_may_see(manager, admin_user, rep, teammate, outsider):
    log(rep)
    log(teammate, kind=Kind.EMAIL, outcome=Outcome.SENT)
    log(outsider, kind=Kind.TRAINING, duration_minutes=30)
    rollups.drain()
    assert selectors.kind_totals(user=rep, filters={}) == {"call": 1}
    assert selectors.kind_totals(user=manager, filters={}) == {"call": 1, "email": 1}
    assert selectors.kind_totals(user=manager, filters={"owner": teammate}) == {"email": 1}
    assert selectors.kind_totals(user=admin_user, filters={}) == {"call": 1, "email": 1, "training": 1}


def test_kind_totals_is_one_query(rep, django_assert_num_queries):
    log(rep)
    with django_assert_num_queries(1):
        selectors.kind_totals(user=rep, filters={})
    with django_assert_num_queries(1):
        selectors.kind_totals(user=rep, filters={"outcome": Outcome.CONNECTED})


def test_link_search_matches_every_word_across_name_and_company(rep):
    ada = ContactFactory(first_name="Ada", last_name="Lovelace", company=CompanyFactory(name="Analytical Engines"))
    ContactFactory(first_name="Ada", last_name="Byron", company=CompanyFactory(name="Poetry Ltd"))
    options = selectors.link_search(user=rep, q="ada analytical")
    assert [(o.kind, o.contact_id) for o in options] == [("contact", ada.pk)]
    assert options[0].detail == "Analytical Engines"


def test_link_search_shows_only_the_deals_the_user_may_see(rep, manager, outsider):
    ours = make_deal(owner=rep, title="Globex renewal")
    make_deal(owner=outsider, title="Globex expansion")
    assert [o.deal_id for o in selectors.link_search(user=rep, q="globex") if o.kind == "deal"] == [ours.pk]
    assert [o.deal_id for o in selectors.link_search(user=manager, q="globex") if o.kind == "deal"] == [ours.pk]


def test_link_search_shares_its_ten_places_between_kinds(rep):
    ContactFactory.create_batch(12, first_name="Umbrella", company=CompanyFactory(name="Umbrella Corp"))
    CompanyFactory.create_batch(3, name=factory.Sequence(lambda n: f"Umbrella Branch {n}"))
    make_deal(owner=rep, title="Umbrella deal")
    options = selectors.link_search(user=rep, q="umbrella")
    assert len(options) == 10
    # Taken in turn: 12 contacts, 1 deal and 4 companies match.
    assert [o.kind for o in options] == ["contact"] * 5 + ["deal"] + ["company"] * 4


def test_link_search_answers_nothing_for_blank_text(rep):
    CompanyFactory()
    assert selectors.link_search(user=rep, q="   ") == []


def test_upcoming_meetings_splits_awaiting_and_upcoming(rep, teammate):
    now = timezone.now()
    past = log(rep, kind=Kind.MEETING, outcome=Outcome.SCHEDULED, occurred_at=now - timedelta(days=1))
    older = log(rep, kind=Kind.DEMO, outcome=Outcome.SCHEDULED, occurred_at=now - timedelta(days=3))
    soon = log(rep, kind=Kind.DEMO, outcome=Outcome.SCHEDULED, occurred_at=now + timedelta(hours=2))
    later = log(rep, kind=Kind.MEETING, outcome=Outcome.SCHEDULED, occurred_at=now + timedelta(days=4))
    log(rep, kind=Kind.MEETING, outcome=Outcome.POSITIVE, occurred_at=now - timedelta(days=1))
    log(rep, kind=Kind.MEETING, outcome=Outcome.CANCELLED, occurred_at=now + timedelta(days=1))
    log(teammate, kind=Kind.MEETING, outcome=Outcome.SCHEDULED, occurred_at=now + timedelta(days=1))
    meetings = selectors.upcoming_meetings(user=rep, now=now)
    assert meetings.awaiting == [past, older]
    assert meetings.upcoming == [soon, later]


def test_upcoming_meetings_of_a_managers_teams(manager, rep, outsider):
    now = timezone.now()
    ours = log(rep, kind=Kind.DEMO, outcome=Outcome.SCHEDULED, occurred_at=now + timedelta(days=1))
    log(outsider, kind=Kind.DEMO, outcome=Outcome.SCHEDULED, occurred_at=now + timedelta(days=1))
    assert selectors.upcoming_meetings(user=manager, now=now).upcoming == [ours]


def test_deal_activities_oldest_first(rep, teammate, manager):
    deal = make_deal(owner=rep)
    now = timezone.now()
    second = log(rep, deal=deal, occurred_at=now - timedelta(days=1))
    first = log(rep, deal=deal, occurred_at=now - timedelta(days=5))
    third = log(manager, by=manager, deal=deal, occurred_at=now - timedelta(hours=1))
    log(rep)
    assert list(selectors.deal_activities(deal=deal)) == [first, second, third]
    assert Activity.objects.count() == 4
