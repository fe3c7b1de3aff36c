"""Editing and deleting an activity."""

from django.urls import reverse

from activities.models import Activity, Outcome
from tests.activities.views.helpers import local_input, log, log_data
from tests.factories import ContactFactory, make_deal


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
