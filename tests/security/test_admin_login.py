"""Finding 8: admin logins are throttled per client address, and admin passwords validated."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db
PASSWORD = "correct-Horse-battery-9"


@pytest.fixture
def admin_user():
    return get_user_model().objects.create_superuser("admin", password=PASSWORD)


def login(client, password, ip="192.0.2.10", **headers):
    return client.post("/admin/login/?next=/admin/", {"username": "admin", "password": password},
                       REMOTE_ADDR=ip, **headers)


def logged_in(client) -> bool:
    return client.get("/admin/").status_code == 200


def test_fifty_wrong_passwords_then_the_right_one_is_refused(client, admin_user, settings):
    settings.DEPCAL_TRUSTED_PROXIES = 0
    codes = [login(client, f"guess-{i}", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code
             for i in range(50)]
    assert codes[:4] == [200] * 4  # the form again, with an error
    assert set(codes[5:]) == {429}  # locked out; a forged X-Forwarded-For changes nothing
    assert login(client, PASSWORD).status_code == 429
    assert not logged_in(client)


def test_another_address_may_still_log_in(client, admin_user):
    for i in range(5):
        login(client, f"guess-{i}")
    assert login(client, PASSWORD).status_code == 429
    assert login(client, PASSWORD, ip="198.51.100.20").status_code == 302
    assert logged_in(client)


def test_a_lockout_can_be_lifted(client, admin_user):
    for i in range(5):
        login(client, f"guess-{i}")
    call_command("axes_reset", verbosity=0)
    assert login(client, PASSWORD).status_code == 302


@pytest.mark.parametrize("weak", ["a", "password123", "12345678901234", "admin-admin"])
def test_ensure_admin_refuses_a_weak_password(monkeypatch, weak):
    monkeypatch.setenv("DEPCAL_ADMIN_PASSWORD", weak)
    with pytest.raises(CommandError, match="too weak"):
        call_command("ensure_admin")
    assert not get_user_model().objects.exists()


def test_ensure_admin_takes_a_strong_password_or_makes_one(monkeypatch, capsys):
    monkeypatch.setenv("DEPCAL_ADMIN_PASSWORD", PASSWORD)
    call_command("ensure_admin")
    assert get_user_model().objects.get(username="admin").check_password(PASSWORD)
    get_user_model().objects.all().delete()
    monkeypatch.delenv("DEPCAL_ADMIN_PASSWORD")
    call_command("ensure_admin")
    made = capsys.readouterr().out.rsplit("password: ", 1)[1].strip()
    assert len(made) >= 20 and get_user_model().objects.get().check_password(made)


def test_the_admin_password_change_form_validates_too(admin_client):
    user = get_user_model().objects.get(username="admin")
    response = admin_client.post(f"/admin/auth/user/{user.pk}/password/",
                                 {"password1": "abc", "password2": "abc"})
    assert response.status_code == 200 and b"too short" in response.content
