"""The API's shapes: what a vendor, a retirement, a change and an error look like in JSON.

``RetirementSerializer`` is also the shape of ``manage.py export_catalogue``, so the scanner
reads an export and the API's list with one loader (``depcal_scan.retirements``).
Links are absolute, built on ``SITE_URL`` like those of the feeds and emails.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from depcal.querytext import usable
from deprecations import status
from deprecations.ambiguity import ambiguous_names
from deprecations.models import Change, Citation, Offering, Retirement, Vendor

MAX_PAGE_SIZE = 500
MAX_VALUES = 20  # values of one repeatable filter, as on the feeds (more is a 400)


def site_url(path: str) -> str:
    return settings.SITE_URL + path


class VendorRefSerializer(serializers.ModelSerializer):
    """A retirement's vendor: ``is_platform`` tells the code scanner that a bare model name
    is another maker's, whose entry it means (``depcal_scan.retirements.entries_meant``)."""

    class Meta:
        model = Vendor
        fields = ["slug", "name", "is_platform"]
        read_only_fields = fields


class VendorSerializer(serializers.ModelSerializer):
    website = serializers.CharField(read_only=True, help_text="The vendor's site, or ''.")
    url = serializers.SerializerMethodField(help_text="The vendor's page on depcal.")
    retirements = serializers.IntegerField(
        source="retirement_count", read_only=True,
        help_text="How many published retirements the catalogue has for this vendor.")

    class Meta:
        model = Vendor
        fields = ["slug", "name", "website", "is_platform", "url", "retirements"]
        read_only_fields = fields

    def get_url(self, vendor: Vendor) -> str:
        return site_url(vendor.get_absolute_url())


class RetirementSerializer(serializers.ModelSerializer):
    """One retirement entry, as listed (the export's shape too)."""

    uid = serializers.CharField(read_only=True,
                                help_text="Stable across hosts: the iCal UID of the entry.")
    vendor = VendorRefSerializer(source="offering.vendor", read_only=True)
    identifier = serializers.CharField(source="offering.identifier", read_only=True,
                                       help_text="As the vendor's API spells it.")
    display_name = serializers.CharField(source="offering.display_name", read_only=True)
    kind = serializers.ChoiceField(source="offering.kind", read_only=True,
                                   choices=Offering.Kind.choices)
    aliases = serializers.SlugRelatedField(source="offering.aliases", many=True, read_only=True,
                                           slug_field="name",
                                           help_text="Other names of the same offering.")
    ambiguous_names = serializers.SerializerMethodField(
        help_text="Of the identifier and aliases, those that are also ordinary words or too "
                  "short to be safe, each with the reason: the code scanner reports them only "
                  "where code uses them as a model id.")
    replacement = serializers.CharField(read_only=True,
                                        help_text="The preferred replacement, or ''.")
    replacements = serializers.ListField(child=serializers.CharField(), read_only=True,
                                         help_text="Recommended replacements, preferred first.")
    tentative = serializers.BooleanField(
        source="shutdown_tentative", read_only=True,
        help_text="True when the vendor gives shutdown_on as the earliest possible day (\"not "
                  "sooner than\"): the shutdown may come later, never sooner.")
    status = serializers.SerializerMethodField(
        help_text="scheduled; retired (shut down before today); due (the vendor's \"not "
                  "before\" day has passed: it may shut down any day, nothing says it has); "
                  "or withdrawn.")
    days_left = serializers.SerializerMethodField(
        help_text="Days from today to the shutdown (negative once past); null if undated. "
                  "For a tentative date, days to the earliest possible day.")
    url = serializers.SerializerMethodField(help_text="The entry's page on depcal.")
    api_url = serializers.SerializerMethodField()

    class Meta:
        model = Retirement
        fields = [
            "id", "uid", "vendor", "identifier", "display_name", "kind", "aliases",
            "ambiguous_names", "status", "announced_on", "deprecated_on", "shutdown_on",
            "shutdown_precision", "tentative", "days_left",
            "replacement", "replacements", "notes", "revision", "updated_at", "url", "api_url",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
    def get_ambiguous_names(self, entry: Retirement) -> dict[str, str]:
        offering = entry.offering
        return ambiguous_names([offering.identifier, *(a.name for a in offering.aliases.all())])

    @extend_schema_field({"type": "string", "enum": Retirement.Status.values})
    def get_status(self, entry: Retirement) -> str:
        return status.of(entry, self.context["today"])

    def get_days_left(self, entry: Retirement) -> int | None:
        return entry.days_left(self.context["today"])

    def get_url(self, entry: Retirement) -> str:
        return site_url(entry.get_absolute_url())

    def get_api_url(self, entry: Retirement) -> str:
        return site_url(reverse("deprecations:api:retirement", args=[entry.pk]))


class CitationSerializer(serializers.ModelSerializer):
    url = serializers.CharField(source="href", read_only=True,
                                help_text="The cited page (http or https only).")

    class Meta:
        model = Citation
        fields = ["url", "title", "retrieved_on", "quote"]
        read_only_fields = fields


class ChangeSerializer(serializers.ModelSerializer):
    """One row of an entry's history."""

    class Meta:
        model = Change
        fields = ["id", "kind", "field", "old_date", "old_tentative", "new_date", "new_tentative",
                  "revision", "changed_at", "recorded_at", "note"]
        read_only_fields = fields
        extra_kwargs = {
            "changed_at": {"help_text": "When it happened: a catalogue entry's history starts "
                                        "on the day its source announced it."},
            "recorded_at": {"help_text": "When depcal recorded it (follow this with ?since=)."},
            "old_tentative": {"help_text": "old_date was a \"not before\" date."},
            "new_tentative": {"help_text": "new_date is a \"not before\" date."},
        }


class RetirementDetailSerializer(RetirementSerializer):
    """One retirement with its history (oldest first) and its sources."""

    history = ChangeSerializer(source="changes", many=True, read_only=True)
    sources = CitationSerializer(source="citations", many=True, read_only=True)

    class Meta(RetirementSerializer.Meta):
        fields = [*RetirementSerializer.Meta.fields, "history", "sources"]
        read_only_fields = fields


class ChangeFeedSerializer(ChangeSerializer):
    """A change with the entry as it stands now, so a mirror applies it in one step."""

    retirement = RetirementSerializer(read_only=True)

    class Meta(ChangeSerializer.Meta):
        fields = [*ChangeSerializer.Meta.fields, "retirement"]
        read_only_fields = fields


class LaggingSourceSerializer(serializers.Serializer):
    slug = serializers.CharField(source="source.slug")
    vendor = serializers.CharField(source="source.vendor.slug", default=None, allow_null=True)
    url = serializers.URLField(source="source.cite_url")
    health = serializers.CharField(source="source.health",
                                   help_text="unknown (never fetched), unreachable, blocked, "
                                             "empty or error.")
    last_success_at = serializers.DateTimeField(source="source.last_success_at",
                                                allow_null=True)
    good_as_of = serializers.DateTimeField(
        allow_null=True, help_text="Its last successful read, or the shipped catalogue's "
                                   "as_of if it was never read here.")
    age_days = serializers.IntegerField(allow_null=True)


class FreshnessSerializer(serializers.Serializer):
    """How current the dates are (the home page's notice, as data)."""

    stale = serializers.BooleanField(
        help_text="True when a vendor's source has not been read successfully for more than a "
                  "day (unreachable, blocked), or was never read and the shipped catalogue is "
                  "older than a day: dates may be out of date.")
    sources_read_at = serializers.DateTimeField(
        allow_null=True, help_text="The newest successful read of any source.")
    catalogue_as_of = serializers.DateField(
        allow_null=True, help_text="How current the shipped catalogue was when loaded.")
    data_as_of = serializers.DateTimeField(
        allow_null=True, help_text="The newer of sources_read_at and catalogue_as_of.")
    age_days = serializers.IntegerField(allow_null=True,
                                        help_text="Whole days since data_as_of.")
    sources = serializers.IntegerField(source="watched",
                                       help_text="How many vendor sources are watched.")
    lagging_sources = LaggingSourceSerializer(
        source="lagging", many=True,
        help_text="Sources not read successfully for more than a day.")


class RootSerializer(serializers.Serializer):
    vendors = serializers.URLField()
    retirements = serializers.URLField()
    changes = serializers.URLField()
    schema = serializers.URLField()
    docs = serializers.URLField()
    changes_atom = serializers.URLField()
    freshness = FreshnessSerializer()


class ErrorSerializer(serializers.Serializer):
    """Every error the API answers (4xx) has this body."""

    status = serializers.IntegerField(help_text="The HTTP status, repeated.")
    error = serializers.CharField(help_text="A short code: invalid_parameters, not_found, "
                                            "throttled, method_not_allowed...")
    detail = serializers.CharField(help_text="What went wrong and what to do, in English.")
    parameters = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False,
        help_text="For invalid_parameters: each bad query parameter and what is wrong with it.")


