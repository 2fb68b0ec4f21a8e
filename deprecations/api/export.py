"""The whole public catalogue as one JSON document, in the API's list shape.

``{"count", "next": null, "previous": null, "results": [retirement, ...]}`` plus when and where
it was made: one page holding every entry, so ``depcal-scan --catalogue`` reads an export with
the same loader as the API's pages.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings

from deprecations import queries
from deprecations.api.serializers import RetirementSerializer
from deprecations.api.views import ENTRY_ORDER


def catalogue_document(*, today: date) -> dict:
    entries = queries.public_retirements().order_by(*ENTRY_ORDER)
    results = RetirementSerializer(entries, many=True, context={"today": today}).data
    return {
        "count": len(results),
        "next": None,
        "previous": None,
        "results": results,
        "generated_on": today.isoformat(),
        "site_url": settings.SITE_URL,
        "catalogue_version": queries.catalogue_version(),
    }
