from django.test import Client
from django.urls import reverse


def can_sign_in(username: str, password: str) -> bool:
    """Sign in through the real login form, in a fresh browser session."""
    response = Client().post(reverse("accounts:login"), {"username": username, "password": password})
    return response.status_code == 302
