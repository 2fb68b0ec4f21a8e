"""manage.py ensure_admin: make sure the superuser ``admin`` can log in (used by ``make run``).

The rule, in order:
- ``DEPCAL_ADMIN_PASSWORD`` given: ``admin`` gets that password, created if missing, every run
  (so a password set in the environment is the password, even when an admin exists).
- ``--reset`` (``make admin-password``): ``admin`` gets a new generated password, printed once.
- no superuser at all: ``admin`` is created with a generated password, printed once.
- otherwise nothing changes.
A password from the environment is checked by the project's password validators; a bad one
stops the command with the reason and changes nothing.
"""

import os
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

USERNAME = "admin"
ENV = "DEPCAL_ADMIN_PASSWORD"


class Command(BaseCommand):
    help = ("Make sure the superuser 'admin' can log in: the password comes from "
            f"{ENV} when set (every run), else is generated and printed once, when no "
            "superuser exists or with --reset.")

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true",
                            help="give 'admin' a new generated password (or the one in "
                                 f"{ENV}) and print it")

    def handle(self, *args, reset=False, **options):
        User = get_user_model()
        given = os.environ.get(ENV, "")
        if not (given or reset or not User.objects.filter(is_superuser=True).exists()):
            self.stdout.write(f"The admin user exists already. A new password: make "
                              f"admin-password (or manage.py ensure_admin --reset), or set "
                              f"{ENV}.")
            return
        user = User.objects.filter(username=USERNAME).first() or User(username=USERNAME)
        password = given or secrets.token_urlsafe(12)
        if given:
            try:
                validate_password(given, user)
            except ValidationError as exc:
                raise CommandError(f"{ENV} is not accepted: {' '.join(exc.messages)}") from None
        created = user.pk is None
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(password)
        user.save()
        what = "Created the admin user" if created else "Set the admin user's password"
        shown = f"the one in {ENV}" if given else password
        self.stdout.write(self.style.SUCCESS(f"{what}. Log in as '{USERNAME}' with password: "
                                             f"{shown}"))
