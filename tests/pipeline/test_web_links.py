"""A company's website is a link only when it is an http(s) URL, whatever the database holds."""

import pytest
from django.urls import reverse

from pipeline.models import Company
from pipeline.templatetags.web_links import http_url
from tests.factories import CompanyFactory


@pytest.mark.parametrize(
    "stored",
    ["javascript:alert(1)", " JavaScript:alert(1)", "java\tscript:alert(1)", "data:text/html,x", "//evil.example"],
)
def test_it_renders_any_other_scheme_as_plain_text(client_as, rep, stored):
    company = CompanyFactory(owner=rep)
    # Straight into the database, past the form's URL validation (as an old import or a SQL fix could).
    Company.objects.filter(pk=company.pk).update(website=stored)
    page = client_as(rep).get(reverse("pipeline:company_detail", args=[company.pk])).content.decode()
    assert 'rel="noopener noreferrer"' not in page
    assert 'href="java' not in page.lower() and 'href=" java' not in page.lower()


def test_it_links_an_https_website(client_as, rep):
    company = CompanyFactory(owner=rep, website="https://acme.example/about")
    page = client_as(rep).get(reverse("pipeline:company_detail", args=[company.pk])).content.decode()
    assert '<a href="https://acme.example/about" rel="noopener noreferrer" target="_blank">' in page


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://acme.example", "http://acme.example"),
        ("HTTPS://acme.example", "HTTPS://acme.example"),
        ("javascript:alert(1)", ""),
        ("ftp://acme.example", ""),
        ("acme.example", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_http_url_keeps_only_http_and_https(value, expected):
    assert http_url(value) == expected
