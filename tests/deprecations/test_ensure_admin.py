"""manage.py ensure_admin (make run, make admin-password): the admin can always log in, with
a password from the environment when one is given."""

import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db
PRINTED = re.compile(r"Log in as 'admin' with password: (\S+)")


def run(*args) -> str:
    out = StringIO()
    call_command("ensure_admin", *args, stdout=out)
    return out.getvalue()


def test_the_first_run_creates_admin_and_prints_its_password_once(monkeypatch):
    monkeypatch.delenv("DEPCAL_ADMIN_PASSWORD", raising=False)
    password = PRINTED.search(run()).group(1)
    assert authenticate(username="admin", password=password).is_superuser
    again = run()
    assert password not in again and "make admin-password" in again
    assert authenticate(username="admin", password=password)  # unchanged


def test_reset_sets_a_new_password_and_prints_it(monkeypatch):
    monkeypatch.delenv("DEPCAL_ADMIN_PASSWORD", raising=False)
    old = PRINTED.search(run()).group(1)
    new = PRINTED.search(run("--reset")).group(1)
    assert new != old
    assert authenticate(username="admin", password=new)
    assert authenticate(username="admin", password=old) is None


def test_a_password_in_the_environment_is_the_password_even_when_an_admin_exists(monkeypatch):
    monkeypatch.delenv("DEPCAL_ADMIN_PASSWORD", raising=False)
    run()
    monkeypatch.setenv("DEPCAL_ADMIN_PASSWORD", "correct horse battery")
    out = run()
    assert "correct horse battery" not in out and "the one in DEPCAL_ADMIN_PASSWORD" in out
    assert authenticate(username="admin", password="correct horse battery")
    assert get_user_model().objects.filter(is_superuser=True).count() == 1


def test_a_password_the_validators_refuse_changes_nothing(monkeypatch):
    monkeypatch.delenv("DEPCAL_ADMIN_PASSWORD", raising=False)
    password = PRINTED.search(run()).group(1)
    monkeypatch.setenv("DEPCAL_ADMIN_PASSWORD", "short")
    with pytest.raises(CommandError, match="DEPCAL_ADMIN_PASSWORD is not accepted: .*too short"):
        run("--reset")
    assert authenticate(username="admin", password=password)
