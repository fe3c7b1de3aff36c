"""A dialer's retry racing its first request, in real PostgreSQL transactions: one activity."""

import threading

import pytest
from django.db import connection

from activities import services as activity_services
from api import services
from api.services import Replay

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_retry_sent_while_the_first_is_still_writing_replays_it(rep):
    first_inside = threading.Event()
    results, errors = {}, []

    def write():
        activity = activity_services.activity_log(owner=rep, by=rep, kind="call", outcome="connected")
        first_inside.set()
        # Hold the transaction open (and so the key's row) while the retry arrives.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(0.5)")
        return 201, {"id": activity.pk}

    def first():
        try:
            results["first"] = services.idempotent(user=rep, key="call-1", fingerprint="f", write=write)
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            first_inside.set()
            connection.close()

    def retry():
        try:
            first_inside.wait(10)
            results["retry"] = services.idempotent(
                user=rep, key="call-1", fingerprint="f", write=lambda: pytest.fail("the retry wrote")
            )
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=retry)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    status, body = results["first"]
    assert results["retry"] == Replay(matches=True, status_code=status, response=body)
    assert rep.activities.count() == 1
