"""Changing the organisation's time zone recomputes every stored local day in the new zone, then
rebuilds the dashboards; the settings page shows the job's progress (METRICS.md "Time zone and
the stored local day").

The job runs eagerly here, right after the settings' commit, as in the embedded setup; the
integration tests run it on a real worker (tests/integration/test_zone_change_worker.py)."""

from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection, connections
from django.urls import reverse
from django.utils import formats, timezone

from activities import services as activity_services
from activities.models import Activity
from dashboards import rollups, tasks, zone_change
from dashboards.models import ActivityDay, DirtyMark
from dashboards.rollups.locks import LOCK_ZONE_CHANGE
from pipeline.models import DealChange, StageChange
from quotas import services
from quotas.models import OrgSettings, ZoneChange, ZoneChangeStatus
from quotas.organisation import forget_org_time_zone
from tests.factories import make_deal

# 23:30 UTC on 1 March 2026 is 12:30 on 2 March in Auckland (UTC+13 in March).
LATE_EVENING_UTC = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)

SETTINGS = {
    "fiscal_year_start_month": "1",
    "time_zone": "UTC",
    "currency": "USD",
    "default_deal_size": "25000",
    "meeting_to_win_percent": "25",
    "call_to_meeting_percent": "5",
    "quiet_days": "14",
    "activity_drop_percent": "60",
}


def _change_zone(to: str, capture, *, by=None) -> None:
    org = OrgSettings.load()
    org.time_zone = to
    with capture(execute=True):
        services.org_settings_save(org_settings=org, by=by)


def _calls_by_day(rep) -> dict[date, int]:
    return dict(ActivityDay.objects.filter(rep=rep, kind="call").values_list("day", "count"))


def test_changing_utc_to_auckland_moves_a_late_evening_call_and_its_counts_to_the_next_day(
    rep, django_capture_on_commit_callbacks
):
    call = activity_services.activity_log(
        owner=rep, by=rep, kind="call", outcome="connected", occurred_at=LATE_EVENING_UTC, created_at=LATE_EVENING_UTC
    )
    rollups.drain()
    assert (call.day, call.created_day) == (date(2026, 3, 1), date(2026, 3, 1))
    assert _calls_by_day(rep) == {date(2026, 3, 1): 1}

    _change_zone("Pacific/Auckland", django_capture_on_commit_callbacks)

    call.refresh_from_db()
    assert (call.day, call.created_day) == (date(2026, 3, 2), date(2026, 3, 2))
    assert _calls_by_day(rep) == {date(2026, 3, 2): 1}
    change = ZoneChange.objects.get()
    assert (change.from_zone, change.to_zone, change.status) == ("UTC", "Pacific/Auckland", ZoneChangeStatus.DONE)
    assert change.rows_done == change.rows_total == 1
    assert change.started_at <= change.finished_at
    assert rollups.verify() == []


def test_changing_the_zone_moves_the_day_of_a_stage_change(rep, django_capture_on_commit_callbacks):
    deal = make_deal(owner=rep, created_at=LATE_EVENING_UTC)
    first = StageChange.objects.get(deal=deal)
    assert first.day == DealChange.objects.get(deal=deal).day == date(2026, 3, 1)

    _change_zone("Pacific/Auckland", django_capture_on_commit_callbacks)

    assert StageChange.objects.get(pk=first.pk).day == date(2026, 3, 2)
    assert DealChange.objects.get(deal=deal).day == date(2026, 3, 2)
    assert ZoneChange.objects.get().rows_done == 2  # one stage change and its deal change, no activity


