"""The catalogue version: one row that every write changes, seen by every process."""

import os
import subprocess
import sys
import threading
import time
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


def _lock_waiters() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # else fixed for the transaction
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                       "AND datname = current_database()")
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_writers_of_the_same_entries_in_crossed_order_take_turns_without_a_deadlock():
    """Two collectors' transactions write the same two entries in opposite orders. Each write
    locks the version row right after its own row, so a writer that took its turn only at its
    first write would hold a row the other needs next: PostgreSQL would abort one as a
    deadlock. Taking the turn first (``version.writing``), the second waits at the start."""
    one, two = factories.entry("gpt-4-0613").pk, factories.entry("gpt-4-0314").pk
    a_wrote, errors = threading.Event(), []

    def writer(first, second, name, *, before=None, between=None):
        try:
            if before:
                before()
            with version.writing():
                Retirement.objects.filter(pk=first).update(notes=f"{name} first")
                if between:
                    between()
                Retirement.objects.filter(pk=second).update(notes=f"{name} second")
        except Exception as exc:  # noqa: BLE001 - the assertion below shows it
            errors.append(exc)
        finally:
            connection.close()

    def until_b_waits():
        a_wrote.set()
        deadline = time.monotonic() + 30
        while not _lock_waiters():  # b is blocked: on its turn, or on a row a holds
            assert time.monotonic() < deadline, "the second writer never waited"
            time.sleep(0.05)

    a = threading.Thread(target=writer, args=(one, two, "a"), kwargs={"between": until_b_waits})
    b = threading.Thread(target=writer, args=(two, one, "b"),
                         kwargs={"before": lambda: a_wrote.wait(30)})
    a.start(), b.start()
    a.join(60), b.join(60)
    assert errors == []
    assert dict(Retirement.objects.values_list("pk", "notes")) == {
        one: "b second", two: "b first"}  # a committed, then b
