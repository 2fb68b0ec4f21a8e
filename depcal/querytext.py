"""What text in a query string may hold: no control characters, and nothing XML 1.0 cannot
carry (U+FFFE, U+FFFF). No slug, model name or search needs them, and the feeds (XML) and
PostgreSQL (NUL) cannot take them. Pages and feeds drop them (``depcal.middleware``); the API
refuses a parameter holding them with a 400 that names it (the pattern is in its schema)."""

import re

from django.core.validators import RegexValidator

UNUSABLE = re.compile(r"[\x00-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
# The same rule as a pattern for validators and the OpenAPI schema (ECMA-262 and Python alike).
USABLE_PATTERN = r"^[^\x00-\x1f\x7f\ufffe\uffff]*$"
usable = RegexValidator(USABLE_PATTERN, "May not contain control characters.",
                        code="control_characters")