# Query parameters. Blank values are allowed and ignored, as on the calendar's own pages.

def repeated_text(max_length: int, help_text: str) -> serializers.ListField:
    """A query parameter that may be given several times, each value text."""
    return serializers.ListField(
        child=serializers.CharField(max_length=max_length, allow_blank=True,
                                    validators=[usable]), required=False,
        max_length=MAX_VALUES, help_text=help_text)


VENDOR_HELP = ("Vendor slug (repeatable: vendor=openai&vendor=anthropic); a slug that names no "
               "vendor is a 404 naming it and listing the vendors, as on the feeds.")


class RetirementFilters(serializers.Serializer):
    vendor = repeated_text(100, VENDOR_HELP)
    model = repeated_text(200, "Model identifier or alias, or a family prefix: gpt-4o also "
                               "matches gpt-4o-2024-05-13 and gpt-4o:latest (repeatable).")
    status = serializers.ListField(
        child=serializers.ChoiceField(choices=Retirement.Status.choices), required=False,
        max_length=MAX_VALUES,
        help_text="scheduled, retired, due or withdrawn (repeatable).")
    upcoming = serializers.BooleanField(
        required=False, allow_null=True, default=None,
        help_text="true: not withdrawn and shutting down today or later, or due (a \"not "
                  "before\" day that has passed); false: shut down before today.")
    shutdown_before = serializers.DateField(
        required=False, help_text="Shutdown strictly before this date (YYYY-MM-DD).")
    shutdown_after = serializers.DateField(
        required=False, help_text="Shutdown strictly after this date (YYYY-MM-DD).")
    q = serializers.CharField(required=False, allow_blank=True, max_length=100,
                              validators=[usable],
                              help_text="Free text in the identifier, name or aliases.")


class ChangeFilters(serializers.Serializer):
    since = serializers.DateTimeField(
        required=False, input_formats=["iso-8601", "%Y-%m-%d"],
        help_text="Only changes recorded after this instant (ISO 8601; a date means its "
                  "midnight UTC). Keep the newest recorded_at you have seen and pass it back.")
    vendor = repeated_text(100, VENDOR_HELP)
    model = repeated_text(200, "Model identifier, alias or family prefix (repeatable).")
