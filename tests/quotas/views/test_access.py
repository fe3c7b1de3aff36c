"""Who may open the quotas screens (quotas/views.py): admins only for what writes or splits."""

import pytest
from django.urls import reverse

from quotas.models import Quota
from tests.quotas.views.helpers import GRID

PAGES = {
    "grid": ("get", "quotas:grid"),
    "history": ("get", "quotas:history"),
    "split": ("get", "quotas:split"),
    "org_settings": ("get", "quotas:org_settings"),
    "grid_save": ("post", "quotas:grid_save"),
    "copy_previous": ("post", "quotas:copy_previous"),
}

# Who gets which status code (admins only for everything that writes or splits).
ACCESS = {
    "rep": {"grid": 200, "history": 200, "split": 403, "org_settings": 403, "grid_save": 403, "copy_previous": 403},
    "teammate": {
        "grid": 200,
        "history": 200,
        "split": 403,
        "org_settings": 403,
        "grid_save": 403,
        "copy_previous": 403,
    },
    "manager": {"grid": 200, "history": 200, "split": 403, "org_settings": 403, "grid_save": 403, "copy_previous": 403},
    "other_manager": {
        "grid": 200,
        "history": 200,
        "split": 403,
        "org_settings": 403,
        "grid_save": 403,
        "copy_previous": 403,
    },
    "admin_user": {
        "grid": 200,
        "history": 200,
        "split": 200,
        "org_settings": 200,
        "grid_save": 302,
        "copy_previous": 302,
    },
}


@pytest.mark.parametrize("page", PAGES)
def test_it_sends_anonymous_visitors_to_sign_in(client, db, page):
    method, name = PAGES[page]
    response = getattr(client, method)(reverse(name), GRID)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("who", ACCESS)
def test_it_allows_each_page_to_the_right_roles(request, client_as, rep, teammate, outsider, who, page):
    user = request.getfixturevalue(who)
    method, name = PAGES[page]
    response = getattr(client_as(user), method)(reverse(name), GRID)
    assert response.status_code == ACCESS[who][page]


def test_it_refuses_a_rep_posting_quotas_and_saves_nothing(client_as, rep):
    response = client_as(rep).post(reverse("quotas:grid_save"), {**GRID, f"target_r{rep.pk}_20261001": "1"})
    assert response.status_code == 403
    assert not Quota.objects.exists()
