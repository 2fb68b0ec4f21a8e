"""One configuration for every process of a checkout (``depcal/checkout.py``, ``make run``).

The subprocess tests run ``python manage.py`` as a person would in a checkout, with nothing in
the environment but PATH and where var/ is, and read back the settings it got.
"""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from depcal import checkout

ROOT = Path(settings.BASE_DIR)
SHOW = ("from django.conf import settings as s; import json; print(json.dumps({'debug': s.DEBUG, "
        "'site': s.SITE_URL, 'backend': s.EMAIL_BACKEND, 'port': s.EMAIL_PORT, "
        "'key': s.SECRET_KEY, 'db': s.DATABASES['default']['NAME']}))")


def manage(var: Path, *args: str, **environ: str) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"], "DEPCAL_VAR_DIR": str(var), **environ}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def shown(var: Path, **environ) -> dict:
    done = manage(var, "shell", "-c", SHOW, **environ)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_make_run_writes_what_every_later_command_reads(tmp_path):
    var = tmp_path / "var"
    env = {"PATH": os.environ["PATH"], "DEPCAL_VAR_DIR": str(var), "EMAIL_HOST": "127.0.0.1",
           "EMAIL_PORT": "18151", "DEPCAL_ADMIN_PASSWORD": "not kept", "HOME": "/nowhere"}
    done = subprocess.run([sys.executable, "-m", "depcal.checkout", "18155"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "port 18155" in done.stdout and "SMTP 127.0.0.1:18151" in done.stdout
    written = checkout.read_config(var)
    assert written == {"DEBUG": "false", "PORT": "18155", "EMAIL_HOST": "127.0.0.1",
                       "EMAIL_PORT": "18151", "SITE_URL": "http://127.0.0.1:18155"}
    # (no admin password, no HOME)
    # A later command with no environment at all behaves as the server does.
    got = shown(var)
    assert got["debug"] is False
    assert got["site"] == "http://127.0.0.1:18155"
    assert got["backend"] == "django.core.mail.backends.smtp.EmailBackend"
    assert got["port"] == 18151
    assert got["key"] == (var / "secret_key").read_text().strip()
    # A process honcho started has a PORT of its own (the worker's is the web's + 100): the
    # links it writes still point at the server.
    assert shown(var, PORT="18255")["site"] == "http://127.0.0.1:18155"
    # The environment still wins over the file.
    again = shown(var, SITE_URL="https://depcal.example.org", EMAIL_PORT="2525")
    assert (again["site"], again["port"]) == ("https://depcal.example.org", 2525)


def test_the_test_suite_ignores_what_make_run_wrote(tmp_path):
    """A `make run` in the same checkout leaves DEBUG=false and its port in var/depcal.env; the
    suite's settings (tests.settings) read the project's defaults instead."""
    var = tmp_path / "var"
    env = {"PATH": os.environ["PATH"], "DEPCAL_VAR_DIR": str(var)}
    done = subprocess.run([sys.executable, "-m", "depcal.checkout", "18156"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert shown(var)["debug"] is False
    as_tests = shown(var, DJANGO_SETTINGS_MODULE="tests.settings")
    assert as_tests["debug"] is True
    assert as_tests["site"] == "http://127.0.0.1:8000"


def test_the_secret_key_is_this_checkouts_own_and_production_must_give_one(tmp_path):
    """Finding 16: no development key anyone else knows; DEBUG off without a key refuses."""
    first, second = shown(tmp_path / "a"), shown(tmp_path / "b")
    assert first["debug"] is True  # a plain checkout is local development
    assert len(first["key"]) >= 50 and first["key"] != second["key"]
    assert shown(tmp_path / "a")["key"] == first["key"]  # made once, then kept
    assert mode(tmp_path / "a" / "secret_key") == 0o600
    refused = manage(tmp_path / "c", "check", DEBUG="false")
    assert refused.returncode != 0
    assert "no SECRET_KEY is set" in refused.stderr
    assert not (tmp_path / "c" / "secret_key").exists()
    given = shown(tmp_path / "c", DEBUG="false", SECRET_KEY="k" * 50)
    assert given["key"] == "k" * 50 and given["debug"] is False
    # The image is production: DEBUG off, so it refuses to start without its own key.
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    assert "DEBUG=false" in dockerfile.split("ENV ", 1)[1].splitlines()[0]


def test_var_and_what_it_holds_are_for_their_owner_only(tmp_path):
    """Finding 17: the SQLite files (addresses, password hashes) and the key."""
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    old = var / "broker.sqlite3"
    old.write_bytes(b"left by an older version")
    old.chmod(0o644)
    migrated = manage(var, "migrate", "--no-input", "-v", "0")
    assert migrated.returncode == 0, migrated.stderr
    assert mode(var) == 0o700  # nobody else can even list it
    assert mode(old) == 0o600
    assert mode(var / "secret_key") == 0o600
    checkout.write_config(var, {"EMAIL_HOST_PASSWORD": "secret"}, port="8000")
    assert mode(var / checkout.CONFIG_NAME) == 0o600


def test_a_value_with_a_line_break_is_refused(tmp_path):
    with pytest.raises(ValueError, match="EMAIL_HOST"):
        checkout.write_config(tmp_path, {"EMAIL_HOST": "a\nDEBUG=true"}, port="8000")