def test_changing_the_zone_converts_rows_in_batches_and_counts_every_row(
    rep, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr("dashboards.zone_change.BATCH", 2)
    for hour in range(5):
        activity_services.activity_log(
            owner=rep, by=rep, kind="call", outcome="connected", occurred_at=LATE_EVENING_UTC.replace(hour=19 + hour)
        )
    _change_zone("Pacific/Auckland", django_capture_on_commit_callbacks)
    # 19:30 to 23:30 UTC on 1 March are 08:30 to 12:30 on 2 March in Auckland.
    assert set(Activity.objects.values_list("day", flat=True)) == {date(2026, 3, 2)}
    change = ZoneChange.objects.get()
    assert (change.rows_done, change.rows_total) == (5, 5)


def test_saving_the_settings_without_a_new_zone_starts_no_job(db, django_capture_on_commit_callbacks):
    org = OrgSettings.load()
    org.currency = "EUR"
    with django_capture_on_commit_callbacks(execute=True):
        services.org_settings_save(org_settings=org)
    assert not ZoneChange.objects.exists()


def test_refreshes_wait_while_a_zone_change_runs(rep):
    ZoneChange.objects.create(from_zone="UTC", to_zone="Pacific/Auckland", status=ZoneChangeStatus.CONVERTING)
    activity_services.activity_log(owner=rep, by=rep, kind="call", outcome="connected", occurred_at=LATE_EVENING_UTC)
    assert rollups.drain() == 0
    assert DirtyMark.objects.exists()  # kept for the change's rebuild
    assert not ActivityDay.objects.exists()


def test_the_nightly_rebuild_waits_while_a_zone_change_runs(rep):
    ZoneChange.objects.create(from_zone="UTC", to_zone="Pacific/Auckland", status=ZoneChangeStatus.QUEUED)
    activity_services.activity_log(owner=rep, by=rep, kind="call", outcome="connected", occurred_at=LATE_EVENING_UTC)
    tasks.rebuild_rollups.run()
    assert not ActivityDay.objects.exists()


# --- a second change, a failure ------------------------------------------------------------------


def test_it_refuses_another_zone_while_a_change_runs(client_as, admin_user):
    ZoneChange.objects.create(
        from_zone="UTC", to_zone="Pacific/Auckland", status=ZoneChangeStatus.CONVERTING, rows_done=2000, rows_total=5000
    )
    OrgSettings.objects.create(pk=1, time_zone="Pacific/Auckland")
    response = client_as(admin_user).post(reverse("quotas:org_settings"), {**SETTINGS, "time_zone": "Europe/Berlin"})
    assert response.status_code == 200
    assert response.context["form"].errors["time_zone"] == [
        "The time zone is still being changed to Pacific/Auckland (2,000 of 5,000 rows done). "
        "Choose another one once that has finished."
    ]
    assert OrgSettings.load().time_zone == "Pacific/Auckland"
    assert ZoneChange.objects.count() == 1


def test_other_settings_save_while_a_zone_change_runs(client_as, admin_user):
    ZoneChange.objects.create(from_zone="UTC", to_zone="Pacific/Auckland", status=ZoneChangeStatus.CONVERTING)
    OrgSettings.objects.create(pk=1, time_zone="Pacific/Auckland")
    data = {**SETTINGS, "time_zone": "Pacific/Auckland", "currency": "NZD"}
    response = client_as(admin_user).post(reverse("quotas:org_settings"), data)
    assert response.status_code == 302
    assert OrgSettings.load().currency == "NZD"
    assert ZoneChange.objects.count() == 1


def test_a_failed_change_shows_its_error_and_can_be_started_again(
    client_as, admin_user, rep, django_capture_on_commit_callbacks, monkeypatch
):
    activity_services.activity_log(owner=rep, by=rep, kind="call", outcome="connected", occurred_at=LATE_EVENING_UTC)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("dashboards.zone_change.local_days_recompute", broken)
    _change_zone("Pacific/Auckland", django_capture_on_commit_callbacks, by=admin_user)
    change = ZoneChange.objects.get()
    assert (change.status, change.error) == (ZoneChangeStatus.FAILED, "RuntimeError: disk full")
    assert not ZoneChange.objects.active().exists()  # the refreshes run again meanwhile

    client = client_as(admin_user)
    page = client.get(reverse("quotas:org_settings")).content.decode()
    assert "Changing the time zone to Pacific/Auckland failed" in page
    assert "RuntimeError: disk full" in page
    assert reverse("quotas:zone_change_retry") in page

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("quotas:zone_change_retry"))
    assert response.url == reverse("quotas:org_settings")
    change.refresh_from_db()
    assert (change.status, change.error, change.rows_done) == (ZoneChangeStatus.DONE, "", 1)
    assert Activity.objects.get().day == date(2026, 3, 2)


def test_it_refuses_to_start_again_a_change_that_did_not_fail(client_as, admin_user):
    ZoneChange.objects.create(from_zone="UTC", to_zone="Pacific/Auckland", status=ZoneChangeStatus.DONE)
    response = client_as(admin_user).post(reverse("quotas:zone_change_retry"), follow=True)
    assert (
        "Only the latest time zone change, once it has failed or stopped making progress, can be started again."
        in response.content.decode()
    )
    assert ZoneChange.objects.get().status == ZoneChangeStatus.DONE


