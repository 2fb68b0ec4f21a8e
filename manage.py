#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "depcal.settings")
    from django.core.management import execute_from_command_line

    from depcal import checkout

    checkout.prepare(checkout.var_dir())  # this checkout's var/, owner-only

    execute_from_command_line(sys.argv)
