"""Browser tests: a real Chromium, driven through Playwright's sync API,
against pytest-django's ``live_server``.

Chromium and the playwright package are real services here: when either is
missing the tests fail and say what to install.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from tests import services

CHROMIUM = "/usr/bin/chromium"
HERE = Path(__file__).resolve().parent

# The machine has no internet: these flags stop Chromium's background traffic
# (updates, sync, QUIC probes) that would only flood refused connections.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.services)


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module, started on first use.

    Playwright's sync API keeps an asyncio event loop running in the test's
    thread while it lives, and Django then refuses ORM calls from that thread
    (SynchronousOnlyOperation). DJANGO_ALLOW_ASYNC_UNSAFE is set only for that
    time, so it never leaks into other tests or the subprocesses they start.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        services.unavailable("the playwright package is not installed")
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        services.unavailable(f"Chromium is not installed at {CHROMIUM}")
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies, no storage) and page for each test."""
    context = browser.new_context()
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def seed_small_demo(settings, monkeypatch):
    """``seed_small_demo(days=N)``: the demo organisation (password "demo" for all) in the live
    server's database, with three deals per rep and ``N`` days of activity."""

    def seed(*, days: int) -> None:
        monkeypatch.setattr("dashboards.demo.pipeline.DEALS_PER_REP", 3)
        monkeypatch.setattr("dashboards.demo.activities.DAYS", days)
        # seed_demo refuses to run with DEBUG off, and pytest-django turns DEBUG off.
        settings.DEBUG = True
        try:
            call_command("seed_demo", verbosity=0)
        finally:
            settings.DEBUG = False

    return seed
