"""The calendar feed, parsed with icalendar: the rep's own meetings and demos, stable UIDs, SEQUENCE
rising on each change, cancellations as STATUS:CANCELLED, deleted meetings gone, the secret's reset."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from activities import services
from feeds.models import FeedToken
from feeds.services import feed_token_for
from tests.factories import make_deal


def _book(owner, *, days=1, kind="meeting", **fields):
    return services.activity_log(
        owner=owner,
        by=owner,
        kind=kind,
        outcome="scheduled",
        occurred_at=timezone.now() + timedelta(days=days),
        duration_minutes=fields.pop("duration_minutes", 45),
        **fields,
    )


def _events(client, user) -> dict:
    url = reverse("feeds:calendar", args=[feed_token_for(user=user).secret])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_it_lists_the_reps_own_meetings_and_demos(client, rep, teammate):
    deal = make_deal(owner=rep, title="Acme renewal")
    meeting = _book(rep, deal=deal)
    demo = _book(rep, kind="demo", days=3)
    services.activity_log(owner=rep, by=rep, kind="call", outcome="connected")
    _book(teammate)
    events = _events(client, rep)
    assert set(events) == {f"activity-{meeting.pk}@testserver", f"activity-{demo.pk}@testserver"}
    event = events[f"activity-{meeting.pk}@testserver"]
    assert str(event["SUMMARY"]) == "Meeting: Acme renewal"
    assert event.decoded("DTSTART") == meeting.occurred_at.replace(microsecond=0)  # iCalendar has whole seconds
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=45)
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["SEQUENCE"] == 0


def test_a_change_keeps_the_uid_and_raises_the_sequence(client, rep):
    meeting = _book(rep)
    before = _events(client, rep)[f"activity-{meeting.pk}@testserver"]
    services.activity_update(activity=meeting, by=rep, occurred_at=meeting.occurred_at + timedelta(hours=2))
    after = _events(client, rep)[f"activity-{meeting.pk}@testserver"]
    assert after["SEQUENCE"] == 1
    assert after.decoded("DTSTART") - before.decoded("DTSTART") == timedelta(hours=2)
    assert after.decoded("LAST-MODIFIED") >= before.decoded("LAST-MODIFIED")


def test_a_cancelled_meeting_stays_as_cancelled(client, rep):
    meeting = _book(rep)
    services.meeting_mark(activity=meeting, outcome="cancelled", by=rep)
    event = _events(client, rep)[f"activity-{meeting.pk}@testserver"]
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == 1


def test_a_deleted_meeting_is_gone(client, rep):
    meeting = _book(rep)
    services.activity_delete(activity=meeting, by=rep)
    assert _events(client, rep) == {}


def test_meetings_older_than_the_window_are_left_out(client, rep):
    old = services.activity_log(
        owner=rep, by=rep, kind="meeting", outcome="held", occurred_at=timezone.now() - timedelta(days=31)
    )
    recent = services.activity_log(
        owner=rep, by=rep, kind="meeting", outcome="held", occurred_at=timezone.now() - timedelta(days=29)
    )
    assert set(_events(client, rep)) == {f"activity-{recent.pk}@testserver"}
    assert old.pk != recent.pk


def test_an_unknown_secret_is_404(client, db):
    assert client.get(reverse("feeds:calendar", args=["nope"])).status_code == 404


def test_a_reset_retires_the_old_address(client_as, rep):
    old = feed_token_for(user=rep).secret
    client = client_as(rep)
    assert client.post(reverse("feeds:reset")).status_code == 302
    new = FeedToken.objects.get(user=rep).secret
    assert new != old
    assert client.get(reverse("feeds:calendar", args=[old])).status_code == 404
    assert client.get(reverse("feeds:calendar", args=[new])).status_code == 200


def test_the_page_shows_the_persons_own_address(client_as, rep):
    response = client_as(rep).get(reverse("feeds:page"))
    assert response.status_code == 200
    assert FeedToken.objects.get(user=rep).secret in response.content.decode()


def test_the_feed_is_never_kept_by_a_shared_cache(client, rep):
    url = reverse("feeds:calendar", args=[feed_token_for(user=rep).secret])
    assert "no-store" in client.get(url)["Cache-Control"]


def test_the_feed_costs_a_fixed_number_of_queries(client, rep, django_assert_max_num_queries):
    for days in range(1, 21):
        _book(rep, days=days)
    url = reverse("feeds:calendar", args=[feed_token_for(user=rep).secret])
    with django_assert_max_num_queries(2):  # the token with its user, the events with their revisions
        assert client.get(url).status_code == 200
