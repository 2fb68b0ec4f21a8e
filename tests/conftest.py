"""Shared test setup: which real services this run uses, and the few objects tests build on.

PostgreSQL and a network broker are used when DATABASE_URL / CELERY_BROKER_URL point at them
(``.ci/run`` does). Tests that need one are marked; without it they are skipped with the
reason printed at the end, unless DEPCAL_REQUIRE_SERVICES=1 makes that a failure.
"""

import os
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings

REQUIRE_SERVICES = os.environ.get("DEPCAL_REQUIRE_SERVICES") == "1"


# Static files straight from static/ through the finders, whatever DEBUG the checkout's
# var/depcal.env says: the tests have no collectstatic step for the manifest storage.
PLAIN_STATIC = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}


def pytest_configure(config):
    """This checkout's var/ (the test databases and broker files of SQLite runs go there),
    and static files served as DEBUG serves them."""
    from depcal import checkout

    checkout.prepare(settings.VAR_DIR)
    settings.STORAGES = {**settings.STORAGES, "staticfiles": PLAIN_STATIC}
    settings.WHITENOISE_USE_FINDERS = True


def _db_engine() -> str:
    return settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]


def pytest_report_header(config):
    return [
        f"depcal: database={_db_engine()} broker={settings.CELERY_BROKER_URL.split(':', 1)[0]} "
        f"require_services={REQUIRE_SERVICES}"
    ]


def pytest_collection_modifyitems(config, items):
    if _db_engine() == "postgresql":
        return
    action = pytest.mark.usefixtures("_missing_postgres") if REQUIRE_SERVICES else (
        pytest.mark.skip(reason=POSTGRES_MISSING))
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(action)


POSTGRES_MISSING = ("needs PostgreSQL: set DATABASE_URL=postgres://... "
                    "(README, 'Running the tests')")


@pytest.fixture
def _missing_postgres():
    pytest.fail(f"DEPCAL_REQUIRE_SERVICES=1: {POSTGRES_MISSING}")


@pytest.fixture(scope="session", autouse=True)
def _own_broker():
    """This run's own queue: the embedded broker moves to a file of this run's, a Redis
    broker keeps the database number CELERY_BROKER_URL gives (CI picks one per run)."""
    from depcal.celery import app

    if settings.CELERY_BROKER_URL.startswith("sqla+sqlite"):
        url = f"sqla+sqlite:///{settings.VAR_DIR / f'test-broker-{os.getpid()}.sqlite3'}"
        settings.CELERY_BROKER_URL = app.conf.broker_url = url
    yield
    if settings.CELERY_BROKER_URL.startswith("sqla+sqlite"):
        Path(settings.CELERY_BROKER_URL.split("///", 1)[1]).unlink(missing_ok=True)


@pytest.fixture(autouse=True)
def _feed_limits_off(settings):
    """Feeds are rate-limited per client, and every test is the same client (127.0.0.1):
    off unless a test sets its own (tests/security/test_limits.py)."""
    settings.DEPCAL_FEED_RATE = None
    settings.DEPCAL_FEED_RENDER_RATE = None


@pytest.fixture
def one_window(monkeypatch):
    """Rate limits at a fixed moment, 30 s into a minute (and an hour and a day), from an
    empty cache: a test's requests all fall in one window, whenever it runs."""
    from django.core.cache import cache

    from depcal import limits

    monkeypatch.setattr(limits, "wall", lambda: 1_800_000_030.0)
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def today():
    """A pinned 'today' (the shipped documents date from November 2025)."""
    return date(2025, 11, 20)


@pytest.fixture
def eager_tasks():
    """Celery tasks run in this process when queued (``CELERY_TASK_ALWAYS_EAGER``, as on a site
    without a worker), and their errors fail the test: what a page queues is done before the
    test goes on."""
    from depcal.celery import app

    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before
