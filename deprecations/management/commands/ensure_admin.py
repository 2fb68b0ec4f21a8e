"""manage.py ensure_admin: create a superuser if there is none (used by ``make run``)."""

import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = ("Create the superuser 'admin' if no superuser exists. The password comes from "
            "DEPCAL_ADMIN_PASSWORD, or is generated and printed once.")

    def handle(self, *args, **options):
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("An admin user exists already; log in at /admin/.")
            return
        password = os.environ.get("DEPCAL_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        User.objects.create_superuser("admin", email="", password=password)
        shown = "from DEPCAL_ADMIN_PASSWORD" if "DEPCAL_ADMIN_PASSWORD" in os.environ else password
        self.stdout.write(self.style.SUCCESS(
            f"Created the admin user. Log in at /admin/ as 'admin' with password: {shown}"))
