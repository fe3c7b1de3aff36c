"""The rates a plan rests on (quotas/history.py): each figure from the first history that gives it,
the rep's, the team's, then the organisation's defaults. The plan built on them is tested in
test_planner.py."""

from decimal import Decimal

import pytest

from quotas import history
from quotas.history import History, rates_for
from quotas.models import OrgSettings


@pytest.mark.parametrize(
    "rep_history, team_history, sources",
    [
        (History(3, Decimal(30), 10, 5, 50), History(), ("rep", "rep", "rep")),
        (History(2, Decimal(30), 10, 5, 50), History(3, Decimal(60), 10, 5, 50), ("team", "team", "team")),
        (History(3, Decimal(30), 10, 5, 49), History(3, Decimal(30), 9, 5, 60), ("default", "default", "default")),
        # Zero numerators fall back one figure at a time: no meeting booked, deals won at zero.
        (History(3, Decimal(0), 10, 0, 50), History(4, Decimal(40), 12, 6, 60), ("team", "rep", "team")),
    ],
)
def test_it_takes_each_figure_from_the_first_history_that_gives_it(db, rep_history, team_history, sources):
    labels = {"rep": history.SOURCE_REP, "team": history.SOURCE_TEAM, "default": history.SOURCE_DEFAULT}
    rates = rates_for(rep=rep_history, team=team_history, org=OrgSettings.load())
    assert (rates.average_deal.source, rates.meeting_to_win.source, rates.call_to_meeting.source) == tuple(
        labels[s] for s in sources
    )


def test_it_does_not_crash_on_zero_denominators(db):
    rates = rates_for(rep=History(), team=None, org=OrgSettings.load())
    assert {rates.average_deal.source, rates.meeting_to_win.source, rates.call_to_meeting.source} == {
        history.SOURCE_DEFAULT
    }
