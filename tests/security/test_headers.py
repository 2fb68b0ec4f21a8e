"""Findings 1 and 7: a strict Content-Security-Policy everywhere, cookies scripts cannot read,
and HSTS, secure cookies and the proxy's scheme when served over HTTPS."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model

from bench.app_server import ROOT

pytestmark = pytest.mark.django_db
PATHS = ["/", "/past/", "/subscribe/", "/admin/login/", "/api/v1/docs", "/api/v1/vendors",
         "/calendar.ics", "/changes.atom", "/no-such-page/"]


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}


@pytest.mark.parametrize("path", PATHS)
def test_every_answer_carries_a_csp_without_inline_script(client, path):
    policy = directives(client.get(path))
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]


def test_the_admin_pages_carry_it_too(admin_client):
    response = admin_client.get("/admin/deprecations/retirement/")
    assert response.status_code == 200
    assert directives(response)["script-src"] == ["'self'"]
    assert b"<script>" not in response.content  # nothing inline to be blocked


def test_the_csrf_cookie_is_httponly_and_so_is_the_session(client):
    response = client.get("/subscribe/")
    assert response.cookies["csrftoken"]["httponly"] is True
    user = get_user_model().objects.create_superuser("boss", password="a-long-Passphrase-9")
    response = client.post("/admin/login/?next=/admin/",
                           {"username": "boss", "password": "a-long-Passphrase-9"})
    assert response.status_code == 302 and user.pk
    assert response.cookies["sessionid"]["httponly"] is True


def test_plain_http_keeps_cookies_usable_and_sends_no_hsts(client):
    response = client.get("/subscribe/")
    assert not response.cookies["csrftoken"]["secure"]
    assert "Strict-Transport-Security" not in response


def settings_under(**environment) -> dict[str, str]:
    """The settings a fresh process reads from this environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEPCAL_", "SECURE_"))}
    env.update(DJANGO_SETTINGS_MODULE="depcal.settings", **environment)
    code = ("from django.conf import settings as s; "
            "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
            "s.SECURE_HSTS_SECONDS, getattr(s, 'SECURE_PROXY_SSL_HEADER', None))")
    out = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"],
                         cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
    return out.strip()


def test_https_settings_follow_the_environment():
    assert settings_under() == "False False False 31536000 None"
    assert settings_under(DEPCAL_HTTPS="true") == "True True True 31536000 None"
    assert settings_under(DEPCAL_HTTPS="true", DEPCAL_TRUSTED_PROXIES="1") == (
        "True True True 31536000 ('HTTP_X_FORWARDED_PROTO', 'https')")
    assert settings_under(SECURE_HSTS_SECONDS="0").split()[3] == "0"


def test_over_https_hsts_goes_out_and_cookies_are_secure(client, settings):
    settings.DEPCAL_HTTPS = True
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    plain = client.get("/subscribe/")
    assert plain.status_code == 301 and plain["Location"] == "https://testserver/subscribe/"
    secure = client.get("/subscribe/", HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload")
    assert secure.cookies["csrftoken"]["secure"] is True


@pytest.mark.parametrize("extra", [{}, {"DEPCAL_TRUSTED_PROXIES": "1"}])
def test_check_deploy_is_clean_when_served_over_https(tmp_path, extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DEPCAL_", "SECURE_", "DATABASE_URL", "CACHE_URL"))}
    env.update(DEBUG="false", SECRET_KEY=secrets.token_urlsafe(50), DEPCAL_HTTPS="true",
               DEPCAL_VAR_DIR=str(tmp_path), **extra)
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout, result.stdout
    assert "WARNING" not in result.stderr + result.stdout
