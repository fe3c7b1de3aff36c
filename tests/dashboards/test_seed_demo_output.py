"""`seed_demo` is quiet: one summary line and the logins, no line per task or row."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from dashboards.management.commands.seed_demo import PEOPLE
from pipeline.models import Deal
from trends.demo import demo_year_start


@pytest.fixture
def small_demo(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setattr("dashboards.demo.pipeline.DEALS_PER_REP", 3)
    monkeypatch.setattr("dashboards.demo.activities.DAYS", 7)


def test_it_prints_one_summary_line_and_the_logins(db, small_demo, capsys, caplog):
    call_command("seed_demo")
    lines = capsys.readouterr().out.splitlines()
    # Three deals per rep, and the won business of the year before (trends/demo.py), all counted.
    earlier = Deal.objects.filter(closed_on__lt=demo_year_start(timezone.localdate())).count()
    assert earlier > 0
    assert lines[0].startswith(f"Seeded the demo organisation: 12 people in 3 teams, {24 + earlier} deals, ")
    assert lines[1].startswith("Demo logins")
    assert len(lines) == 2 + len(PEOPLE)
    assert not [r for r in caplog.records if r.name.startswith(("celery", "kombu"))]
