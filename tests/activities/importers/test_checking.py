"""Checking every row of an activity import (activities/importers/checking.py): every bad row
reported, whose activities a user may import, and a fixed number of queries whatever the size."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities import importers
from activities.models import Activity, ImportStatus
from tests.activities.importers.helpers import HEADER, _check, _confirm, _csv, _days_ago, _errors, _rows
from tests.factories import CompanyFactory, RepFactory, make_deal

# --- bad rows -------------------------------------------------------------------------------------


def test_it_reports_every_bad_row_and_writes_nothing(signed_in, org, django_capture_on_commit_callbacks):
    text = _csv(
        [
            ["Type", "When", "Result", "Minutes", "Account", "Contact email", "Deal", "Source"],
            ["call", _days_ago(1), "connected", "5", "Acme Corporation", "", "", ""],  # good, and still not written
            ["phone", "yesterday", "", "-5", "", "", "", ""],
            ["email", "2026-02-30", "sent", "1.5", "Nobody Inc", "nobody@example.com", "No such deal", "Fax"],
            [],  # blank rows are skipped, but keep their number
            ["meeting", _days_ago(1, "09:00"), "held", "30", "", "", "", "", "extra cell"],
        ]
    )
    job = _check(
        signed_in,
        django_capture_on_commit_callbacks,
        text,
        kind=0,
        occurred_at=1,
        outcome=2,
        duration_minutes=3,
        company=4,
        contact=5,
        deal=6,
        lead_source=7,
    )
    assert job.status == ImportStatus.INVALID
    expected = [
        (3, "Type", "Choose one of: call (Call), email (Email), meeting (Meeting)"),
        (3, "When", "Write the date as YYYY-MM-DD or YYYY-MM-DD HH:MM"),
        (3, "Minutes", "Write a whole number of minutes, 0 or more."),
        (4, "When", "Write the date as YYYY-MM-DD or YYYY-MM-DD HH:MM"),
        (4, "Minutes", "Write a whole number of minutes, 0 or more."),
        (4, "Account", "No company is called “Nobody Inc”; add it to the address book first."),
        (4, "Contact email", "No contact has the email nobody@example.com."),
        (4, "Deal", "No deal you can see is called “No such deal”."),
        (4, "Source", "No active lead source is called “Fax”."),
        (6, "", "This row has more cells (9) than the header has columns (8)."),
    ]
    errors = _errors(job)
    assert [(row, column) for row, column, _reason in errors] == [(row, column) for row, column, _start in expected]
    for (*_where, reason), (*_, start) in zip(errors, expected, strict=True):
        assert reason.startswith(start)
    assert not Activity.objects.exists()

    page = signed_in.get(reverse("activities:import_detail", args=[job.pk])).content.decode()
    assert "10 problems" in page and "No active lead source is called “Fax”." in page

    # Confirming an invalid import does nothing.
    response = _confirm(signed_in, django_capture_on_commit_callbacks, job)
    assert (response.status_code, job.status) == (302, ImportStatus.INVALID)
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    "kind, outcome",
    [("call", "replied"), ("email", "connected"), ("Demo", "Voicemail"), ("travel", "held")],
)
def test_it_refuses_an_outcome_that_does_not_fit_the_kind(
    signed_in, org, django_capture_on_commit_callbacks, kind, outcome
):
    job = _check(
        signed_in,
        django_capture_on_commit_callbacks,
        _rows({"kind": kind, "outcome": outcome, "occurred_at": _days_ago(1)}),
    )
    assert job.status == ImportStatus.INVALID
    [(row, column, reason)] = _errors(job)
    assert (row, column) == (2, "outcome")
    assert "does not fit" in reason or "has no outcome" in reason


def test_a_call_needs_an_outcome(signed_in, org, django_capture_on_commit_callbacks):
    job = _check(signed_in, django_capture_on_commit_callbacks, _rows({"kind": "call", "occurred_at": _days_ago(1)}))
    assert _errors(job) == [(2, "outcome", "Choose how it went.")]


def test_it_refuses_a_call_in_the_future(signed_in, org, django_capture_on_commit_callbacks):
    tomorrow = f"{timezone.localdate() + timedelta(days=1):%Y-%m-%d}"
    text = _rows(
        {"kind": "call", "outcome": "connected", "occurred_at": tomorrow},
        {"kind": "meeting", "occurred_at": f"{tomorrow} 15:00"},  # booked ahead: scheduled
        {"kind": "meeting", "outcome": "held", "occurred_at": f"{tomorrow} 15:00"},
    )
    job = _check(signed_in, django_capture_on_commit_callbacks, text)
    assert [(row, column) for row, column, _reason in _errors(job)] == [(2, "occurred_at"), (4, "outcome")]
    assert "cannot be logged in the future" in _errors(job)[0][2]


# --- whose activities -------------------------------------------------------------------------


def test_a_rep_cannot_import_for_someone_else(signed_in, teammate, org, django_capture_on_commit_callbacks):
    text = _rows(
        {"rep": "teammate", "kind": "call", "outcome": "connected", "occurred_at": _days_ago(1)},
        {"rep": "OWNER", "kind": "call", "outcome": "connected", "occurred_at": _days_ago(1)},
    )
    job = _check(signed_in, django_capture_on_commit_callbacks, text)
    assert _errors(job) == [
        (2, "rep", "You can import activities only for yourself: leave rep empty or write your own username.")
    ]


def test_a_manager_imports_for_the_team_but_not_for_others(
    client_as, manager, rep, outsider, org, django_capture_on_commit_callbacks
):
    client = client_as(manager)
    text = _rows(
        {"rep": "owner", "kind": "call", "outcome": "connected", "occurred_at": _days_ago(1)},
        {"rep": "outsider", "kind": "call", "outcome": "connected", "occurred_at": _days_ago(1)},
        {"rep": "ghost", "kind": "call", "outcome": "connected", "occurred_at": _days_ago(1)},
    )
    job = _check(client, django_capture_on_commit_callbacks, text)
    assert _errors(job) == [
        (3, "rep", "“outsider” is neither you nor an active member of a team you manage."),
        (4, "rep", "“ghost” is neither you nor an active member of a team you manage."),
    ]
    job = _check(
        client,
        django_capture_on_commit_callbacks,
        _rows({"rep": "owner", "kind": "admin", "occurred_at": _days_ago(1)}),
    )
    _confirm(client, django_capture_on_commit_callbacks, job)
    assert Activity.objects.get().owner == rep


def test_an_admin_imports_for_anyone_but_an_unknown_rep(
    client_as, admin_user, outsider, org, django_capture_on_commit_callbacks
):
    text = _rows(
        {"rep": "outsider", "kind": "call", "outcome": "connected", "occurred_at": _days_ago(1)},
        {"rep": "ghost", "kind": "call", "outcome": "connected", "occurred_at": _days_ago(1)},
    )
    job = _check(client_as(admin_user), django_capture_on_commit_callbacks, text)
    assert _errors(job) == [(3, "rep", "No active user is called “ghost”.")]


def test_nobody_imports_for_someone_who_has_left(client_as, admin_user, org, django_capture_on_commit_callbacks):
    RepFactory(username="gone", is_active=False)
    text = _rows({"rep": "gone", "kind": "call", "outcome": "connected", "occurred_at": _days_ago(1)})
    job = _check(client_as(admin_user), django_capture_on_commit_callbacks, text)
    assert _errors(job) == [(2, "rep", "No active user is called “gone”.")]


def test_a_deal_of_another_team_is_refused(signed_in, outsider, org, django_capture_on_commit_callbacks):
    make_deal(owner=outsider, pipeline=org["pipeline"], title="Globex renewal")
    text = _rows({"kind": "demo", "outcome": "held", "occurred_at": _days_ago(1), "deal": "Globex renewal"})
    job = _check(signed_in, django_capture_on_commit_callbacks, text)
    assert _errors(job) == [(2, "deal", "No deal you can see is called “Globex renewal”.")]


def test_a_deal_title_must_be_unique_among_the_deals_one_can_see(
    signed_in, rep, org, django_capture_on_commit_callbacks
):
    make_deal(owner=rep, pipeline=org["pipeline"], title="Acme - 50 seats")
    text = _rows({"kind": "demo", "outcome": "held", "occurred_at": _days_ago(1), "deal": "Acme - 50 seats"})
    job = _check(signed_in, django_capture_on_commit_callbacks, text)
    assert [reason for _row, _column, reason in _errors(job)] == [
        "Several deals you can see are called “Acme - 50 seats”; rename them apart first."
    ]


def test_the_contact_and_deal_must_belong_to_the_company_given(signed_in, rep, org, django_capture_on_commit_callbacks):
    CompanyFactory(name="Globex", owner=rep)
    text = _rows(
        {
            "kind": "demo",
            "outcome": "held",
            "occurred_at": _days_ago(1),
            "company": "Globex",
            "contact": "ada@acme.example",
            "deal": "Acme - 50 seats",
        }
    )
    job = _check(signed_in, django_capture_on_commit_callbacks, text)
    assert _errors(job) == [
        (2, "contact", "That contact works at another company."),
        (2, "deal", "That deal belongs to another company."),
    ]


def test_it_refuses_prospecting_without_a_company_or_contact(signed_in, rep, org, django_capture_on_commit_callbacks):
    # The quick-log form's rule holds on import too: a prospecting row names who it is about.
    text = _rows(
        {"kind": "prospecting", "occurred_at": _days_ago(1)},
        {"kind": "prospecting", "occurred_at": _days_ago(1), "company": "Acme Corporation"},
        {"kind": "prospecting", "occurred_at": _days_ago(1), "contact": "ada@acme.example"},
    )
    job = _check(signed_in, django_capture_on_commit_callbacks, text)
    assert _errors(job) == [(2, "company", "Prospecting is about a company: name it, or its decision maker.")]


# --- query counts ---------------------------------------------------------------------------------


def _validation_selects(rep, rows: int) -> int:
    lines = [
        {
            "kind": "meeting",
            "outcome": "held",
            "occurred_at": _days_ago(1 + n % 20),
            "company": "Acme Corporation",
            "contact": "ada@acme.example",
            "deal": "Acme - 50 seats",
            "lead_source": "Referral",
            "rep": rep.username,
        }
        for n in range(rows)
    ]
    job = importers.import_create(by=rep, file_name="a.csv", content=_rows(*lines))
    importers.import_map(job=job, mapping={name: index for index, name in enumerate(HEADER)})
    with CaptureQueriesContext(connection) as queries:
        assert importers.import_validate(import_id=job.pk) == ImportStatus.READY
    return sum(1 for query in queries if query["sql"].lstrip().upper().startswith("SELECT"))


@pytest.mark.parametrize("who", ["rep", "manager"])
def test_validation_queries_do_not_grow_with_the_rows(request, org, who):
    user = request.getfixturevalue(who)
    small, large = _validation_selects(user, 100), _validation_selects(user, 1_000)
    assert small == large
    assert large <= 10
