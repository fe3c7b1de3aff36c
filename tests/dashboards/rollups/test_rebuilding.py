"""A full rebuild (dashboards/rollups/rebuilding.py): writes racing it keep their marks; its jobs run on
two connections in order."""

import threading
import time
from datetime import date

import pytest
from django.db import transaction

from activities import services as activity_services
from dashboards import rollups, tasks
from dashboards.models import ActivityDay, DirtyMark
from dashboards.rollups import rebuilding
from tests.dashboards.rollups.helpers import MON, calls, in_thread, log
from tests.factories import RepFactory, make_deal
from tests.helpers import at

pytestmark = pytest.mark.django_db


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_write_committed_while_a_rebuild_runs_keeps_its_mark(monkeypatch):
    rep, other = RepFactory(username="owner"), RepFactory(username="other")
    # The refresh each writer queues waits behind the rebuild (a busy worker).
    monkeypatch.setattr(tasks.drain_rollups, "delay", lambda: None)
    written, commit = threading.Event(), threading.Event()

    def slow_writer():
        with transaction.atomic():
            activity_services.activity_log(owner=rep, by=rep, kind="call", outcome="connected")
            written.set()
            assert commit.wait(20)

    thread = in_thread(slow_writer)
    assert written.wait(20)
    activity_services.activity_log(owner=other, by=other, kind="email", outcome="sent")  # a later mark id, committed

    def progress(done: int, total: int) -> None:
        if done == 2:  # the calendar and a first table are rebuilt: now the slow writer commits
            commit.set()
            thread.join(20)

    rollups.rebuild(progress=progress)
    rollups.drain()  # the refresh the slow writer queued at its commit
    assert DirtyMark.objects.filter(rep_id=rep.pk).exists() or calls(rep) == (1, 0, 1)
    assert rollups.verify() == []


def _recording(events: list, name: str, pause: float = 0.0, fail: bool = False) -> rebuilding._Job:
    def run() -> None:
        events.append((name, "start", threading.current_thread().name))
        time.sleep(pause)
        if fail:
            raise ZeroDivisionError(name)
        events.append((name, "end", threading.current_thread().name))

    return rebuilding._Job(run)


def test_rebuild_jobs_wait_for_the_jobs_they_come_after_while_the_other_connection_takes_a_later_one():
    events: list = []
    calendar = _recording(events, "calendar", pause=0.2)
    stages = _recording(events, "stages")
    stages.after = (calendar,)
    activities = _recording(events, "activities")

    rebuilding._on_rebuild_connections([calendar, stages, activities])

    names = [(name, what) for name, what, _thread in events]
    assert names.index(("calendar", "end")) < names.index(("stages", "start"))
    assert names.index(("activities", "end")) < names.index(("calendar", "end"))  # taken meanwhile
    assert len({thread for *_, thread in events}) == 2


def test_a_failing_rebuild_job_stops_both_connections_and_is_raised():
    events: list = []
    failing = _recording(events, "failing", pause=0.1, fail=True)
    waiting = _recording(events, "waiting")
    waiting.after = (failing,)
    later = _recording(events, "later")

    with pytest.raises(ZeroDivisionError):
        rebuilding._on_rebuild_connections([failing, _recording(events, "meanwhile", pause=0.2), waiting, later])

    started = {name for name, what, _thread in events if what == "start"}
    assert started == {"failing", "meanwhile"}


def test_rebuild_jobs_waiting_for_a_job_not_given_raise_instead_of_hanging():
    orphan = _recording([], "orphan")
    orphan.after = (_recording([], "never given"),)

    with pytest.raises(RuntimeError):
        rebuilding._on_rebuild_connections([orphan])


def test_rebuild_gives_the_same_rows_as_the_drains(rep, teammate):
    make_deal(owner=rep, stage_name="Won", amount="3000", closed_on=date(2026, 3, 31), created_at=at(MON))
    log(rep, "call", "connected")
    rollups.drain()
    before = sorted(ActivityDay.objects.values_list("rep", "day", "kind", "count"))
    rollups.rebuild()
    assert sorted(ActivityDay.objects.values_list("rep", "day", "kind", "count")) == before
    assert rollups.verify() == []
