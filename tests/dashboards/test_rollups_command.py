"""``manage.py rollups rebuild | drain | verify``: what an operator runs and reads."""

import os
import re
import subprocess
import sys
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from activities import services as activity_services
from dashboards import rollups
from dashboards.models import ActivityDay, Attainment, ClosedDay, DirtyMark, StageRollup
from quotas.models import Quota
from tests.factories import RepFactory, make_deal
from tests.helpers import at

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2026, 3, 2)


def some_figures(rep):
    activity_services.activity_log(owner=rep, by=rep, kind="call", outcome="connected", occurred_at=at(DAY))
    make_deal(owner=rep, stage_name="Won", amount="3000", closed_on=DAY, created_at=at(DAY))
    Quota.objects.create(rep=rep, period_kind="month", period_start=date(2026, 3, 1), target=Decimal("6000"))


def rollups_command(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("rollups", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_rebuild_shows_a_progress_bar_and_fills_every_table(rep):
    some_figures(rep)
    out, err = rollups_command("rebuild")
    assert "Rollups rebuilt." in out
    # tqdm's bar, from the first step to the last: "Rebuilding rollups: 100%|██████████| 5/5 [...]".
    assert "Rebuilding rollups" in err
    done, total = re.findall(r"(\d+)/(\d+) \[", err)[-1]
    assert done == total and int(total) > 1
    assert "100%" in err
    assert ActivityDay.objects.filter(rep=rep).exists()
    assert ClosedDay.objects.filter(rep=rep).exists()
    assert StageRollup.objects.filter(rep=rep).exists()
    assert Attainment.objects.get().attainment == Decimal("0.5")
    assert not DirtyMark.objects.exists()


@pytest.mark.django_db
def test_drain_recomputes_the_marked_keys_and_says_how_many(rep):
    some_figures(rep)
    marks = DirtyMark.objects.count()
    assert marks > 0
    out, _ = rollups_command("drain")
    assert f"Drained {marks} dirty marks." in out
    assert ActivityDay.objects.get(rep=rep).count == 1
    out, _ = rollups_command("drain")
    assert "Drained 0 dirty marks." in out


@pytest.mark.django_db
def test_verify_is_quiet_and_succeeds_when_the_rows_match(rep):
    some_figures(rep)
    rollups_command("rebuild")
    out, _ = rollups_command("verify")
    assert out.strip() == "Rollups match a fresh recompute."


@pytest.mark.django_db
def test_verify_prints_every_difference_and_fails(rep):
    some_figures(rep)
    rollups_command("rebuild")
    ActivityDay.objects.filter(rep=rep).update(count=99)  # tampered
    won = StageRollup.objects.get(rep=rep, period_kind="week", stage__name="Won")
    won.delete()  # missing
    ClosedDay.objects.create(  # spurious (a loss, so attainment does not move)
        rep=rep, day=date(2025, 1, 6), won=False, deal_type="new_business", deals=1, amount=5, computed_at=at(DAY)
    )
    Attainment.objects.update(achieved=1)  # tampered
    out = StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("rollups", "verify", stdout=out, stderr=StringIO())
    assert failure.value.returncode == 1
    assert str(failure.value) == "4 rollup rows differ from a fresh recompute."
    lines = out.getvalue().splitlines()
    assert len(lines) == 4, lines

    def line(table: str) -> str:
        (found,) = [line for line in lines if line.startswith(table + " ")]
        return found

    number = r"(\.0+)?"  # SQLite answers 1, PostgreSQL 1.0
    assert "'kind': 'call'" in line("ActivityDay")
    assert re.search(rf"stored \(99, .*\), expected \(1{number}, ", line("ActivityDay"))
    assert "'period_kind': 'week'" in line("StageRollup") and "stored None, expected (1" in line("StageRollup")
    assert "datetime.date(2025, 1, 6)" in line("ClosedDay") and line("ClosedDay").endswith("expected None")
    assert re.search(rf"stored \(1{number}, .*\), expected \(3000{number}, ", line("Attainment"))
    # A rebuild puts everything right.
    rollups_command("rebuild")
    assert rollups_command("verify")[0].strip() == "Rollups match a fresh recompute."


def manage(*args, database_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "TESTING": "1"}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_real_command_exits_non_zero_on_a_difference_and_zero_when_clean(test_database_url):
    rep = RepFactory(username="owner")
    some_figures(rep)  # committed: the refresh ran in-process after each commit (the embedded default)
    assert rollups.verify() == []
    ActivityDay.objects.filter(rep=rep).update(minutes=42)

    verify = manage("rollups", "verify", database_url=test_database_url)
    assert verify.returncode == 1, verify.stderr
    assert "ActivityDay" in verify.stdout and "stored (1, 42, " in verify.stdout
    assert "1 rollup rows differ from a fresh recompute." in verify.stderr

    rebuild = manage("rollups", "rebuild", database_url=test_database_url)
    assert rebuild.returncode == 0, rebuild.stderr
    assert "Rebuilding rollups" in rebuild.stderr and "Rollups rebuilt." in rebuild.stdout

    verify = manage("rollups", "verify", database_url=test_database_url)
    assert (verify.returncode, verify.stdout.strip()) == (0, "Rollups match a fresh recompute.")
