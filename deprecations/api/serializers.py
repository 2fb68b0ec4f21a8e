"""The API's shapes: what a vendor, a retirement, a change and an error look like in JSON.

``RetirementSerializer`` is also the shape of ``manage.py export_catalogue``, so the scanner
reads an export and the API's list with one loader (``deprecations.scan.catalogue``).
Links are absolute, built on ``SITE_URL`` like those of the feeds and emails.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from rest_framework import serializers

from depcal.querytext import usable
from deprecations.models import Change, Citation, Deprecation, Offering, Vendor

MAX_PAGE_SIZE = 500
MAX_VALUES = 20  # values of one repeatable filter, as on the feeds (more is a 400)


def site_url(path: str) -> str:
    return settings.SITE_URL + path


class VendorRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Vendor
        fields = ["slug", "name"]
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
    replacement = serializers.CharField(read_only=True,
                                        help_text="The preferred replacement, or ''.")
    replacements = serializers.ListField(child=serializers.CharField(), read_only=True,
                                         help_text="Recommended replacements, preferred first.")
    days_left = serializers.SerializerMethodField(
        help_text="Days from today to the shutdown (negative once past); null if undated.")
    url = serializers.SerializerMethodField(help_text="The entry's page on depcal.")
    api_url = serializers.SerializerMethodField()

    class Meta:
        model = Deprecation
        fields = [
            "id", "uid", "vendor", "identifier", "display_name", "kind", "aliases", "status",
            "announced_on", "deprecated_on", "shutdown_on", "shutdown_precision", "days_left",
            "replacement", "replacements", "notes", "revision", "updated_at", "url", "api_url",
        ]
        read_only_fields = fields

    def get_days_left(self, entry: Deprecation) -> int | None:
        return entry.days_left(self.context["today"])

    def get_url(self, entry: Deprecation) -> str:
        return site_url(entry.get_absolute_url())

    def get_api_url(self, entry: Deprecation) -> str:
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
        fields = ["id", "kind", "field", "old_date", "new_date", "revision", "changed_at",
                  "note"]
        read_only_fields = fields


class RetirementDetailSerializer(RetirementSerializer):
    """One retirement with its history (oldest first) and its sources."""

    history = ChangeSerializer(source="changes", many=True, read_only=True)
    sources = CitationSerializer(source="citations", many=True, read_only=True)

    class Meta(RetirementSerializer.Meta):
        fields = [*RetirementSerializer.Meta.fields, "history", "sources"]
        read_only_fields = fields


class ChangeFeedSerializer(ChangeSerializer):
    """A change with the entry as it stands now, so a mirror applies it in one step."""

    retirement = RetirementSerializer(source="deprecation", read_only=True)

    class Meta(ChangeSerializer.Meta):
        fields = [*ChangeSerializer.Meta.fields, "retirement"]
        read_only_fields = fields


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

class RetirementFilters(serializers.Serializer):
    vendor = serializers.ListField(
        child=serializers.CharField(max_length=100, allow_blank=True,
                                    validators=[usable]), required=False,
        max_length=MAX_VALUES,
        help_text="Vendor slug (repeatable: vendor=openai&vendor=anthropic).")
    model = serializers.ListField(
        child=serializers.CharField(max_length=200, allow_blank=True,
                                    validators=[usable]), required=False,
        max_length=MAX_VALUES,
        help_text="Model identifier or alias, or a family prefix: gpt-4o also matches "
                  "gpt-4o-2024-05-13 and gpt-4o:latest (repeatable).")
    status = serializers.ListField(
        child=serializers.ChoiceField(choices=Deprecation.Status.choices), required=False,
        max_length=MAX_VALUES,
        help_text="scheduled, retired or withdrawn (repeatable).")
    upcoming = serializers.BooleanField(
        required=False, allow_null=True, default=None,
        help_text="true: not withdrawn and shutting down today or later; "
                  "false: shut down before today.")
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
                  "midnight UTC). Keep the newest changed_at you have seen and pass it back.")
    vendor = serializers.ListField(
        child=serializers.CharField(max_length=100, allow_blank=True,
                                    validators=[usable]), required=False,
        max_length=MAX_VALUES,
        help_text="Vendor slug (repeatable).")
    model = serializers.ListField(
        child=serializers.CharField(max_length=200, allow_blank=True,
                                    validators=[usable]), required=False,
        max_length=MAX_VALUES,
        help_text="Model identifier, alias or family prefix (repeatable).")
