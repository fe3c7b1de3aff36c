"""The quick log (panel and full page) and its link search."""

import json

import factory
import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity, Kind, Outcome
from tests.activities.views.helpers import HTMX, ago, ahead, local_input, log_data
from tests.factories import CompanyFactory, ContactFactory, LeadSourceFactory, make_deal

HTMX_ON_LIST = {**HTMX, "HTTP_X_ACTIVITY_LIST": "1"}


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
