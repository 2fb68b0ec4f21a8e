"""The catalogue version: one row that every write changes, seen by every process."""

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.db import connection, transaction

from deprecations import changes, version
from deprecations.models import Alias, Retirement
from tests.deprecations import factories

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """The address of the database this test runs on, for another process."""
    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    return f"postgres://{s['USER']}{password}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"


def in_another_process(code: str) -> None:
    """Run ``code`` with Django set up on this test's database, in a new Python process."""
    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE":
           "depcal.settings", "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", "import django; django.setup()\n" + code],
                   cwd=ROOT, env=env, check=True, timeout=120)


@pytest.mark.django_db
def test_every_kind_of_write_gives_a_new_version():
    entry = factories.entry()
    seen = {version.current()}
    changes.move_date(entry, "shutdown_on", date(2026, 3, 1), via="test")
    seen.add(version.current())
    Alias.objects.create(offering=entry.offering, name="another-name")  # a save, not changes
    seen.add(version.current())
    Retirement.objects.filter(pk=entry.pk).update(notes="bulk")  # no signal for this one
    seen.add(version.current())
    Alias.objects.filter(name="another-name").delete()
    seen.add(version.current())
    assert len(seen) == 5


@pytest.mark.django_db
def test_a_write_that_rolls_back_leaves_the_version_as_it_was():
    factories.entry()
    before = version.current()
    with pytest.raises(RuntimeError), transaction.atomic():
        factories.entry("gpt-4-0613")
        assert version.current() != before  # the writer sees its own
        raise RuntimeError("rolled back")
    assert version.current() == before


@pytest.mark.django_db(transaction=True)
def test_a_change_in_another_process_is_seen_within_the_memo(settings):
    settings.DEPCAL_CATALOGUE_VERSION_MEMO = 2.0
    entry = factories.entry()
    version.forget()
    first = version.current(clock=lambda: 100.0)
    in_another_process(
        "from datetime import date\n"
        "from deprecations import changes\nfrom deprecations.models import Retirement\n"
        f"changes.move_date(Retirement.objects.get(pk={entry.pk}), 'shutdown_on', "
        "date(2026, 4, 1), via='test')\n")
    assert version.current(clock=lambda: 101.9) == first  # kept for two seconds, no longer
    assert version.current(clock=lambda: 102.0) != first


@pytest.mark.django_db(transaction=True)
def test_a_change_in_this_process_is_seen_at_once(settings):
    settings.DEPCAL_CATALOGUE_VERSION_MEMO = 3600.0
    entry = factories.entry()
    first = version.current()
    changes.withdraw(entry, via="test")
    assert version.current() != first
