# depcal: `make run` starts everything locally, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: run admin-password test install install-test browser lint audit bench clean

# The scanner (scanner/, distribution depcal-scan) is installed in the same pip command as the
# server that requires it, so pip takes it from this checkout, never from an index.
$(VENV)/.installed: pyproject.toml scanner/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ./scanner -e .
	@$(MAKE) --no-print-directory $(VENV)/bin/depcal-scan
	touch $@

# A venv made before the scanner had its own distribution lost this script when pip replaced
# the old depcal (which owned it): put it back.
$(VENV)/bin/depcal-scan:
	$(PY) -m pip install --quiet --no-deps --force-reinstall -e ./scanner

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e ./scanner -e '.[test]'
	touch $@

## browser: Debian's chromium for the browser tests (installed when missing, if allowed)
browser:
	@bash scripts/ensure_browser.sh

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

# `make run` serves as production does: DEBUG off, a secret key made once for this checkout
# (var/secret_key), static files collected by `collectstatic` (hashed names, compressed, served
# by WhiteNoise with far-future caching). What it decides (DEBUG, PORT and so SITE_URL, and the
# mail, database and broker settings in its environment) goes to var/depcal.env, which every
# `python manage.py ...` in this checkout reads too (depcal/checkout.py). var/ is owner-only.

## run: install, migrate, load the shipped catalogue, then web + worker + beat (Ctrl-C stops);
## the addresses and the admin's password are printed last, once everything answers
run: install
	@$(PY) -m depcal.checkout $(PORT)
	$(PY) manage.py collectstatic --no-input -v 0
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py createcachetable
	$(PY) manage.py load_catalogue
	@admin="$$($(PY) manage.py ensure_admin)" || exit 1; \
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" \
	  DEPCAL_ANNOUNCE="$$(printf 'depcal is up: http://127.0.0.1:$(PORT)/\nThe admin: http://127.0.0.1:$(PORT)/admin/\n%s' "$$admin")" \
	  bash scripts/run_stack.sh $(PY) $(PORT) || true

## admin-password: give the admin user a new password (DEPCAL_ADMIN_PASSWORD, or generated) and print it
admin-password: install
	@$(PY) manage.py migrate --no-input -v 0
	@$(PY) manage.py ensure_admin --reset

## test: install what the tests need and run the whole suite
test: install-test browser
	$(PY) -m pytest

lint: install-test
	$(VENV)/bin/ruff check .

## audit: known vulnerabilities in the installed dependencies (pip-audit; see the script)
audit: install-test
	$(PY) scripts/audit_dependencies.py

bench: install-test
	$(PY) -m bench

clean:
	rm -rf var/ $(VENV)
