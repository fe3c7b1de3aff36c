"""The type-ahead searches for companies and contacts."""

from django.urls import reverse

from pipeline.models import Contact, Segment
from tests.factories import CompanyFactory


def test_it_offers_companies_as_htmx_options(client_as, outsider, rep):
    acme = CompanyFactory(name="Acme", owner=rep, segment=Segment.SMB)
    CompanyFactory(name="Beta", owner=rep)
    html = client_as(outsider).get(reverse("pipeline:company_search"), {"q": "ACM"}).content.decode()
    assert f'data-id="{acme.pk}"' in html
    assert "Beta" not in html


def test_it_offers_at_most_ten_options(client_as, rep):
    CompanyFactory.create_batch(12, owner=rep)
    html = client_as(rep).get(reverse("pipeline:company_search"), {"q": "company"}).content.decode()
    assert html.count("data-id=") == 10


def test_it_answers_a_company_search_in_json(client_as, rep):
    acme = CompanyFactory(name="Acme", owner=rep)
    response = client_as(rep).get(reverse("pipeline:company_search"), {"q": "acm", "format": "json"})
    assert response.json() == [{"id": acme.pk, "label": "Acme"}]


def test_it_offers_nothing_for_an_empty_search(client_as, rep, company):
    response = client_as(rep).get(reverse("pipeline:company_search"), {"q": " ", "format": "json"})
    assert response.json() == []
    assert "data-id" not in client_as(rep).get(reverse("pipeline:contact_search")).content.decode()


def test_it_answers_a_contact_search_by_email_or_company(client_as, rep, people):
    url = reverse("pipeline:contact_search")
    ada = Contact.objects.get(first_name="Ada")
    client = client_as(rep)
    assert client.get(url, {"q": "ada@", "format": "json"}).json() == [{"id": ada.pk, "label": "Ada Lovelace (Acme)"}]
    assert f'data-id="{ada.pk}"' in client.get(url, {"q": "acme"}).content.decode()


def test_it_keeps_a_contact_search_to_one_company(client_as, rep, people):
    response = client_as(rep).get(
        reverse("pipeline:contact_search"), {"q": "a", "company": people["globex"].pk, "format": "json"}
    )
    assert [option["label"] for option in response.json()] == ["Alan Turing (Globex)"]