def test_a_queue_that_cannot_take_the_job_fails_the_change(db, django_capture_on_commit_callbacks, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("Connection refused")

    monkeypatch.setattr(tasks.change_time_zone, "delay", refuse)
    _change_zone("Pacific/Auckland", django_capture_on_commit_callbacks)
    assert OrgSettings.load().time_zone == "Pacific/Auckland"  # the settings are saved
    change = ZoneChange.objects.get()
    assert change.status == ZoneChangeStatus.FAILED
    assert change.error == "Could not reach the task queue: OSError: Connection refused"


def test_a_duplicate_delivery_of_a_finished_change_does_nothing(rep, django_capture_on_commit_callbacks):
    activity_services.activity_log(owner=rep, by=rep, kind="call", outcome="connected", occurred_at=LATE_EVENING_UTC)
    _change_zone("Pacific/Auckland", django_capture_on_commit_callbacks)
    change = ZoneChange.objects.get()
    Activity.objects.update(day=date(2026, 3, 1))
    tasks.change_time_zone.run(change.pk)
    assert Activity.objects.get().day == date(2026, 3, 1)  # left alone: the change had finished
    assert ZoneChange.objects.get().finished_at == change.finished_at


# --- a lost job, two workers ---------------------------------------------------------------------

LONG_AGO = ZoneChange.STUCK_AFTER + timedelta(minutes=1)


def _zone_saved_with_change(status: str, *, since: timedelta, **fields) -> ZoneChange:
    """The zone saved as Auckland, its change ``status`` with its last progress ``since`` ago and no
    message on any queue (the broker lost it, or its worker died)."""
    OrgSettings.objects.create(pk=1, time_zone="Pacific/Auckland")
    forget_org_time_zone()  # as saving the settings does
    moment = timezone.now() - since
    started = moment if status != ZoneChangeStatus.QUEUED else None
    return ZoneChange.objects.create(
        from_zone="UTC", to_zone="Pacific/Auckland", status=status, progress_at=moment, started_at=started, **fields
    )


@contextmanager
def _another_worker_holds(change: ZoneChange):
    """What a worker running ``change`` holds: on PostgreSQL its lock, on a connection of its own."""
    if connection.vendor != "postgresql":
        yield
        return
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_ZONE_CHANGE, change.pk])
        yield
    finally:
        other.close()


@pytest.mark.parametrize("status", [ZoneChangeStatus.QUEUED, ZoneChangeStatus.CONVERTING, ZoneChangeStatus.REBUILDING])
def test_the_drain_sends_a_stuck_change_again_and_it_finishes(rep, django_capture_on_commit_callbacks, status):
    call = activity_services.activity_log(
        owner=rep, by=rep, kind="call", outcome="connected", occurred_at=LATE_EVENING_UTC
    )
    change = _zone_saved_with_change(status, since=LONG_AGO, rows_done=7, rows_total=9)
    assert change.is_stuck

    with django_capture_on_commit_callbacks(execute=True):
        tasks.drain_rollups.run()

    change.refresh_from_db()
    assert (change.status, change.rows_done, change.rows_total) == (ZoneChangeStatus.DONE, 1, 1)
    call.refresh_from_db()
    assert call.day == date(2026, 3, 2)
    assert _calls_by_day(rep) == {date(2026, 3, 2): 1}  # refreshes went on after it


