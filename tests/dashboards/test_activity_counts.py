"""The activity list's counts by kind, from the activity rollup (dashboards/selectors/activity_counts.py)."""

from django.db.models import F

from activities import selectors, services
from activities.models import Kind, Outcome
from dashboards import rollups
from dashboards.models import ActivityDay, DirtyMark, Scope
from dashboards.selectors.activity_counts import activity_kind_totals


def log(owner, **fields):
    fields.setdefault("kind", Kind.CALL)
    fields.setdefault("outcome", Outcome.CONNECTED if fields["kind"] == Kind.CALL else "")
    return services.activity_log(owner=owner, by=owner, **fields)


def test_the_activity_list_counts_through_the_rollup():
    assert selectors._kind_counter is activity_kind_totals


def test_kind_totals_read_the_rollup_except_on_the_days_the_worker_has_not_refreshed(rep):
    """Proof of where each count comes from: the rollup row is altered, and the totals follow
    it until a mark says that day is not refreshed yet, or a rebuild is asked for."""
    log(rep)
    rollups.drain()
    ActivityDay.objects.filter(rep=rep, kind=Kind.CALL).update(count=F("count") + 100)
    assert selectors.kind_totals(user=rep, filters={}) == {"call": 101}
    # A filter the rollup cannot answer counts the activities.
    assert selectors.kind_totals(user=rep, filters={"outcome": Outcome.CONNECTED}) == {"call": 1}

    log(rep)  # its mark waits for the worker: that day is counted from the activities
    assert selectors.kind_totals(user=rep, filters={}) == {"call": 2}
    rollups.drain()
    assert selectors.kind_totals(user=rep, filters={}) == {"call": 2}

    ActivityDay.objects.filter(rep=rep, kind=Kind.CALL).update(count=F("count") + 100)
    DirtyMark.objects.create(scope=Scope.ALL)
    assert selectors.kind_totals(user=rep, filters={}) == {"call": 2}
