"""People moving deals at the same moment, in real PostgreSQL transactions."""

import threading
from itertools import pairwise

import pytest
from django.db import connection, transaction
from django.utils import timezone

from pipeline import services
from pipeline.models import Deal
from tests.factories import LostReasonFactory, RepFactory, make_deal, make_pipeline, stage

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_moves_leave_a_complete_history(rep, manager):
    pipeline = make_pipeline()
    deal = make_deal(owner=rep, pipeline=pipeline)
    first_has_lock = threading.Event()
    errors = []

    def first_mover():
        try:
            with transaction.atomic():
                services.deal_move(deal=Deal.objects.get(pk=deal.pk), to_stage=stage(pipeline, "Demo"), by=rep)
                first_has_lock.set()
                # Hold the row lock while the second mover tries.
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_sleep(0.5)")
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            first_has_lock.set()
            connection.close()

    def second_mover():
        try:
            first_has_lock.wait(10)
            # Loaded while the first move is uncommitted: this copy still says "Lead".
            stale_copy = Deal.objects.get(pk=deal.pk)
            services.deal_move(deal=stale_copy, to_stage=stage(pipeline, "Proposal"), by=manager)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=first_mover), threading.Thread(target=second_mover)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors

    history = list(Deal.objects.get(pk=deal.pk).stage_changes.select_related("from_stage", "to_stage"))
    assert [(c.from_stage and c.from_stage.name, c.to_stage.name) for c in history] == [
        (None, "Lead"),
        ("Lead", "Demo"),
        ("Demo", "Proposal"),
    ]
    # Each stay starts when the previous change happened: no gap, no overlap.
    assert history[2].from_entered_at == history[1].changed_at
    assert Deal.objects.get(pk=deal.pk).stage.name == "Proposal"


def test_concurrent_opposite_moves_of_different_deals_never_deadlock(rep):
    """Each writer moves only their own deal, but half go one way between the same stages while
    the other half go the other way, closing (Won, Lost) and reopening, all at once, round after
    round. A stage locked against moves would meet the foreign-key checks of the others' moves."""
    pipeline = make_pipeline()
    cycle = [stage(pipeline, name) for name in ("Demo", "Proposal", "Won", "Qualified", "Lost")]
    reason = LostReasonFactory()
    writers, rounds = 8, 40
    owners = [RepFactory(username=f"writer{n}", team=rep.team) for n in range(writers)]
    # Writer n starts at cycle[n % 5] and walks the cycle forwards (even n) or backwards (odd n).
    deals = [
        make_deal(
            owner=owner,
            pipeline=pipeline,
            stage_name=cycle[n % 5].name,
            closed_on=timezone.localdate() if cycle[n % 5].is_closed else None,
            lost_reason=reason,
        )
        for n, owner in enumerate(owners)
    ]
    start_round = threading.Barrier(writers)
    errors = []

    def writer(n: int):
        step = 1 if n % 2 == 0 else -1
        position = n % 5
        try:
            for _ in range(rounds):
                position = (position + step) % len(cycle)
                to_stage = cycle[position]
                start_round.wait(30)
                services.deal_move(
                    deal=Deal.objects.get(pk=deals[n].pk),
                    to_stage=to_stage,
                    by=owners[n],
                    closed_on=timezone.localdate() if to_stage.is_closed else None,
                    lost_reason=reason if to_stage.name == "Lost" else None,
                )
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
            start_round.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not [error for error in errors if not isinstance(error, threading.BrokenBarrierError)], errors

    for deal in deals:
        history = list(Deal.objects.get(pk=deal.pk).stage_changes.order_by("changed_at", "pk"))
        assert len(history) == 1 + rounds
        # A complete chain: each change starts where the previous one left the deal.
        for before, after in pairwise(history):
            assert (after.from_stage_id, after.from_entered_at) == (before.to_stage_id, before.changed_at)
        assert Deal.objects.get(pk=deal.pk).stage_id == history[-1].to_stage_id
