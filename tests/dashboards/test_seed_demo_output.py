"""`seed_demo` is quiet: one summary line and the logins, no line per task or row."""

import pytest
from django.core.management import call_command

from dashboards.management.commands.seed_demo import PEOPLE


@pytest.fixture
def small_demo(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setattr("dashboards.demo.pipeline.DEALS_PER_REP", 3)
    monkeypatch.setattr("dashboards.demo.activities.DAYS", 7)


def test_it_prints_one_summary_line_and_the_logins(db, small_demo, capsys, caplog):
    call_command("seed_demo")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Seeded the demo organisation: 12 people in 3 teams, 24 deals, ")
    assert lines[1].startswith("Demo logins")
    assert len(lines) == 2 + len(PEOPLE)
    assert not [r for r in caplog.records if r.name.startswith(("celery", "kombu"))]
