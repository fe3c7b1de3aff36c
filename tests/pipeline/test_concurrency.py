"""Two people moving the same deal at the same moment, in two real PostgreSQL transactions."""

import threading

import pytest
from django.db import connection, transaction

from pipeline import services
from pipeline.models import Deal
from tests.factories import make_deal, make_pipeline, stage

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
