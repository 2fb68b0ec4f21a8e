#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (Playwright's own browser download is not used).
# Install it when missing and we may (root with apt); otherwise say so: the tests then skip,
# except in CI, where they fail. The same goes for GNU gettext (xgettext, msgmerge), which
# tests/test_i18n.py needs to check that every message has a French translation.
set -u
missing=""
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing=" chromium"
command -v xgettext >/dev/null 2>&1 || missing="$missing gettext"
if [ -z "$missing" ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's$missing for the tests (apt-get)"
  # shellcheck disable=SC2086  # one word per package
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null \
    && exit 0
fi
echo "note: could not install$missing; the tests that need it will be skipped" >&2
exit 0
