"""GET/PATCH /api/v1/activities: the list (filters, pages) and changes, as the pages allow them."""

from datetime import timedelta

from django.utils import timezone

from activities import services
from activities.models import Activity


def _log(owner, **fields):
    values = {"kind": "call", "outcome": "connected"} | fields
    return services.activity_log(owner=owner, by=owner, **values)


def test_a_rep_lists_their_own_activities_newest_first(api_as, rep, teammate):
    now = timezone.now()
    older = _log(rep, occurred_at=now - timedelta(hours=2))
    newer = _log(rep, occurred_at=now - timedelta(hours=1))
    _log(teammate)
    body = api_as(rep).get("/activities").json()
    assert [a["id"] for a in body["items"]] == [newer.pk, older.pk]
    assert (body["count"], body["page"], body["pages"]) == (2, 1, 1)


def test_a_manager_lists_their_teams_not_another_teams(api_as, manager, rep, outsider):
    mine = _log(rep)
    _log(outsider)
    assert [a["id"] for a in api_as(manager).get("/activities").json()["items"]] == [mine.pk]


def test_it_filters_by_kind_and_day(api_as, rep):
    today = timezone.localdate()
    call = _log(rep)
    _log(rep, kind="email", outcome="sent")
    _log(rep, occurred_at=timezone.now() - timedelta(days=3))
    body = api_as(rep).get("/activities", {"kind": "call", "date_from": today.isoformat()}).json()
    assert [a["id"] for a in body["items"]] == [call.pk]


def test_it_pages(api_as, rep):
    now = timezone.now()
    logged = [_log(rep, occurred_at=now - timedelta(minutes=i)) for i in range(5)]
    body = api_as(rep).get("/activities", {"page": 2, "page_size": 2}).json()
    assert [a["id"] for a in body["items"]] == [logged[2].pk, logged[3].pk]
    assert (body["count"], body["pages"]) == (5, 3)
    assert api_as(rep).get("/activities", {"page": 9, "page_size": 2}).json()["items"] == []


def test_bad_filters_are_refused_by_name(api_as, rep):
    response = api_as(rep).get("/activities", {"kind": "fax", "page_size": 500})
    assert response.status_code == 422
    assert {e["pointer"] for e in response.json()["errors"]} == {"kind", "page_size"}


def test_the_end_before_the_start_is_refused(api_as, rep):
    today = timezone.localdate()
    response = api_as(rep).get(
        "/activities", {"date_from": today.isoformat(), "date_to": (today - timedelta(days=1)).isoformat()}
    )
    assert response.status_code == 422
    assert [e["pointer"] for e in response.json()["errors"]] == ["#/date_to"]


def test_a_rep_reads_their_own_activity_and_not_a_teammates(api_as, rep, teammate):
    mine, theirs = _log(rep), _log(teammate)
    caller = api_as(rep)
    assert caller.get(f"/activities/{mine.pk}").json()["id"] == mine.pk
    response = caller.get(f"/activities/{theirs.pk}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_it_changes_only_the_fields_sent(api_as, rep):
    activity = _log(rep, duration_minutes=3, notes="first")
    response = api_as(rep).patch(f"/activities/{activity.pk}", {"outcome": "voicemail"})
    assert response.status_code == 200
    activity.refresh_from_db()
    assert (activity.outcome, activity.duration_minutes, activity.notes) == ("voicemail", 3, "first")


def test_a_change_that_breaks_a_rule_is_refused_and_nothing_changes(api_as, rep):
    activity = _log(rep)
    response = api_as(rep).patch(f"/activities/{activity.pk}", {"outcome": "sent"})
    assert response.status_code == 422
    assert [e["pointer"] for e in response.json()["errors"]] == ["#/outcome"]
    activity.refresh_from_db()
    assert activity.outcome == "connected"


def test_a_manager_changes_their_reps_activity_but_not_another_teams(api_as, manager, rep, outsider):
    mine, theirs = _log(rep), _log(outsider)
    caller = api_as(manager)
    assert caller.patch(f"/activities/{mine.pk}", {"duration_minutes": 7}).status_code == 200
    assert caller.patch(f"/activities/{theirs.pk}", {"duration_minutes": 7}).status_code == 404
    assert Activity.objects.get(pk=theirs.pk).duration_minutes == 0


def test_the_list_costs_a_fixed_number_of_queries(api_as, rep, django_assert_max_num_queries):
    for _ in range(30):
        _log(rep)
    caller = api_as(rep)
    # token, its use, the count, the page
    with django_assert_max_num_queries(5):
        assert caller.get("/activities", {"page_size": 30}).json()["count"] == 30


def test_answers_are_never_kept_by_a_cache(api_as, rep):
    assert "no-store" in api_as(rep).get("/activities")["Cache-Control"]