def test_the_drain_leaves_a_change_that_made_progress_lately(db, django_capture_on_commit_callbacks):
    change = _zone_saved_with_change(ZoneChangeStatus.QUEUED, since=ZoneChange.STUCK_AFTER - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        tasks.drain_rollups.run()
    assert callbacks == []
    assert ZoneChange.objects.get().progress_at == change.progress_at
    assert not change.is_stuck


def test_a_change_another_worker_is_running_is_not_run_twice(rep):
    activity_services.activity_log(owner=rep, by=rep, kind="call", outcome="connected", occurred_at=LATE_EVENING_UTC)
    change = _zone_saved_with_change(ZoneChangeStatus.CONVERTING, since=timedelta(seconds=5), rows_done=0, rows_total=1)
    with _another_worker_holds(change):
        tasks.change_time_zone.run(change.pk)  # a second delivery of the same job
    assert Activity.objects.get().day == date(2026, 3, 1)
    row = ZoneChange.objects.get()
    assert (row.status, row.started_at, row.progress_at) == (change.status, change.started_at, change.progress_at)


@pytest.mark.postgres
def test_a_slow_change_whose_worker_still_holds_it_is_neither_sent_again_nor_run_twice(
    rep, django_capture_on_commit_callbacks
):
    activity_services.activity_log(owner=rep, by=rep, kind="call", outcome="connected", occurred_at=LATE_EVENING_UTC)
    change = _zone_saved_with_change(ZoneChangeStatus.REBUILDING, since=LONG_AGO)
    with _another_worker_holds(change):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            assert zone_change.zone_change_resume() == []
        tasks.change_time_zone.run(change.pk)
    assert callbacks == []
    assert Activity.objects.get().day == date(2026, 3, 1)
    assert ZoneChange.objects.get().status == ZoneChangeStatus.REBUILDING


def test_a_run_whose_change_was_started_again_stops_without_failing_it(rep, monkeypatch):
    activity_services.activity_log(owner=rep, by=rep, kind="call", outcome="connected", occurred_at=LATE_EVENING_UTC)
    change = _zone_saved_with_change(ZoneChangeStatus.QUEUED, since=timedelta(0))
    batches = zone_change._batches

    def retried_meanwhile(model):
        # An admin's retry while this run converts: the change is queued again, without its claim.
        ZoneChange.objects.update(status=ZoneChangeStatus.QUEUED, started_at=None, rows_done=0)
        yield from batches(model)

    monkeypatch.setattr(zone_change, "_batches", retried_meanwhile)
    tasks.change_time_zone.run(change.pk)
    row = ZoneChange.objects.get()
    assert (row.status, row.error, row.rows_done) == (ZoneChangeStatus.QUEUED, "", 0)  # left for the new run
    assert Activity.objects.get().day == date(2026, 3, 1)  # its batch was rolled back


def test_the_settings_page_says_a_change_is_stuck_and_retry_finishes_it(
    client_as, admin_user, rep, django_capture_on_commit_callbacks
):
    activity_services.activity_log(owner=rep, by=rep, kind="call", outcome="connected", occurred_at=LATE_EVENING_UTC)
    change = _zone_saved_with_change(ZoneChangeStatus.CONVERTING, since=LONG_AGO, rows_done=0, rows_total=1)
    client = client_as(admin_user)
    page = client.get(reverse("quotas:org_settings")).content.decode()
    with timezone.override("Pacific/Auckland"):
        since = formats.date_format(timezone.localtime(change.progress_at), "SHORT_DATETIME_FORMAT")
    assert f"No progress since {since}: the job was probably lost" in page
    assert 'data-testid="zone-change-stuck"' in page
    assert f'action="{reverse("quotas:zone_change_retry")}"' in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("quotas:zone_change_retry"))
    assert response.url == reverse("quotas:org_settings")
    change.refresh_from_db()
    assert (change.status, change.rows_done) == (ZoneChangeStatus.DONE, 1)
    assert Activity.objects.get().day == date(2026, 3, 2)
    assert "Started the time zone change again." in client.get(reverse("quotas:org_settings")).content.decode()


def test_the_system_status_page_and_the_polled_part_say_a_change_is_stuck_too(client_as, admin_user):
    _zone_saved_with_change(ZoneChangeStatus.QUEUED, since=LONG_AGO)
    client = client_as(admin_user)
    for page in (
        client.get(reverse("dashboards:system_status")).content.decode(),
        client.get(reverse("quotas:zone_change"), headers={"HX-Request": "true"}).content.decode(),
    ):
        assert 'data-testid="zone-change-stuck"' in page
        assert f'action="{reverse("quotas:zone_change_retry")}"' in page


def test_a_change_making_progress_offers_no_retry(client_as, admin_user):
    _zone_saved_with_change(ZoneChangeStatus.CONVERTING, since=timedelta(seconds=5), rows_done=2, rows_total=5)
    page = client_as(admin_user).get(reverse("quotas:org_settings")).content.decode()
    assert "No progress since" not in page
    assert reverse("quotas:zone_change_retry") not in page
    response = client_as(admin_user).post(reverse("quotas:zone_change_retry"), follow=True)
    assert "stopped making progress, can be started again" in response.content.decode()
    assert ZoneChange.objects.get().status == ZoneChangeStatus.CONVERTING


# --- what the admin sees -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name", ["quotas:org_settings", "dashboards:system_status"], ids=["settings", "system status"]
)
def test_the_page_shows_a_running_change_with_its_progress_and_polls_it(client_as, admin_user, url_name):
    ZoneChange.objects.create(
        from_zone="UTC", to_zone="Pacific/Auckland", status=ZoneChangeStatus.CONVERTING, rows_done=2000, rows_total=5000
    )
    page = client_as(admin_user).get(reverse(url_name)).content.decode()
    assert "Recomputing every stored day in Pacific/Auckland: 2,000 of 5,000 rows done" in page
    assert f'hx-get="{reverse("quotas:zone_change")}" hx-trigger="every 2s"' in page
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page  # a reload without JavaScript


