"""manage.py ensure_admin: create a superuser if there is none (used by ``make run``)."""

import os
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Create the superuser 'admin' if no superuser exists. The password comes from "
            "DEPCAL_ADMIN_PASSWORD (it must pass the password validators), or is generated "
            "and printed once.")

    def handle(self, *args, **options):
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("An admin user exists already; log in at /admin/.")
            return
        given = "DEPCAL_ADMIN_PASSWORD" in os.environ
        password = os.environ["DEPCAL_ADMIN_PASSWORD"] if given else secrets.token_urlsafe(16)
        try:
            validate_password(password, User(username="admin"))
        except ValidationError as exc:
            raise CommandError("DEPCAL_ADMIN_PASSWORD is too weak: " + " ".join(exc.messages)
                               + " Choose another, or unset it to have one generated.") from exc
        User.objects.create_superuser("admin", email="", password=password)
        shown = "from DEPCAL_ADMIN_PASSWORD" if given else password
        self.stdout.write(self.style.SUCCESS(
            f"Created the admin user. Log in at /admin/ as 'admin' with password: {shown}"))
