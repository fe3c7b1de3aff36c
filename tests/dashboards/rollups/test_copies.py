"""The PostgreSQL rebuild fills copies of the dashboard tables on two connections and swaps them in
(dashboards/rollups/copies.py)."""

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, transaction

from activities import services as activity_services
from dashboards import rollups, tasks
from dashboards.models import ActivityDay, DirtyMark
from dashboards.rollups import copies
from dashboards.rollups.rebuilding import COPIED, IN_PLACE
from dashboards.rollups.tables.closed import ClosedTable
from pipeline import services as pipeline_services
from quotas import services as quota_services
from quotas.periods import Period
from tests.dashboards.rollups.helpers import calls, days_ago, in_thread, today
from tests.factories import RepFactory, make_deal, make_pipeline, stage

pytestmark = pytest.mark.django_db


def _schema() -> tuple:
    """The dashboard tables as migrations made them: indexes, constraints, columns, grants, sequences."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.relname, i.relname, pg_get_indexdef(i.oid) FROM pg_index x"
            " JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
            " WHERE t.relname LIKE 'dashboards\\_%%' ORDER BY 1, 2"
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid::regclass::text LIKE 'dashboards\\_%%' ORDER BY 1, 2"
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity"
            " FROM information_schema.columns WHERE table_name LIKE 'dashboards\\_%%' ORDER BY 1, 2"
        )
        columns = cursor.fetchall()
        cursor.execute(
            "SELECT table_name, grantee, privilege_type FROM information_schema.role_table_grants"
            " WHERE table_name LIKE 'dashboards\\_%%' ORDER BY 1, 2, 3"
        )
        grants = cursor.fetchall()
        cursor.execute(  # the copies take ids a thousand at a time while they fill, the tables one
            "SELECT c.relname, s.seqcache, s.seqincrement FROM pg_class c JOIN pg_sequence s ON s.seqrelid = c.oid"
            " ORDER BY 1"
        )
        return indexes, constraints, columns, grants, cursor.fetchall()


def _copies_left() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relname LIKE '%%\\_\\_rebuild'")
        return [name for (name,) in cursor.fetchall()]


def _sales(team, reps: int = 1):
    pipeline = make_pipeline()
    people = [RepFactory(username=f"owner{n}", team=team) for n in range(reps)]
    for rep in people:
        for n in range(5):
            activity_services.activity_log(owner=rep, by=rep, kind="call", outcome="connected", occurred_at=days_ago(n))
            deal = make_deal(owner=rep, pipeline=pipeline, amount="500", created_at=days_ago(20))
            pipeline_services.deal_move(deal=deal, to_stage=stage(pipeline, "Won"), by=rep, closed_on=today())
    quota_services.quota_set(by=None, period=Period.containing(today(), "month"), target=Decimal("9000"), team=team)
    return people


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_rebuild_fills_copies_on_two_connections_swaps_them_in_as_the_same_tables_and_lets_refreshes_in(
    monkeypatch, team
):
    monkeypatch.setattr(tasks.drain_rollups, "delay", lambda: None)
    rep, teammate = _sales(team, reps=2)
    with connection.cursor() as cursor:  # a reporting tool's read-only role
        cursor.execute("DO $$ BEGIN CREATE ROLE reporting; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
        cursor.execute("GRANT SELECT ON dashboards_activityday, dashboards_stagerollup TO reporting")
    schema = _schema()
    assert ("dashboards_activityday", "reporting", "SELECT") in schema[3]
    threads = []

    def progress(done: int, total: int) -> None:
        threads.append(threading.current_thread().name)

    rollups.rebuild(progress=progress)
    # The calendar, each copied table's parts (reps' shares), each copy indexed, the swap, and
    # every other table in place.
    steps = 1 + sum(COPIED.values()) + len(COPIED) + 1 + len(IN_PLACE)
    assert len(threads) == steps and "MainThread" in threads and len(set(threads)) > 1
    assert calls(rep) == (1, 0, 1) and calls(teammate) == (1, 0, 1) and rollups.verify() == []
    assert _schema() == schema  # the same names (every later migration finds them) and grants
    assert _copies_left() == []
    assert not DirtyMark.objects.exists()
    with connection.cursor() as cursor:  # the rebuild's lock is released: refreshes may run again
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
        assert cursor.fetchone()[0] == 0
    activity_services.activity_log(owner=rep, by=rep, kind="call", outcome="connected")
    rollups.drain()  # inserts through the swapped-in table's own id sequence
    assert calls(rep) == (2, 0, 2)
    rollups.rebuild()  # and again: the copies' names are free
    assert _schema() == schema and rollups.verify() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_rebuild_that_fails_leaves_the_tables_as_they_were_and_no_copy(monkeypatch, team):
    monkeypatch.setattr(tasks.drain_rollups, "delay", lambda: None)
    (rep,) = _sales(team)
    rollups.rebuild()
    rows = sorted(ActivityDay.objects.values_list("rep_id", "day", "kind", "count"))
    ActivityDay.objects.filter(rep=rep).delete()  # a difference the failed rebuild must not repair
    select = ClosedTable.select

    def failing(table, f):  # the closed deals' part fails while the database runs it
        sql, params = select(table, f)
        return f"SELECT * FROM ({sql}) r WHERE 1 / CAST(random() * 0 AS integer) = 1", params

    with monkeypatch.context() as patch:
        patch.setattr(ClosedTable, "select", failing)
        with pytest.raises(Exception, match="division by zero"):
            rollups.rebuild()
    assert calls(rep) is None and _copies_left() == []
    rollups.rebuild()
    assert sorted(ActivityDay.objects.values_list("rep_id", "day", "kind", "count")) == rows


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_swap_gives_way_to_a_long_reader_and_swaps_once_it_is_done(monkeypatch, team):
    monkeypatch.setattr(tasks.drain_rollups, "delay", lambda: None)
    monkeypatch.setattr(copies, "SWAP_LOCK_TIMEOUT", "100ms")
    (rep,) = _sales(team)
    reading, done = threading.Event(), threading.Event()

    def long_reader():  # a report (or a backup) reading the activity table for a while
        with transaction.atomic():
            list(ActivityDay.objects.all())
            reading.set()
            time.sleep(1.5)
        done.set()

    waits = []
    original = copies.TableCopy._swap

    def swap(copies):
        waits.append(done.is_set())
        original(copies)

    monkeypatch.setattr(copies.TableCopy, "_swap", staticmethod(swap))
    thread = in_thread(long_reader)
    assert reading.wait(20)
    rollups.rebuild()
    thread.join(20)
    assert waits[0] is False and waits[-1] is True  # it tried while the reader read, gave way, then swapped
    assert calls(rep) == (1, 0, 1) and rollups.verify() == [] and _copies_left() == []