def test_the_progress_fragment_is_the_part_alone(client_as, admin_user):
    ZoneChange.objects.create(
        from_zone="UTC", to_zone="Pacific/Auckland", status=ZoneChangeStatus.REBUILDING, rows_done=5000, rows_total=5000
    )
    response = client_as(admin_user).get(reverse("quotas:zone_change"), headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.strip().startswith('<section id="zone-change"')
    assert "Every stored day is in Pacific/Auckland (5,000 rows). Rebuilding the dashboards" in body
    assert "<form" not in body  # not the settings form


def test_the_page_says_when_the_change_finished_and_stops_polling(
    client_as, admin_user, rep, django_capture_on_commit_callbacks
):
    activity_services.activity_log(owner=rep, by=rep, kind="call", outcome="connected", occurred_at=LATE_EVENING_UTC)
    client = client_as(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("quotas:org_settings"), {**SETTINGS, "time_zone": "Pacific/Auckland"})
    assert response.status_code == 302
    change = ZoneChange.objects.get()
    assert change.requested_by == admin_user
    page = client.get(reverse("quotas:org_settings")).content.decode()
    assert "The time zone changed from UTC to Pacific/Auckland: the day of 1 row was recomputed" in page
    with timezone.override("Pacific/Auckland"):  # pages show times in the organisation's zone
        finished = formats.date_format(timezone.localtime(change.finished_at), "SHORT_DATETIME_FORMAT")
    assert f"finished {finished}." in page
    assert "every 2s" not in page and 'http-equiv="refresh"' not in page


def test_the_settings_page_says_nothing_of_a_change_before_the_first(client_as, admin_user):
    page = client_as(admin_user).get(reverse("quotas:org_settings")).content.decode()
    assert 'id="zone-change"' not in page


# --- who may -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["rep", "teammate", "manager", "outsider"])
def test_only_an_admin_changes_the_zone(db, client_as, request, who):
    response = client_as(request.getfixturevalue(who)).post(
        reverse("quotas:org_settings"), {**SETTINGS, "time_zone": "Pacific/Auckland"}
    )
    assert response.status_code == 403
    assert OrgSettings.load().time_zone == "UTC"
    assert not ZoneChange.objects.exists()


@pytest.mark.parametrize("status", [ZoneChangeStatus.FAILED, ZoneChangeStatus.QUEUED], ids=["failed", "stuck"])
@pytest.mark.parametrize("who", ["rep", "teammate", "manager", "outsider"])
def test_only_an_admin_starts_a_failed_or_stuck_change_again(db, client_as, request, who, status):
    change = ZoneChange.objects.create(
        from_zone="UTC", to_zone="Pacific/Auckland", status=status, progress_at=timezone.now() - LONG_AGO
    )
    user = request.getfixturevalue(who)
    assert client_as(user).post(reverse("quotas:zone_change_retry")).status_code == 403
    assert client_as(user).get(reverse("quotas:zone_change")).status_code == 403
    assert ZoneChange.objects.get().progress_at == change.progress_at
    assert ZoneChange.objects.get().status == status


def test_a_new_zone_saved_in_django_admin_starts_the_job_too(client, rep, django_capture_on_commit_callbacks):
    from accounts.models import User

    superuser = User.objects.create_superuser("root", "root@example.com", "pw-long-enough")
    activity_services.activity_log(owner=rep, by=rep, kind="call", outcome="connected", occurred_at=LATE_EVENING_UTC)
    OrgSettings.load()
    client.force_login(superuser)
    data = {
        "fiscal_year_start_month": "1",
        "time_zone": "Pacific/Auckland",
        "currency": "USD",
        "default_deal_size": "25000",
        "default_meeting_to_win_rate": "0.25",
        "default_call_to_meeting_rate": "0.05",
        "quiet_days": "14",
        "activity_drop_percent": "60",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:quotas_orgsettings_change", args=[1]), data)
    assert response.status_code == 302
    assert ZoneChange.objects.get().status == ZoneChangeStatus.DONE
    assert Activity.objects.get().day == date(2026, 3, 2)
    # While a change runs, the admin form shows the zone without letting it change.
    ZoneChange.objects.create(from_zone="Pacific/Auckland", to_zone="UTC", status=ZoneChangeStatus.QUEUED)
    form = client.get(reverse("admin:quotas_orgsettings_change", args=[1])).context["adminform"].form
    assert "time_zone" not in form.fields
