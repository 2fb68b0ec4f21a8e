"""manage.py parse_document PATH: print the retirements in a local document as JSON.

Touches no database. The output shape is a stable contract (see README): one object per
retirement with vendor, model, announced, deprecated, shutdown, replacement, source_text
(and a few extra keys, such as the full list of replacements).
"""

import json

from django.core.management.base import BaseCommand, CommandError

from deprecations import shipped
from deprecations.sources import parsers


class Command(BaseCommand):
    help = "Parse a local vendor document and print its retirements as a JSON array."
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--parser", help=f"one of: {', '.join(parsers.names())}")
        parser.add_argument("--vendor", help="vendor slug (e.g. openai) to attribute rows to")
        parser.add_argument("--url", default="", help="where the document came from")

    def handle(self, *args, path, parser, vendor, url, **options):
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from exc
        try:
            records = parsers.parse(data, parser=parser, url=url, vendor=_vendor_name(vendor))
        except parsers.ParseError as exc:
            raise CommandError(f"cannot parse {path}: {exc}") from exc
        self.stdout.write(json.dumps([r.as_json() for r in records], indent=1,
                                     ensure_ascii=False))


def _vendor_name(slug: str | None) -> str | None:
    """The display name of a shipped vendor slug, read from the catalogue file (no database)."""
    if not slug:
        return None
    for row in shipped.read()["vendors"]:
        if row["slug"] == slug:
            return row["name"]
    return slug
