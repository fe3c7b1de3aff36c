"""Every write path marks the rollup keys it touches, and a drain makes the rows right again.

Each test starts from rows that match a fresh recompute, writes through one
real path (a page through the test client, the board, Django admin, the CSV
import, a service), and checks: the rows are stale, the write left dirty
marks, one refresh was queued for its transaction, and a drain brings the
rows back to exactly what a full recompute says (``rollups.verify() == []``).
"""

import logging
import threading
import time
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from accounts.models import Role
from activities import importers
from activities import services as activity_services
from activities.models import Activity, ImportStatus
from dashboards import marks, rollups, tasks
from dashboards.models import ActivityDay, Attainment, ClosedDay, DirtyMark, StageRollup
from pipeline import services as pipeline_services
from quotas import services as quota_services
from quotas.models import Quota
from quotas.periods import Period
from tests.dashboards.rollups.helpers import calls, days_ago, in_thread, today
from tests.factories import (
    CompanyFactory,
    LostReasonFactory,
    RepFactory,
    TerritoryFactory,
    make_deal,
    make_pipeline,
    stage,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def refreshed(django_capture_on_commit_callbacks):
    """``with refreshed(): <one write>``: rows right before; after it, stale and marked, one
    refresh queued per transaction, and right again after a drain."""

    @contextmanager
    def check(*, stale: bool = True, transactions: int = 1):
        rollups.rebuild()
        assert rollups.verify() == []
        assert not DirtyMark.objects.exists()
        # The test runs in one transaction that never commits, so the refresh the setup's writes
        # queued is still pending, and marks queue one refresh per transaction: forget it, as
        # the setup's commit would have, so the one this write queues shows.
        connection.run_on_commit[:] = [entry for entry in connection.run_on_commit if entry[1] is not marks._enqueue]
        with django_capture_on_commit_callbacks() as callbacks:
            yield
        assert DirtyMark.objects.exists(), "the write left no dirty mark"
        assert sum(callback is marks._enqueue for callback in callbacks) == transactions
        if stale:
            assert rollups.verify() != [], "the write changed no rollup row (a weak test)"
        rollups.drain()
        assert not DirtyMark.objects.exists()
        assert rollups.verify() == []

    return check


def local_input(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def log_data(**overrides):
    data = {"kind": "call", "outcome": "connected", "who": "", "occurred_at": "", "duration_minutes": "", "notes": ""}
    return data | overrides


def entered(rep, pipeline, name, kind="month", day=None):
    start = Period.containing(day or today(), kind).start
    row = StageRollup.objects.filter(rep=rep, stage=stage(pipeline, name), period_kind=kind, period_start=start).first()
    return row and row.entered


# --- activities -------------------------------------------------------------------------


def test_the_quick_log_panel_marks_the_reps_day(client_as, rep, refreshed):
    with refreshed():
        response = client_as(rep).post(reverse("activities:log"), log_data(duration_minutes="7"), **HTMX)
    assert response.status_code == 200
    assert calls(rep) == (1, 7, 1)


def test_the_full_page_log_form_marks_the_reps_day(client_as, rep, refreshed):
    with refreshed():
        response = client_as(rep).post(reverse("activities:log"), log_data(outcome="no_answer"))
    assert response.status_code == 302
    assert calls(rep) == (1, 0, 0)


def test_a_manager_logging_for_a_rep_marks_the_reps_day(client_as, manager, rep, refreshed):
    with refreshed():
        client_as(manager).post(reverse("activities:log"), log_data(owner=rep.pk), **HTMX)
    assert calls(rep) == (1, 0, 1)
    assert not ActivityDay.objects.filter(rep=manager).exists()


def test_editing_an_activity_moves_it_to_its_new_day(client_as, rep, refreshed):
    call = activity_services.activity_log(owner=rep, by=rep, kind="call", outcome="connected")
    two_days_ago = days_ago(2)
    with refreshed():
        response = client_as(rep).post(
            reverse("activities:edit", args=[call.pk]), log_data(occurred_at=local_input(two_days_ago))
        )
    assert response.status_code == 302
    assert calls(rep) is None
    assert calls(rep, timezone.localdate(two_days_ago)) == (1, 0, 1)


def test_deleting_an_activity_removes_it_from_its_day(client_as, rep, refreshed):
    activity_services.activity_log(owner=rep, by=rep, kind="call", outcome="connected")
    call = activity_services.activity_log(owner=rep, by=rep, kind="call", outcome="voicemail")
    with refreshed():
        response = client_as(rep).post(reverse("activities:delete", args=[call.pk]))
    assert response.status_code == 302
    assert calls(rep) == (1, 0, 1)


def test_marking_a_meeting_held_counts_it_held(client_as, rep, refreshed):
    meeting = activity_services.activity_log(
        owner=rep, by=rep, kind="meeting", outcome="scheduled", occurred_at=days_ago(0) - timedelta(minutes=1)
    )
    with refreshed():
        response = client_as(rep).post(reverse("activities:mark", args=[meeting.pk]), {"outcome": "positive"}, **HTMX)
    assert response.status_code == 200
    row = ActivityDay.objects.get(rep=rep, day=timezone.localdate(meeting.occurred_at), kind="meeting")
    assert (row.held, row.positive) == (1, 1)


def test_a_follow_up_logged_on_a_deal_counts_for_its_stage(client_as, rep, pipeline, refreshed):
    deal = make_deal(owner=rep, pipeline=pipeline, stage_name="Qualified")
    with refreshed():
        client_as(rep).post(reverse("activities:log"), log_data(deal=deal.pk, who=deal.title), **HTMX)
    start = Period.containing(today(), "week").start
    row = StageRollup.objects.get(rep=rep, stage=stage(pipeline, "Qualified"), period_kind="week", period_start=start)
    assert row.followups == 1


def test_the_csv_import_marks_every_day_it_writes(rep, teammate, manager, pipeline, refreshed):
    deal = make_deal(owner=rep, pipeline=pipeline, stage_name="Demo", title="Acme - 50 seats")
    days = [timezone.localdate() - timedelta(days=n) for n in (1, 2, 9)]
    header = ",".join(importers.FIELD_NAMES)
    lines = [
        f"owner,call,connected,{days[0]:%Y-%m-%d} 10:00,5,,,,,",
        f"owner,call,no_answer,{days[0]:%Y-%m-%d} 11:00,1,,,,,",
        f"teammate,email,replied,{days[1]:%Y-%m-%d} 09:00,,,,,,",
        f"owner,demo,held,{days[2]:%Y-%m-%d} 14:00,60,,,Acme - 50 seats,,",
    ]
    job = importers.import_create(by=manager, file_name="week.csv", content="\n".join([header, *lines]) + "\n")
    importers.import_map(job=job, mapping={name: index for index, name in enumerate(importers.FIELD_NAMES)})
    assert importers.import_validate(import_id=job.pk) == ImportStatus.READY, job.errors
    job.refresh_from_db()
    assert importers.import_confirm(job=job)
    with refreshed():
        assert importers.import_run(import_id=job.pk) == 4
    assert calls(rep, days[0]) == (2, 6, 1)
    assert ActivityDay.objects.get(rep=teammate, day=days[1], kind="email").replied == 1
    demo = ActivityDay.objects.get(rep=rep, day=days[2], kind="demo")
    assert (demo.count, demo.held, demo.minutes) == (1, 1, 60)
    # Booked on the day of the import, whatever the meeting's date.
    assert ActivityDay.objects.get(rep=rep, day=today(), kind="demo").booked == 1
    week = Period.containing(days[2], "week").start
    assert StageRollup.objects.get(rep=rep, stage=deal.stage, period_kind="week", period_start=week).followups == 1


# --- deals ------------------------------------------------------------------------------


def _board_headers(pipeline):
    url = reverse("pipeline:pipeline_board", args=[pipeline.pk])
    return {"HX-Request": "true", "HX-Current-URL": f"http://testserver{url}"}


def test_creating_a_deal_on_its_page_counts_it_entered(client_as, rep, pipeline, refreshed):
    company = CompanyFactory(owner=rep)
    data = {
        "title": "Globex expansion",
        "company": company.pk,
        "owner": "",
        "pipeline": pipeline.pk,
        "stage": stage(pipeline, "Lead").pk,
        "amount": "2500",
        "units": "0",
        "deal_type": "new_business",
    }
    with refreshed():
        response = client_as(rep).post(reverse("pipeline:deal_create"), data)
        assert response.status_code == 302, response.context["form"].errors
    assert entered(rep, pipeline, "Lead") == 1


def test_a_move_on_the_board_counts_the_advance(client_as, rep, pipeline, refreshed):
    deal = make_deal(owner=rep, pipeline=pipeline, created_at=days_ago(1))
    with refreshed():
        response = client_as(rep).post(
            reverse("pipeline:deal_move", args=[deal.pk]),
            {"stage": stage(pipeline, "Demo").pk},
            headers=_board_headers(pipeline),
        )
    assert response.status_code == 200
    assert entered(rep, pipeline, "Demo", "week") == 1
    lead_week = Period.containing(timezone.localdate(deal.created_at), "week").start
    lead = StageRollup.objects.get(rep=rep, stage=stage(pipeline, "Lead"), period_kind="week", period_start=lead_week)
    assert lead.advanced == 1


def test_a_win_on_the_board_counts_revenue_and_attainment(client_as, rep, pipeline, refreshed):
    deal = make_deal(owner=rep, pipeline=pipeline, amount="1200")
    q = quota_services.quota_set(by=None, period=Period.containing(today(), "month"), target=Decimal("2400"), rep=rep)
    with refreshed():
        client_as(rep).post(
            reverse("pipeline:deal_move", args=[deal.pk]),
            {"stage": stage(pipeline, "Won").pk, "closed_on": today().isoformat()},
            headers=_board_headers(pipeline),
        )
    assert ClosedDay.objects.get(rep=rep, day=today()).amount == Decimal("1200")
    assert Attainment.objects.get(quota=q).attainment == Decimal("0.5")


def test_reopening_a_won_deal_takes_it_out_of_revenue(client_as, rep, pipeline, refreshed):
    deal = make_deal(owner=rep, pipeline=pipeline, amount="1200")
    pipeline_services.deal_move(deal=deal, to_stage=stage(pipeline, "Won"), by=rep, closed_on=today())
    with refreshed():
        client_as(rep).post(reverse("pipeline:deal_move", args=[deal.pk]), {"stage": stage(pipeline, "Proposal").pk})
    assert not ClosedDay.objects.exists()


def test_a_manager_reassigning_a_deal_moves_its_figures(client_as, manager, rep, teammate, pipeline, refreshed):
    deal = make_deal(owner=rep, pipeline=pipeline, amount="1000", created_at=days_ago(3))
    pipeline_services.deal_move(deal=deal, to_stage=stage(pipeline, "Demo"), by=rep, at=days_ago(2))
    pipeline_services.deal_move(deal=deal, to_stage=stage(pipeline, "Won"), by=rep, closed_on=today())
    data = {
        "title": deal.title,
        "company": deal.company_id,
        "contact": "",
        "owner": teammate.pk,
        "amount": "1000",
        "units": "0",
        "deal_type": deal.deal_type,
        "lead_source": "",
        "expected_close_date": "",
    }
    with refreshed():
        response = client_as(manager).post(reverse("pipeline:deal_edit", args=[deal.pk]), data)
        assert response.status_code == 302, response.context["form"].errors
    assert not StageRollup.objects.filter(rep=rep).exists()
    assert not ClosedDay.objects.filter(rep=rep).exists()
    assert ClosedDay.objects.get(rep=teammate).amount == Decimal("1000")
    assert StageRollup.objects.filter(rep=teammate, stage=stage(pipeline, "Lead")).exists()


def test_an_admin_change_of_a_deal_marks_it(client_as, rep, teammate, pipeline, refreshed):
    from accounts.models import User

    superuser = User.objects.create_superuser("root", "root@example.com", "pw-long-enough")
    deal = make_deal(owner=rep, pipeline=pipeline, amount="1000")
    pipeline_services.deal_move(deal=deal, to_stage=stage(pipeline, "Won"), by=rep, closed_on=today())
    data = {
        "title": deal.title,
        "company": deal.company_id,
        "contact": "",
        "owner": teammate.pk,
        "amount": "1750",
        "units": "3",
        "deal_type": deal.deal_type,
        "lead_source": "",
        "expected_close_date": "",
        "closed_on": today().isoformat(),
        "lost_reason": "",
        "competitor": "",
    }
    with refreshed():
        response = client_as(superuser).post(reverse("admin:pipeline_deal_change", args=[deal.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    closed = ClosedDay.objects.get()
    assert (closed.rep, closed.amount, closed.units) == (teammate, Decimal("1750"), 3)


def test_a_company_moving_territory_moves_its_closed_deals(rep, pipeline, refreshed):
    company = CompanyFactory(owner=rep, territory=TerritoryFactory(name="North"))
    deal = make_deal(owner=rep, pipeline=pipeline, company=company)
    pipeline_services.deal_move(
        deal=deal, to_stage=stage(pipeline, "Lost"), by=rep, closed_on=today(), lost_reason=LostReasonFactory()
    )
    south = TerritoryFactory(name="South")
    company.territory, company.segment = south, "enterprise"
    with refreshed():
        pipeline_services.company_save(company=company)
    assert list(ClosedDay.objects.values_list("territory_id", "segment", "won")) == [(south.pk, "enterprise", False)]


# --- quotas, teams, stages ----------------------------------------------------------------


def test_editing_and_deleting_a_quota_through_the_service(rep, pipeline, refreshed):
    deal = make_deal(owner=rep, pipeline=pipeline, amount="1000")
    pipeline_services.deal_move(deal=deal, to_stage=stage(pipeline, "Won"), by=rep, closed_on=today())
    month = Period.containing(today(), "month")
    q = quota_services.quota_set(by=None, period=month, target=Decimal("4000"), rep=rep)
    with refreshed():
        quota_services.quota_set(by=None, period=month, target=Decimal("2000"), rep=rep, stretch_percent=200)
    assert Attainment.objects.filter(quota=q).values_list("target", "attainment", "stretch_attainment").get() == (
        Decimal("2000"),
        Decimal("0.5"),
        Decimal("0.25"),
    )
    quota_services.quota_delete(quota=q, by=None)
    assert not Attainment.objects.exists()
    assert rollups.verify() == []


def test_moving_a_rep_to_another_team_on_the_users_page(
    client_as, admin_user, rep, outsider, team, pipeline, refreshed
):
    deal = make_deal(owner=rep, pipeline=pipeline, amount="1000")
    pipeline_services.deal_move(deal=deal, to_stage=stage(pipeline, "Won"), by=rep, closed_on=today())
    quarter = Period.containing(today(), "quarter")
    ours = quota_services.quota_set(by=None, period=quarter, target=Decimal("4000"), team=team)
    theirs = quota_services.quota_set(by=None, period=quarter, target=Decimal("4000"), team=outsider.team)
    with refreshed():
        response = client_as(admin_user).post(
            reverse("accounts:user_edit", kwargs={"user_id": rep.pk}),
            {"username": rep.username, "role": Role.REP, "team": outsider.team.pk, "is_active": "on"},
        )
    assert response.status_code == 302
    assert Attainment.objects.get(quota=ours).achieved == 0
    assert Attainment.objects.get(quota=theirs).achieved == Decimal("1000")


def test_reordering_stages_rebuilds_everything(client_as, admin_user, rep, pipeline, refreshed):
    deal = make_deal(owner=rep, pipeline=pipeline, created_at=days_ago(1))
    pipeline_services.deal_move(deal=deal, to_stage=stage(pipeline, "Demo"), by=rep)
    new_order = ["Demo", "Lead", "Qualified", "Proposal", "Won", "Lost"]
    ids = [stage(pipeline, name).pk for name in new_order]
    with refreshed():
        response = client_as(admin_user).post(
            reverse("pipeline:stage_reorder", kwargs={"pipeline_id": pipeline.pk}), {"stage": ids}
        )
        assert DirtyMark.objects.filter(scope="all").exists()
    assert response.status_code == 302
    # Demo now comes before Lead: the move was not an advance.
    assert not StageRollup.objects.filter(stage=stage(pipeline, "Lead"), advanced__gt=0).exists()


def test_changing_a_stage_order_in_its_form_rebuilds_everything(rep, pipeline, refreshed):
    deal = make_deal(owner=rep, pipeline=pipeline, created_at=days_ago(1))
    pipeline_services.deal_move(deal=deal, to_stage=stage(pipeline, "Demo"), by=rep)
    lead = stage(pipeline, "Lead")
    lead.order = 10
    with refreshed():
        pipeline_services.stage_save(stage=lead)
    assert not StageRollup.objects.filter(stage=lead, advanced__gt=0).exists()


# --- the queue -------------------------------------------------------------------------------


def test_one_refresh_is_queued_per_transaction(rep, pipeline, django_capture_on_commit_callbacks):
    deal = make_deal(owner=rep, pipeline=pipeline)
    connection.run_on_commit[:] = [entry for entry in connection.run_on_commit if entry[1] is not marks._enqueue]
    with django_capture_on_commit_callbacks() as callbacks:
        # A move writes a stage change and saves the deal: two marks, one refresh.
        pipeline_services.deal_move(deal=deal, to_stage=stage(pipeline, "Demo"), by=rep)
    assert DirtyMark.objects.filter(scope="pipeline").count() >= 2
    assert [callback for callback in callbacks if callback is marks._enqueue] == [marks._enqueue]


def test_a_write_succeeds_while_the_broker_is_down_and_the_failure_is_logged_once(
    rep, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(marks, "_broker_down_since", None)
    attempts = []

    def broker_down():
        attempts.append("down")
        raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    def log_a_call():
        """One request's transaction: the call is saved and, at its commit, a refresh is enqueued."""
        connection.run_on_commit[:] = [entry for entry in connection.run_on_commit if entry[1] is not marks._enqueue]
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            activity_services.activity_log(owner=rep, by=rep, kind="call", outcome="connected")
        assert marks._enqueue in callbacks

    monkeypatch.setattr(tasks.drain_rollups, "delay", broker_down)
    caplog.set_level(logging.INFO, logger="dashboards.marks")
    for _ in range(3):
        log_a_call()
    # Every call was saved and marked; one attempt, one warning, then quiet until the back-off ends.
    assert DirtyMark.objects.filter(scope="activity").count() == 3
    assert attempts == ["down"]
    warnings = [r for r in caplog.records if r.name == "dashboards.marks" and r.levelno == logging.WARNING]
    assert len(warnings) == 1

    # After the back-off the next write tries again; the broker is back.
    monkeypatch.setattr(marks, "_broker_down_since", time.monotonic() - marks.BROKER_RETRY_AFTER - 1)
    monkeypatch.setattr(tasks.drain_rollups, "delay", lambda: attempts.append("sent"))
    log_a_call()
    assert attempts == ["down", "sent"]
    assert marks._broker_down_since is None
    assert "broker is back" in caplog.text
    assert len([r for r in caplog.records if r.levelno == logging.WARNING and r.name == "dashboards.marks"]) == 1
    # The drain catches up on every mark, the ones written while the broker was down included.
    assert ActivityDay.objects.count() == 0
    assert rollups.drain() == 4
    assert ActivityDay.objects.get(rep=rep, kind="call").count == 4
    assert rollups.verify() == []


def test_a_quota_without_wins_has_an_attainment_row_after_its_first_drain(rep):
    q = Quota.objects.create(rep=rep, period_kind="month", period_start=today().replace(day=1), target=Decimal("10"))
    rollups.drain()
    assert Attainment.objects.filter(quota=q).values_list("achieved", "attainment").get() == (0, 0)


# --- writes racing a refresh (PostgreSQL: real concurrent transactions) -----------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_drains_at_once_leave_the_same_rows_as_a_rebuild(monkeypatch, team):
    monkeypatch.setattr(tasks.drain_rollups, "delay", lambda: None)
    reps = [RepFactory(username=f"rep{n}", team=team) for n in range(3)]
    pipeline = make_pipeline()
    for n in range(30):
        rep = reps[n % 3]
        activity_services.activity_log(owner=rep, by=rep, kind="call", outcome="connected", occurred_at=days_ago(n % 9))
        deal = make_deal(owner=rep, pipeline=pipeline, amount=str(100 * (n + 1)), created_at=days_ago(20))
        pipeline_services.deal_move(deal=deal, to_stage=stage(pipeline, "Won"), by=rep, closed_on=today())
    quota_services.quota_set(by=None, period=Period.containing(today(), "month"), target=Decimal("9000"), team=team)
    assert DirtyMark.objects.count() > 60

    cleared, errors = [], []

    def drain():
        try:
            cleared.append(rollups.drain(batch=7))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [in_thread(drain) for _ in range(2)]
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert not DirtyMark.objects.exists()
    assert rollups.verify() == []
    assert ActivityDay.objects.filter(kind="call").count() > 0


def _counted(table: str) -> tuple[int, float]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relpages, reltuples FROM pg_class WHERE relname = %s", [table])
        return cursor.fetchone()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_drain_counts_the_rows_of_a_table_analyzed_while_they_were_uncommitted(monkeypatch, rep):
    monkeypatch.setattr(tasks.drain_rollups, "delay", lambda: None)
    table = Activity._meta.db_table
    written, analyzed = threading.Event(), threading.Event()

    def bulk_load():
        with transaction.atomic():
            for n in range(200):
                activity_services.activity_log(
                    owner=rep, by=rep, kind="call", outcome="connected", occurred_at=days_ago(n % 30)
                )
            written.set()
            analyzed.wait(60)

    thread = in_thread(bulk_load)
    assert written.wait(60)
    with connection.cursor() as cursor:
        # Autovacuum's own run would count the committed rows before the drain does.
        cursor.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = off)")
        try:
            # As autovacuum does in the middle of a bulk load: the rows are on pages, not yet committed.
            cursor.execute(f"ANALYZE {table}")
            analyzed.set()
            thread.join(60)
            pages, rows = _counted(table)
            assert pages > 0 and rows == 0

            rollups.drain()
        finally:
            cursor.execute(f"ALTER TABLE {table} RESET (autovacuum_enabled)")

    assert _counted(table)[1] == 200
    assert rollups.verify() == []


@pytest.mark.django_db(transaction=True)
def test_in_the_embedded_default_the_refresh_runs_right_after_the_requests_commit(client, monkeypatch):
    # `make run`: no Redis, Celery eager. The request's commit runs the refresh in-process.
    from salestracker.celery import app as celery_app

    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    rep = RepFactory(username="owner")
    client.force_login(rep)
    response = client.post(reverse("activities:log"), log_data(duration_minutes="4"), **HTMX)
    assert response.status_code == 200
    assert calls(rep) == (1, 4, 1)
    assert not DirtyMark.objects.exists()
    assert rollups.verify() == []


def test_adding_the_organisation_settings_in_admin_with_an_april_year_rebuilds_quarters_and_years(
    client_as, rep, pipeline
):
    from accounts.models import User
    from dashboards.models import PeriodDay
    from quotas.models import OrgSettings

    superuser = User.objects.create_superuser("root", "root@example.com", "pw-long-enough")
    deal = make_deal(owner=rep, pipeline=pipeline, amount="1000", created_at=days_ago(400))
    pipeline_services.deal_move(deal=deal, to_stage=stage(pipeline, "Won"), by=rep, closed_on=date(2026, 3, 31))
    rollups.drain()
    assert not OrgSettings.objects.exists()
    data = {
        "fiscal_year_start_month": "4",
        "time_zone": "UTC",
        "currency": "USD",
        "default_deal_size": "25000",
        "default_meeting_to_win_rate": "0.25",
        "default_call_to_meeting_rate": "0.05",
        "quiet_days": "14",
        "activity_drop_percent": "60",
    }
    response = client_as(superuser).post(reverse("admin:quotas_orgsettings_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert OrgSettings.load().fiscal_year_start_month == 4
    rollups.drain()
    assert PeriodDay.objects.get(day=date(2026, 3, 31), period_kind="year").period_start == date(2025, 4, 1)
    # The deal entered Won today: the April fiscal year holding today.
    from quotas.periods import Period

    this_year = Period.containing(timezone.localdate(), "year", fiscal_start=4).start
    won_years = StageRollup.objects.filter(stage=stage(pipeline, "Won"), period_kind="year")
    assert list(won_years.values_list("period_start", flat=True)) == [this_year]


def test_deleting_a_territory_on_the_settings_page_moves_its_closed_deals_to_no_territory(
    client_as, admin_user, rep, pipeline
):
    north = TerritoryFactory(name="North")
    deal = make_deal(owner=rep, pipeline=pipeline, company=CompanyFactory(owner=rep, territory=north))
    pipeline_services.deal_move(deal=deal, to_stage=stage(pipeline, "Won"), by=rep, closed_on=today())
    rollups.rebuild()
    assert ClosedDay.objects.get().territory_id == north.pk
    response = client_as(admin_user).post(reverse("accounts:territory_delete", args=[north.pk]))
    assert response.status_code == 302
    deal.company.refresh_from_db()
    assert deal.company.territory is None
    rollups.drain()
    assert ClosedDay.objects.get().territory_id is None
    assert rollups.verify() == []
