# depcal: `make run` starts everything locally, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: run test install install-test browser lint bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
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

## run: install, migrate, load the shipped catalogue, then web + worker + beat (Ctrl-C stops)
run: install
	@$(PY) -m depcal.checkout $(PORT)
	$(PY) manage.py collectstatic --no-input -v 0
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py load_catalogue
	$(PY) manage.py ensure_admin
	@echo "depcal: open http://127.0.0.1:$(PORT)/ (admin at http://127.0.0.1:$(PORT)/admin/)"
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" DEPCAL_PORT=$(PORT) $(VENV)/bin/honcho start -f Procfile 2>&1 || true

## test: install what the tests need and run the whole suite
test: install-test browser
	$(PY) -m pytest

lint: install-test
	$(VENV)/bin/ruff check .

bench: install-test
	$(PY) -m bench

clean:
	rm -rf var/ $(VENV)
