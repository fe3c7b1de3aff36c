"""Quick log, activity list and export, edit, delete, upcoming meetings and marking them."""

import csv
import io
import json
from datetime import timedelta

import factory
import pytest
from django.urls import reverse
from django.utils import timezone

from activities import services
from activities.models import Activity, Kind, Outcome
from tests.factories import CompanyFactory, ContactFactory, LeadSourceFactory, make_deal

LOGIN = "/accounts/login/"
HTMX = {"HTTP_HX_REQUEST": "true"}
HTMX_ON_LIST = {**HTMX, "HTTP_X_ACTIVITY_LIST": "1"}


def log(owner, **fields):
    """An activity written through the service, as every real one is."""
    fields.setdefault("kind", Kind.CALL)
    fields.setdefault("outcome", Outcome.CONNECTED if fields["kind"] == Kind.CALL else "")
    return services.activity_log(owner=owner, by=fields.pop("by", owner), **fields)


def ago(**delta):
    return timezone.now() - timedelta(**delta)


def ahead(**delta):
    return timezone.now() + timedelta(**delta)


def local_input(moment) -> str:
    """A datetime as the browser's datetime-local input sends it (organisation time zone)."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def log_data(**overrides):
    data = {"kind": "call", "outcome": "connected", "who": "", "occurred_at": "", "duration_minutes": "", "notes": ""}
    data.update(overrides)
    return data


@pytest.fixture
def activity(rep):
    return log(rep, notes="Talked pricing", duration_minutes=12)


@pytest.fixture
def meeting(rep):
    """A meeting that was held an hour ago and still says "scheduled"."""
    return log(rep, kind=Kind.MEETING, outcome=Outcome.SCHEDULED, occurred_at=ago(hours=1))


# --- who may reach what -------------------------------------------------------


@pytest.mark.parametrize(
    "name, method",
    [
        ("activities:list", "get"),
        ("activities:export", "get"),
        ("activities:log", "get"),
        ("activities:log", "post"),
        ("activities:link_search", "get"),
        ("activities:upcoming", "get"),
    ],
)
def test_it_sends_anonymous_visitors_to_sign_in(client, db, name, method):
    response = getattr(client, method)(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


@pytest.mark.parametrize(
    "name, method", [("activities:edit", "get"), ("activities:delete", "get"), ("activities:mark", "post")]
)
def test_it_sends_anonymous_visitors_to_sign_in_for_one_activity(client, activity, name, method):
    response = getattr(client, method)(reverse(name, args=[activity.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert Activity.objects.filter(pk=activity.pk, outcome=Outcome.CONNECTED).exists()


ROLES = [("rep", 200), ("teammate", 404), ("manager", 200), ("other_manager", 404), ("admin_user", 200)]


@pytest.mark.parametrize("role, status", ROLES)
def test_it_lets_only_the_owner_their_manager_and_admins_open_the_edit_page(request, client_as, activity, role, status):
    response = client_as(request.getfixturevalue(role)).get(reverse("activities:edit", args=[activity.pk]))
    assert response.status_code == status


@pytest.mark.parametrize("role, status", ROLES)
def test_it_lets_only_the_owner_their_manager_and_admins_open_the_delete_page(
    request, client_as, activity, role, status
):
    response = client_as(request.getfixturevalue(role)).get(reverse("activities:delete", args=[activity.pk]))
    assert response.status_code == status
    assert Activity.objects.filter(pk=activity.pk).exists()


@pytest.mark.parametrize("role, status", [("rep", 302), *[r for r in ROLES if r[0] != "rep"]])
def test_it_lets_only_the_owner_their_manager_and_admins_delete(request, client_as, activity, role, status):
    user = request.getfixturevalue(role)
    response = client_as(user).post(reverse("activities:delete", args=[activity.pk]))
    expected = 302 if status != 404 else 404
    assert response.status_code == expected
    assert Activity.objects.filter(pk=activity.pk).exists() == (expected == 404)


@pytest.mark.parametrize("role, status", ROLES)
def test_it_lets_only_the_owner_their_manager_and_admins_mark_a_meeting(request, client_as, meeting, role, status):
    response = client_as(request.getfixturevalue(role)).post(
        reverse("activities:mark", args=[meeting.pk]), {"outcome": "positive"}, **HTMX
    )
    assert response.status_code == status
    meeting.refresh_from_db()
    assert meeting.outcome == (Outcome.POSITIVE if status == 200 else Outcome.SCHEDULED)


@pytest.mark.parametrize("role, status", ROLES)
def test_it_lets_only_the_owner_their_manager_and_admins_edit(request, client_as, activity, role, status):
    response = client_as(request.getfixturevalue(role)).post(
        reverse("activities:edit", args=[activity.pk]), log_data(outcome="voicemail", duration_minutes="3")
    )
    assert response.status_code == (302 if status == 200 else 404)
    activity.refresh_from_db()
    assert activity.outcome == (Outcome.VOICEMAIL if status == 200 else Outcome.CONNECTED)


# --- quick log ----------------------------------------------------------------


def test_it_renders_the_full_page_log_form_without_javascript(client_as, rep):
    response = client_as(rep).get(reverse("activities:log"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html
    assert 'action="/activities/log/"' in html
    assert 'name="owner"' not in html  # a rep logs for themselves only


def test_it_renders_only_the_panel_form_for_htmx(client_as, rep):
    response = client_as(rep).get(reverse("activities:log"), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="ql-form"' in html and 'hx-post="/activities/log/"' in html
    assert 'value="call" autocomplete="off" checked' in html  # kind defaults to call


def test_it_shows_only_the_outcomes_of_a_call_by_default(client_as, rep):
    html = client_as(rep).get(reverse("activities:log"), **HTMX).content.decode()
    visible = [o for o in Outcome if f'value="{o.value}" autocomplete="off">' in html]
    assert visible == [Outcome.CONNECTED, Outcome.NO_ANSWER, Outcome.VOICEMAIL, Outcome.WRONG_NUMBER]


def test_it_logs_a_call_and_goes_back_to_the_list_without_javascript(client_as, rep):
    contact = ContactFactory(owner=rep, first_name="Ada", last_name="Lovelace")
    client = client_as(rep)
    response = client.post(reverse("activities:log"), log_data(contact=contact.pk, who="Ada Lovelace"), follow=True)
    assert response.redirect_chain == [(reverse("activities:list"), 302)]
    assert "Call logged." in response.content.decode()
    activity = Activity.objects.get()
    assert (activity.owner, activity.kind, activity.contact, activity.company) == (
        rep,
        Kind.CALL,
        contact,
        contact.company,
    )


def test_it_answers_htmx_with_a_cleared_form_the_new_row_and_a_confirmation(client_as, rep):
    response = client_as(rep).post(reverse("activities:log"), log_data(notes="Wants a demo"), **HTMX_ON_LIST)
    assert response.status_code == 200
    activity = Activity.objects.get()
    html = response.content.decode()
    assert "Call logged." in html
    assert 'hx-swap-oob="afterbegin:#activity-rows"' in html
    assert f'id="activity-{activity.pk}"' in html
    assert "Wants a demo" in html  # in the new row only: the form is cleared
    assert html.count("Wants a demo") == 1
    assert json.loads(response["HX-Trigger"]) == {"activity-logged": {"id": activity.pk}}


def test_it_leaves_out_the_row_when_the_page_has_no_list(client_as, rep):
    response = client_as(rep).post(reverse("activities:log"), log_data(), **HTMX)
    html = response.content.decode()
    assert "Call logged." in html
    assert "hx-swap-oob" not in html


def test_it_logs_the_time_it_is_given(client_as, rep):
    when = ago(hours=3).replace(second=0, microsecond=0)
    client_as(rep).post(reverse("activities:log"), log_data(occurred_at=local_input(when)), **HTMX)
    assert Activity.objects.get().occurred_at == when


def test_it_logs_now_when_no_time_is_given(client_as, rep):
    before = timezone.now()
    client_as(rep).post(reverse("activities:log"), log_data(), **HTMX)
    assert before <= Activity.objects.get().occurred_at <= timezone.now()


def test_it_books_a_meeting_ahead(client_as, rep):
    response = client_as(rep).post(
        reverse("activities:log"),
        log_data(kind="meeting", outcome="scheduled", occurred_at=local_input(ahead(days=2))),
        **HTMX,
    )
    assert "Meeting booked." in response.content.decode()
    assert Activity.objects.get().outcome == Outcome.SCHEDULED


def test_it_records_a_prospecting_entry_with_its_source(client_as, rep):
    contact = ContactFactory(owner=rep, is_decision_maker=True)
    source = LeadSourceFactory(name="Trade show")
    client_as(rep).post(
        reverse("activities:log"),
        log_data(
            kind="prospecting",
            outcome="",
            contact=contact.pk,
            who=str(contact),
            lead_source=source.pk,
            duration_minutes="25",
        ),
        **HTMX,
    )
    activity = Activity.objects.get()
    assert (activity.kind, activity.company, activity.contact, activity.lead_source, activity.duration_minutes) == (
        Kind.PROSPECTING,
        contact.company,
        contact,
        source,
        25,
    )


@pytest.mark.parametrize(
    "data, field, message",
    [
        (log_data(outcome="replied"), "outcome", "“Replied” does not fit a call."),
        (log_data(outcome=""), "outcome", "Choose how it went."),
        (log_data(kind="travel", outcome="held"), "outcome", "A travel has no outcome."),
        (log_data(duration_minutes="-5"), "duration_minutes", "Ensure this value is greater than or equal to 0."),
        (log_data(occurred_at="tomorrow"), "occurred_at", "Enter a valid date/time."),
    ],
)
def test_it_refuses_bad_input_with_a_message_and_writes_nothing(client_as, rep, data, field, message):
    response = client_as(rep).post(reverse("activities:log"), data, **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    assert f'name="{field}"' in html.split(message)[0]  # shown after its field
    assert not Activity.objects.exists()


def test_it_refuses_a_call_in_the_future(client_as, rep):
    response = client_as(rep).post(reverse("activities:log"), log_data(occurred_at=local_input(ahead(days=1))), **HTMX)
    assert response.status_code == 422
    assert "A call cannot be logged in the future" in response.content.decode()
    assert not Activity.objects.exists()


def test_it_refuses_a_deal_of_another_team(client_as, rep, outsider):
    deal = make_deal(owner=outsider, title="Their deal")
    response = client_as(rep).post(reverse("activities:log"), log_data(deal=deal.pk, who="Their deal"), **HTMX)
    assert response.status_code == 422
    assert "You cannot log activity on that deal." in response.content.decode()
    assert not Activity.objects.exists()


def test_it_refuses_bad_input_on_the_full_page_form_too(client_as, rep):
    response = client_as(rep).post(reverse("activities:log"), log_data(outcome="replied"))
    assert response.status_code == 422
    assert "<html" in response.content.decode()
    assert not Activity.objects.exists()


def test_it_ignores_the_owner_a_rep_posts(client_as, rep, teammate):
    client_as(rep).post(reverse("activities:log"), log_data(owner=teammate.pk), **HTMX)
    assert Activity.objects.get().owner == rep


def test_a_manager_logs_for_a_rep_of_their_team(client_as, manager, rep):
    response = client_as(manager).post(reverse("activities:log"), log_data(owner=rep.pk), **HTMX)
    assert response.status_code == 200
    assert Activity.objects.get().owner == rep
    # The next one is for the same rep unless the manager says otherwise.
    assert f'<option value="{rep.pk}" selected>' in response.content.decode()


def test_a_manager_cannot_log_for_another_teams_rep(client_as, manager, outsider):
    response = client_as(manager).post(reverse("activities:log"), log_data(owner=outsider.pk), **HTMX)
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    assert not Activity.objects.exists()


def test_an_admin_logs_for_anyone(client_as, admin_user, outsider):
    client_as(admin_user).post(reverse("activities:log"), log_data(owner=outsider.pk), **HTMX)
    assert Activity.objects.get().owner == outsider


# --- link search --------------------------------------------------------------


def test_it_suggests_contacts_companies_and_visible_deals(client_as, rep, outsider):
    contact = ContactFactory(first_name="Ada", last_name="Zeta", company=CompanyFactory(name="Other Inc"))
    company = CompanyFactory(name="Zeta Corp")
    deal = make_deal(owner=rep, title="Zeta renewal")
    make_deal(owner=outsider, title="Zeta secret")
    response = client_as(rep).get(reverse("activities:link_search"), {"q": "zeta"}, **HTMX)
    html = response.content.decode()
    assert f'data-contact="{contact.pk}"' in html
    assert f'data-company="{company.pk}"' in html
    assert f'data-deal="{deal.pk}"' in html
    assert "Zeta secret" not in html


def test_it_suggests_at_most_ten(client_as, rep):
    CompanyFactory.create_batch(12, name=factory.Sequence(lambda n: f"Initech {n}"))
    html = client_as(rep).get(reverse("activities:link_search"), {"q": "initech"}).content.decode()
    assert html.count('role="option"') == 10


def test_it_says_when_nothing_matches(client_as, rep):
    html = client_as(rep).get(reverse("activities:link_search"), {"q": "nobody"}).content.decode()
    assert "No matches." in html


# --- list ------------------------------------------------------------------------


def rows(response) -> list[int]:
    return [a.pk for a in response.context["page"]]


def test_a_rep_lists_only_their_own_activities(client_as, rep, teammate):
    mine = log(rep)
    log(teammate)
    assert rows(client_as(rep).get(reverse("activities:list"))) == [mine.pk]


def test_a_manager_lists_their_teams_activities(client_as, manager, rep, teammate, outsider):
    ours = [log(rep, occurred_at=ago(hours=2)), log(teammate, occurred_at=ago(hours=1))]
    log(outsider)
    assert rows(client_as(manager).get(reverse("activities:list"))) == [ours[1].pk, ours[0].pk]


def test_an_admin_lists_everyones_activities(client_as, admin_user, rep, outsider):
    log(rep)
    log(outsider)
    assert len(rows(client_as(admin_user).get(reverse("activities:list")))) == 2


def test_it_filters_by_kind_outcome_and_dates(client_as, rep):
    log(rep, outcome=Outcome.CONNECTED, occurred_at=ago(days=10))
    wanted = log(rep, outcome=Outcome.CONNECTED, occurred_at=ago(days=3))
    log(rep, outcome=Outcome.VOICEMAIL, occurred_at=ago(days=3))
    log(rep, kind=Kind.EMAIL, outcome=Outcome.SENT, occurred_at=ago(days=3))
    response = client_as(rep).get(
        reverse("activities:list"),
        {
            "kind": "call",
            "outcome": "connected",
            "date_from": (timezone.localdate() - timedelta(days=5)).isoformat(),
            "date_to": timezone.localdate().isoformat(),
        },
    )
    assert rows(response) == [wanted.pk]


def test_it_filters_by_company_and_deal(client_as, rep):
    deal = make_deal(owner=rep)
    on_deal = log(rep, deal=deal)
    contact = ContactFactory(owner=rep)
    at_company = log(rep, contact=contact)
    log(rep)
    client = client_as(rep)
    assert rows(client.get(reverse("activities:list"), {"deal": deal.pk})) == [on_deal.pk]
    assert rows(client.get(reverse("activities:list"), {"company": contact.company_id})) == [at_company.pk]


def test_a_manager_filters_by_rep(client_as, manager, rep, teammate):
    log(rep)
    theirs = log(teammate)
    assert rows(client_as(manager).get(reverse("activities:list"), {"owner": teammate.pk})) == [theirs.pk]


def test_a_rep_cannot_filter_on_someone_else(client_as, rep, teammate):
    mine = log(rep)
    log(teammate)
    response = client_as(rep).get(reverse("activities:list"), {"owner": teammate.pk})
    assert rows(response) == [mine.pk]
    assert 'name="owner"' not in response.content.decode()


def test_a_manager_cannot_filter_on_another_teams_rep(client_as, manager, rep, outsider):
    log(rep)
    log(outsider)
    response = client_as(manager).get(reverse("activities:list"), {"owner": outsider.pk})
    assert "owner" in response.context["search"].errors
    assert [a.owner for a in response.context["page"]] == [rep]


def test_it_counts_the_filtered_activities_by_kind(client_as, rep):
    for _ in range(3):
        log(rep)
    log(rep, kind=Kind.EMAIL, outcome=Outcome.SENT)
    log(rep, kind=Kind.EMAIL, outcome=Outcome.REPLIED)
    log(rep, kind=Kind.TRAVEL, duration_minutes=60)
    log(rep, kind=Kind.TRAVEL, occurred_at=ago(days=40))
    client = client_as(rep)
    response = client.get(reverse("activities:list"))
    assert response.context["counts"] == [("call", "Call", 3), ("email", "Email", 2), ("travel", "Travel", 2)]
    since = (timezone.localdate() - timedelta(days=7)).isoformat()
    response = client.get(reverse("activities:list"), {"date_from": since})
    assert response.context["counts"] == [("call", "Call", 3), ("email", "Email", 2), ("travel", "Travel", 1)]
    assert "6 activities" in response.content.decode()


def test_it_pages_by_fifty(client_as, rep):
    for minutes in range(51):
        log(rep, occurred_at=ago(minutes=minutes + 1))
    client = client_as(rep)
    assert len(rows(client.get(reverse("activities:list")))) == 50
    assert len(rows(client.get(reverse("activities:list"), {"page": 2}))) == 1


def _fill(owner, n):
    contact = ContactFactory(owner=owner)
    deal = make_deal(owner=owner)
    for i in range(n):
        log(owner, occurred_at=ago(minutes=i + 1), contact=contact if i % 2 else None, deal=deal if i % 3 else None)


# Session, user, counts by kind (the total with them), the page of rows and its owners, companies,
# contacts and deals (one query each); a manager's teams are worked out for the people they may
# see, the activities and the rollup rows, plus the rep filter's options. An admin's page also asks
# whether the rollup refreshes lag (the banner of dashboards/status.py).
@pytest.mark.parametrize("role, queries", [("rep", 8), ("manager", 17), ("admin_user", 10)])
def test_it_lists_in_a_fixed_number_of_queries(
    request, client_as, django_assert_max_num_queries, rep, teammate, role, queries
):
    client = client_as(request.getfixturevalue(role))
    _fill(rep, 5)
    with django_assert_max_num_queries(queries):
        client.get(reverse("activities:list"), {"kind": "call"})
    _fill(rep, 55)
    with django_assert_max_num_queries(queries):
        response = client.get(reverse("activities:list"), {"kind": "call"})
    assert len(response.context["page"]) == 50


def test_it_links_the_quick_log_panel_and_its_shortcut(client_as, rep):
    html = client_as(rep).get(reverse("activities:list")).content.decode()
    assert 'id="quick-log"' in html and "<kbd>L</kbd>" in html
    assert '<tbody id="activity-rows" data-takes-new-rows>' in html


def test_it_takes_no_new_rows_from_the_panel_while_filtered(client_as, rep):
    html = client_as(rep).get(reverse("activities:list"), {"kind": "email"}).content.decode()
    assert '<tbody id="activity-rows">' in html


# --- export ------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_it_exports_the_filtered_list(client_as, rep, teammate):
    contact = ContactFactory(owner=rep, first_name="Ada", last_name="Lovelace", company=CompanyFactory(name="Acme"))
    when = ago(days=1).replace(second=0, microsecond=0)
    log(rep, occurred_at=when, contact=contact, duration_minutes=9, notes='=HYPERLINK("http://evil")')
    log(rep, kind=Kind.EMAIL, outcome=Outcome.SENT)
    log(teammate)
    response = client_as(rep).get(reverse("activities:export"), {"kind": "call"})
    assert response["Content-Disposition"] == 'attachment; filename="activities.csv"'
    header, *data = read_csv(response)
    assert header == [
        "when",
        "day",
        "rep",
        "kind",
        "outcome",
        "minutes",
        "company",
        "contact",
        "deal",
        "source",
        "notes",
    ]
    local = timezone.localtime(when)
    assert data == [
        [
            local.strftime("%Y-%m-%d %H:%M"),
            local.date().isoformat(),
            str(rep),
            "Call",
            "Connected",
            "9",
            "Acme",
            "Ada Lovelace",
            "",
            "",
            '\'=HYPERLINK("http://evil")',
        ]
    ]


def test_a_manager_exports_their_teams_activities_only(client_as, manager, rep, outsider):
    log(rep)
    log(outsider)
    _header, *data = read_csv(client_as(manager).get(reverse("activities:export")))
    assert [row[2] for row in data] == [str(rep)]


# --- edit and delete ------------------------------------------------------------------


def test_it_prefills_the_edit_form(client_as, rep):
    contact = ContactFactory(owner=rep, first_name="Grace", last_name="Hopper")
    activity = log(rep, contact=contact, notes="Call back Friday")
    html = client_as(rep).get(reverse("activities:edit", args=[activity.pk])).content.decode()
    assert 'value="Grace Hopper"' in html and "Call back Friday" in html
    assert f'name="contact" value="{contact.pk}"' in html


def test_a_manager_edits_a_team_members_activity(client_as, manager, rep, activity):
    response = client_as(manager).post(
        reverse("activities:edit", args=[activity.pk]),
        log_data(owner=rep.pk, outcome="no_answer", occurred_at=local_input(activity.occurred_at)),
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert (activity.owner, activity.outcome) == (rep, Outcome.NO_ANSWER)


def test_it_refuses_a_bad_edit_and_changes_nothing(client_as, rep, activity):
    response = client_as(rep).post(reverse("activities:edit", args=[activity.pk]), log_data(outcome="bounced"))
    assert response.status_code == 422
    assert "does not fit" in response.context["form"].errors["outcome"][0]
    activity.refresh_from_db()
    assert activity.outcome == Outcome.CONNECTED


def test_it_refuses_an_edit_onto_another_teams_deal(client_as, rep, outsider, activity):
    deal = make_deal(owner=outsider, title="Their deal")
    response = client_as(rep).post(
        reverse("activities:edit", args=[activity.pk]), log_data(deal=deal.pk, who="Their deal")
    )
    assert response.status_code == 422
    assert "You cannot log activity on that deal." in response.content.decode()
    activity.refresh_from_db()
    assert activity.deal is None


def test_it_asks_before_deleting(client_as, rep, activity):
    response = client_as(rep).get(reverse("activities:delete", args=[activity.pk]))
    assert response.status_code == 200
    assert "This cannot be undone." in response.content.decode()
    assert Activity.objects.filter(pk=activity.pk).exists()


def test_it_deletes_on_post(client_as, rep, activity):
    response = client_as(rep).post(reverse("activities:delete", args=[activity.pk]), follow=True)
    assert response.redirect_chain == [(reverse("activities:list"), 302)]
    assert "Deleted the call." in response.content.decode()
    assert not Activity.objects.exists()


# --- upcoming meetings -------------------------------------------------------------------


def test_it_shows_meetings_awaiting_an_outcome_and_those_coming_up(client_as, rep, teammate, meeting):
    demo = log(rep, kind=Kind.DEMO, outcome=Outcome.SCHEDULED, occurred_at=ahead(days=2))
    log(rep, kind=Kind.MEETING, outcome=Outcome.POSITIVE, occurred_at=ago(days=1))
    log(teammate, kind=Kind.MEETING, outcome=Outcome.SCHEDULED, occurred_at=ahead(days=1))
    response = client_as(rep).get(reverse("activities:upcoming"))
    meetings = response.context["meetings"]
    assert (meetings.awaiting, meetings.upcoming) == ([meeting], [demo])


def test_a_manager_sees_their_teams_meetings(client_as, manager, rep, teammate, outsider):
    ours = log(teammate, kind=Kind.DEMO, outcome=Outcome.SCHEDULED, occurred_at=ahead(days=1))
    log(outsider, kind=Kind.DEMO, outcome=Outcome.SCHEDULED, occurred_at=ahead(days=1))
    assert client_as(manager).get(reverse("activities:upcoming")).context["meetings"].upcoming == [ours]


def test_it_offers_only_cancelled_for_a_meeting_still_to_come(client_as, rep):
    log(rep, kind=Kind.MEETING, outcome=Outcome.SCHEDULED, occurred_at=ahead(days=1))
    html = client_as(rep).get(reverse("activities:upcoming")).content.decode()
    assert 'value="cancelled"' in html
    assert 'value="positive"' not in html and 'value="no_show"' not in html


def test_it_offers_every_outcome_for_a_meeting_that_is_over(client_as, rep, meeting):
    html = client_as(rep).get(reverse("activities:upcoming")).content.decode()
    for value in ("positive", "neutral", "negative", "no_show", "cancelled"):
        assert f'value="{value}"' in html


@pytest.mark.parametrize("outcome", [Outcome.POSITIVE, Outcome.NEGATIVE, Outcome.NO_SHOW, Outcome.HELD])
def test_it_marks_a_meeting_in_one_click(client_as, rep, meeting, outcome):
    response = client_as(rep).post(reverse("activities:mark", args=[meeting.pk]), {"outcome": outcome}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li class="list-group-item" id="meeting-{meeting.pk}"')
    assert str(outcome.label) in html
    meeting.refresh_from_db()
    assert meeting.outcome == outcome


def test_it_refuses_marking_a_meeting_still_to_come_held(client_as, rep):
    meeting = log(rep, kind=Kind.MEETING, outcome=Outcome.SCHEDULED, occurred_at=ahead(days=1))
    response = client_as(rep).post(reverse("activities:mark", args=[meeting.pk]), {"outcome": "no_show"}, **HTMX)
    assert response.status_code == 422
    assert "This meeting has not happened yet." in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.outcome == Outcome.SCHEDULED


def test_it_cancels_a_meeting_still_to_come(client_as, rep):
    meeting = log(rep, kind=Kind.MEETING, outcome=Outcome.SCHEDULED, occurred_at=ahead(days=1))
    client_as(rep).post(reverse("activities:mark", args=[meeting.pk]), {"outcome": "cancelled"}, **HTMX)
    meeting.refresh_from_db()
    assert meeting.outcome == Outcome.CANCELLED


def test_it_refuses_an_outcome_that_is_not_a_button(client_as, rep, meeting):
    response = client_as(rep).post(reverse("activities:mark", args=[meeting.pk]), {"outcome": "replied"}, **HTMX)
    assert response.status_code == 422
    assert "Choose held, no-show or cancelled." in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.outcome == Outcome.SCHEDULED


def test_it_refuses_marking_a_call(client_as, rep, activity):
    response = client_as(rep).post(reverse("activities:mark", args=[activity.pk]), {"outcome": "positive"}, **HTMX)
    assert response.status_code == 422
    activity.refresh_from_db()
    assert activity.outcome == Outcome.CONNECTED


def test_it_marks_without_javascript_and_comes_back(client_as, rep, meeting):
    response = client_as(rep).post(reverse("activities:mark", args=[meeting.pk]), {"outcome": "no_show"}, follow=True)
    assert response.redirect_chain == [(reverse("activities:upcoming"), 302)]
    assert "Marked the meeting." in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.outcome == Outcome.NO_SHOW


def test_marking_needs_a_post(client_as, rep, meeting):
    assert client_as(rep).get(reverse("activities:mark", args=[meeting.pk])).status_code == 405


def test_it_shows_upcoming_meetings_in_a_fixed_number_of_queries(
    client_as, django_assert_max_num_queries, manager, rep
):
    client = client_as(manager)
    contact = ContactFactory(owner=rep)
    for i in range(3):
        log(rep, kind=Kind.MEETING, outcome=Outcome.SCHEDULED, occurred_at=ahead(days=i + 1), contact=contact)
    # Session, user, the manager's teams (two levels), the meetings.
    with django_assert_max_num_queries(5):
        client.get(reverse("activities:upcoming"))
    for i in range(30):
        log(rep, kind=Kind.DEMO, outcome=Outcome.SCHEDULED, occurred_at=ago(hours=i + 1), contact=contact)
    with django_assert_max_num_queries(5):
        response = client.get(reverse("activities:upcoming"))
    assert len(response.context["meetings"].awaiting) == 30
