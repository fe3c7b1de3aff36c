"""Our error pages: a styled 404 for another team's object even with DEBUG on, a styled 500, a favicon."""

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.test import override_settings
from django.urls import reverse

from tests.factories import make_deal


@pytest.fixture
def outsiders_deal(outsider):
    return make_deal(owner=outsider)


@override_settings(DEBUG=True)
def test_it_answers_another_teams_deal_with_our_404_under_debug(client_as, rep, outsiders_deal):
    response = client_as(rep).get(reverse("pipeline:deal_detail", args=[outsiders_deal.pk]))
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    body = response.content.decode()
    assert 'data-testid="not-found"' in body
    # Django's technical page would list the site's URL patterns and name the view.
    assert "URLconf" not in body and "deal_detail" not in body and "Raised by" not in body


@override_settings(DEBUG=False)
def test_it_answers_another_teams_deal_with_our_404(client_as, rep, outsiders_deal):
    response = client_as(rep).get(reverse("pipeline:deal_detail", args=[outsiders_deal.pk]))
    assert response.status_code == 404
    assert 'data-testid="not-found"' in response.content.decode()


def test_it_styles_the_500_page_without_a_request_or_the_database():
    html = render_to_string("500.html")
    assert 'data-testid="server-error"' in html
    assert "bootstrap.min.css" in html and "css/app.css" in html and "favicon.svg" in html


def test_it_links_the_favicon_on_every_page(client):
    body = client.get(reverse("accounts:login")).content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in body


def test_it_sends_favicon_ico_to_the_icon(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.svg"
    assert "max-age=86400" in response["Cache-Control"]


def test_it_ships_the_icon_as_a_static_file():
    path = finders.find("favicon.svg")
    assert path and "<svg" in Path(path).read_text()
