"""A checkout's own files under ``var/``: its secret key and the configuration ``make run`` chose.

``make run`` writes what the running server uses (``DEBUG``, ``PORT``, the mail and database
settings given in its environment) to ``var/depcal.env``, so that any ``python manage.py ...``
in the same checkout reads the same and signs, links and sends as the server does. The
environment always wins over the file. The secret key is made once per checkout, at random:
there is no development key anyone else knows. The directory and what it holds (the key, the
SQLite files with addresses and password hashes) are for their owner only.

``python -m depcal.checkout`` is what ``make run`` calls to write the file.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
import sys
from pathlib import Path

CONFIG_NAME = "depcal.env"
SECRET_NAME = "secret_key"

# What ``make run`` carries over from its environment: the settings of the configuration table
# (README). Not the admin password (used once) nor where var/ itself is.
CARRIED = re.compile(
    r"(DEBUG|PORT|SECRET_KEY|SITE_URL|ALLOWED_HOSTS|CSRF_TRUSTED_ORIGINS|DATABASE_URL|CACHE_URL"
    r"|TIME_ZONE|LOG_LEVEL|ADMINS|DEFAULT_FROM_EMAIL|SERVER_EMAIL|EMAIL_\w+|CELERY_\w+"
    r"|DEPCAL_\w+|NOTIFIER_\w+)")
NOT_CARRIED = {"DEPCAL_VAR_DIR", "DEPCAL_ADMIN_PASSWORD", "DEPCAL_PORT"}


def prepare(var_dir: Path) -> None:
    """Create ``var_dir`` for its owner only (with ``static/``, where collectstatic writes and
    WhiteNoise looks), and take group and other access away from what an older version left
    readable in it. manage.py, ``make run`` and the tests' setup call it; the settings only
    read ``var_dir``."""
    var_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    (var_dir / "static").mkdir(exist_ok=True)
    _owner_only(var_dir, 0o700)
    for path in var_dir.iterdir():
        if path.is_file() and not path.is_symlink():
            _owner_only(path, 0o600)


def _owner_only(path: Path, mode: int) -> None:
    info = path.stat()
    if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & 0o077:
        path.chmod(mode)


def read_config(var_dir: Path) -> dict[str, str]:
    """The settings ``make run`` wrote for this checkout (``NAME=value`` lines), or {}."""
    try:
        text = (var_dir / CONFIG_NAME).read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    values = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value
    return values


def carried(environ) -> dict[str, str]:
    """The variables of ``environ`` that are depcal's configuration."""
    return {name: value for name, value in environ.items()
            if CARRIED.fullmatch(name) and name not in NOT_CARRIED}


def write_config(var_dir: Path, environ, *, port: str) -> dict[str, str]:
    """Write what a ``make run`` on ``port`` with this environment uses: production-like
    (``DEBUG=false``) unless the environment says otherwise, plus its configuration. The site
    URL is written out: honcho gives each process of ``make run`` a ``PORT`` of its own (the
    worker's is the web's plus 100), which must not move the links it writes."""
    values = {"DEBUG": "false", "SITE_URL": f"http://127.0.0.1:{port}", **carried(environ),
              "PORT": str(port)}
    bad = [name for name, value in values.items() if "\n" in value or "\r" in value]
    if bad:
        raise ValueError(f"{', '.join(bad)}: a value cannot hold a line break")
    lines = ["# Written by `make run`: every process of this checkout reads it (the "
             "environment wins).", *(f"{name}={values[name]}" for name in sorted(values))]
    _write_private(var_dir / CONFIG_NAME, "\n".join(lines) + "\n")
    return values


def secret_key(var_dir: Path, *, create: bool) -> str:
    """This checkout's secret key from ``var/secret_key``; made there (at random, owner-only)
    when missing and ``create`` is set, else ''."""
    path = var_dir / SECRET_NAME
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        if not create:
            return ""
    prepare(var_dir)
    try:  # O_EXCL: two processes starting at once keep the same key
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(secrets.token_urlsafe(50) + "\n")
    return path.read_text(encoding="utf-8").strip()


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    tmp.replace(path)


def var_dir(environ=os.environ) -> Path:
    base = Path(__file__).resolve().parent.parent
    return Path(environ.get("DEPCAL_VAR_DIR") or base / "var")


def main(argv: list[str]) -> int:
    """``python -m depcal.checkout PORT``: write var/ for a ``make run`` on PORT."""
    if len(argv) != 1 or not argv[0].isdigit():
        print("usage: python -m depcal.checkout PORT", file=sys.stderr)
        return 2
    where = var_dir()
    prepare(where)
    secret_key(where, create=True)
    values = write_config(where, os.environ, port=argv[0])
    mail = (f"SMTP {values['EMAIL_HOST']}:{values.get('EMAIL_PORT', '25')}"
            if values.get("EMAIL_HOST") else "printed to the console (set EMAIL_HOST to send)")
    print(f"depcal: settings for this checkout in {where / CONFIG_NAME} "
          f"(DEBUG={values['DEBUG']}, port {values['PORT']}, mail {mail}); "
          f"python manage.py reads them too")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
