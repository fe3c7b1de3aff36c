"""Signing in through the real form, as every browser test starts."""

from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD


def submit_sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Fill in the sign-in form on the page and send it."""
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_in(page: Page, url: str, username: str, *, password: str = PASSWORD, width: int | None = None) -> None:
    """Open the sign-in page of the server at ``url``, sign in and wait for the user menu;
    ``width``: the window's width first (the default is 1280)."""
    if width:
        page.set_viewport_size({"width": width, "height": 900})
    page.goto(url + reverse("accounts:login"))
    submit_sign_in(page, username, password)
    expect(page.get_by_test_id("user-menu")).to_be_visible()
