"""Browser tests: Playwright (sync API) drives Debian's Chromium against pytest-django's live
server, with the shipped catalogue loaded and "today" pinned.

Playwright's own browser download is not used: Chromium is ``$DEPCAL_CHROMIUM``,
``/usr/bin/chromium`` or ``chromium`` on PATH (``make browser`` installs it). Without it the
tests are skipped, with the reason; with ``CI=true`` that is a failure instead.

Pages are served by the live server from a transactional test database (the server thread
has its own connection), static files straight from ``static/`` (no collectstatic: see
``pytest_configure`` in tests/conftest.py). Mail goes to Django's in-memory outbox, which the server
thread shares with the test.
"""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import pytest
from django.core.cache import cache
from playwright.sync_api import sync_playwright

from deprecations import changes, shipped
from deprecations.models import Retirement

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots"
TODAY = date(2026, 1, 18)  # upcoming entries exist: chatgpt-4o-latest shuts down in 30 days
ALL_PAST = date(2028, 6, 1)  # every dated entry of the shipped catalogue is past
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def chromium_path() -> str | None:
    for candidate in (os.environ.get("DEPCAL_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def _unavailable(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and the browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="package")
def browser():
    """One Chromium for the package. Playwright's sync API keeps an event loop in this thread,
    so Django's async-safety check is switched off while it runs (and only then)."""
    path = chromium_path()
    if path is None:
        _unavailable("Chromium not found (apt-get install chromium, or `make browser`; or "
                     "set DEPCAL_CHROMIUM to its path)")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _site(live_server, settings, today: date):
    settings.DEPCAL_TODAY = today.isoformat()
    settings.SITE_URL = live_server.url  # links in mail and calendar feeds point here
    # (eager_tasks: mail is sent by the request that queues it)
    cache.clear()  # rate limits and rendered feeds of earlier tests
    shipped.load(shipped.read(), today=today)
    return live_server


@pytest.fixture
def site(live_server, transactional_db, settings, eager_tasks):
    """The live server with the shipped catalogue, on 18 January 2026."""
    yield _site(live_server, settings, TODAY)
    cache.clear()


@pytest.fixture
def site_all_past(live_server, transactional_db, settings, eager_tasks):
    """The live server with the shipped catalogue, on 1 June 2028, every shutdown past: the
    dates the vendors gave as "not before" a day are made firm, as if confirmed (a passed
    "not before" day is not a shutdown: the entry may still shut down any day)."""
    server = _site(live_server, settings, ALL_PAST)
    Retirement.objects.filter(shutdown_tentative=True).update(shutdown_tentative=False)
    changes.refresh_statuses(today=ALL_PAST)
    yield server
    cache.clear()


@pytest.fixture
def open_page(browser):
    """``open_page(viewport=DESKTOP, scheme="light", locale="en-US")``: a page in a fresh
    context (own cookies), with the colour scheme the CSS sees as prefers-color-scheme and the
    language the browser asks for (Accept-Language)."""
    contexts = []

    def make(viewport=DESKTOP, scheme="light", locale="en-US"):
        context = browser.new_context(viewport=viewport, color_scheme=scheme, locale=locale,
                                      reduced_motion="reduce")
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page):
    return open_page()


def pytest_collection_modifyitems(items):
    """Every test of this folder drives a real Chromium: all are ``slow``."""
    here = Path(__file__).resolve().parent
    for item in items:
        if here in item.path.resolve().parents:
            item.add_marker(pytest.mark.slow)
