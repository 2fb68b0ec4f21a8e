"""The catalogue: vendors, the things they retire, each retirement and its history.

State changes go through ``deprecations.changes`` so that every move of a date leaves a
``Change`` row and bumps the entry's revision; nothing here writes history by itself.
"""

import re
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy

from deprecations import status, version
from deprecations.weburl import is_web_url, validate_source_url, validate_web_url

# Namespace for the iCal UID and other stable ids of an entry (uuid5 of vendor + identifier).
ENTRY_NAMESPACE = uuid.UUID("0b9a3f4e-6f1c-5a57-9c31-6d6570636171")


class CatalogueQuerySet(models.QuerySet):
    """Bulk writes that send no ``post_save``/``post_delete`` still change the catalogue
    version (``deprecations.version``), like single saves do through the signals."""

    def update(self, **kwargs):
        rows = super().update(**kwargs)
        if rows:
            version.changed()
        return rows

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        if created:
            version.changed()
        return created

    def bulk_update(self, objs, *args, **kwargs):
        rows = super().bulk_update(objs, *args, **kwargs)
        if rows:
            version.changed()
        return rows


CatalogueManager = models.Manager.from_queryset(CatalogueQuerySet)


class Vendor(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100, unique=True)
    website = models.URLField(blank=True, validators=[validate_web_url])
    # A platform that resells other vendors' models (Bedrock, Vertex, Azure): same model,
    # different dates, so a separate entry per platform.
    is_platform = models.BooleanField(default=False)


    objects = CatalogueManager()
    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("deprecations:vendor", args=[self.slug])


class Offering(models.Model):
    """A thing a vendor serves and may retire: a model, a snapshot, an endpoint or a feature."""

    class Kind(models.TextChoices):
        MODEL = "model", pgettext_lazy("offering kind", "model")
        SNAPSHOT = "snapshot", pgettext_lazy("offering kind", "snapshot")
        ENDPOINT = "endpoint", pgettext_lazy("offering kind", "endpoint")
        FEATURE = "feature", pgettext_lazy("offering kind", "feature")

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="offerings")
    identifier = models.CharField(max_length=200, help_text="As the vendor's API spells it.")
    display_name = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.MODEL)
    # The same model under other vendors' names (Claude 3 Opus on Bedrock and at Anthropic):
    # derived on save, indexed, so an entry page finds its siblings in one query.
    family = models.CharField(max_length=200, db_index=True, editable=False, blank=True)


    objects = CatalogueManager()
    class Meta:
        ordering = ["vendor__name", "identifier"]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "identifier"],
                                    name="offering_unique_per_vendor")
        ]

    def __str__(self):
        return self.identifier

    def save(self, *args, **kwargs):
        self.family = family_key(self.display_name or self.identifier)
        super().save(*args, **kwargs)


_PROVIDER_PREFIX = re.compile(r"^[a-z0-9]+\.(?=[a-z])")  # anthropic.claude-... on Bedrock
_VERSION_SUFFIX = re.compile(r"(-v\d+(:\d+)?|@\d+|-\d{8}|-\d{4}-\d{2}-\d{2}|-\d{3,4})$")


def family_key(name: str) -> str:
    """A name reduced to what platforms share: ``anthropic.claude-3-opus-20240229-v1:0``,
    ``claude-3-opus-20240229`` and ``Claude 3 Opus`` all give ``claude-3-opus``."""
    key = _PROVIDER_PREFIX.sub("", name.strip().lower())
    key = re.sub(r"[\s._]+", "-", key)
    previous = None
    while previous != key:
        previous, key = key, _VERSION_SUFFIX.sub("", key)
    return key.strip("-")


class Alias(models.Model):
    """Another name that points at the same offering (``gpt-4-turbo-preview``, ``command-r``)."""

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)


    objects = CatalogueManager()
    class Meta:
        ordering = ["name"]
        verbose_name_plural = "aliases"
        constraints = [
            models.UniqueConstraint(fields=["offering", "name"], name="alias_unique_per_offering")
        ]

    def __str__(self):
        return self.name


class RetirementQuerySet(CatalogueQuerySet):
    def published(self):
        return self.filter(published=True)

    def upcoming(self, today):
        """A shutdown still to come, including a "not before" day that has passed."""
        return self.filter(status.ahead(today))

    def past(self, today):
        """Shut down before ``today`` (a passed "not before" day is not: it may come any day)."""
        return self.filter(status.shut_down(today))

    def with_related(self):
        return self.select_related("offering__vendor").prefetch_related("offering__aliases")


class Retirement(models.Model):
    """One retirement entry: when a vendor announced, deprecated and shuts down an offering."""

    Status = status.Status

    class Precision(models.TextChoices):
        DAY = "day", "day"
        MONTH = "month", "month"

    offering = models.OneToOneField(Offering, on_delete=models.PROTECT, related_name="retirement")
    announced_on = models.DateField(null=True, blank=True)
    deprecated_on = models.DateField(null=True, blank=True)
    shutdown_on = models.DateField(null=True, blank=True, db_index=True)
    shutdown_precision = models.CharField(
        max_length=5, choices=Precision.choices, default=Precision.DAY,
        help_text="Month: the vendor gave only a month; the date is the first of it.",
    )
    shutdown_tentative = models.BooleanField(
        default=False,
        help_text="The vendor gives the shutdown as the earliest possible day (\"not sooner "
                  "than\"): shown as \"not before\", never counted down.",
    )
    replacements = models.JSONField(
        default=list, blank=True, help_text="Recommended replacements, preferred first."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED,
                              db_index=True)
    notes = models.TextField(blank=True, help_text="Qualifiers, regions, disagreements.")
    revision = models.PositiveIntegerField(default=0, editable=False)
    # Published entries are public; unpublished ones wait in the review queue.
    published = models.BooleanField(default=True, db_index=True)
    # A curator edited this entry by hand: collectors flag differences instead of applying them.
    curated = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = RetirementQuerySet.as_manager()

    class Meta:
        ordering = ["shutdown_on", "offering__identifier"]
        constraints = [
            models.CheckConstraint(
                condition=Q(shutdown_on__isnull=True)
                | Q(announced_on__isnull=True)
                | Q(shutdown_on__gte=F("announced_on")),
                name="shutdown_not_before_announcement",
                violation_error_message="The shutdown date cannot be before the announcement.",
            )
        ]

    def __str__(self):
        return f"{self.offering} ({self.offering.vendor})"

    def get_absolute_url(self):
        """``/vendors/openai/chatgpt-4o-latest/``: the same on every install, unlike the id.
        The identifier goes in as the vendor spells it (``.``, ``:``, ``@`` and ``/`` stay,
        anything else is percent-encoded), less the empty parts ``url_key`` drops."""
        return reverse("deprecations:entry", args=[self.offering.vendor.slug,
                                                   url_key(self.offering.identifier)])

    @property
    def vendor(self):
        return self.offering.vendor

    @property
    def identifier(self):
        return self.offering.identifier

    @property
    def uid(self) -> str:
        """Stable across renders and hosts: derived from vendor and identifier only."""
        key = f"{self.offering.vendor.slug}/{self.offering.identifier}"
        return f"{uuid.uuid5(ENTRY_NAMESPACE, key)}@depcal"

    @property
    def replacement(self) -> str:
        return self.replacements[0] if self.replacements else ""

    def days_left(self, today) -> int | None:
        return (self.shutdown_on - today).days if self.shutdown_on else None


def url_key(identifier: str) -> str:
    """An identifier as its entry's address spells it: without empty ``/``-separated parts
    (``/v1/answers`` is ``v1/answers``), which would put ``//`` in the path, where proxies
    and browsers merge or drop them. ``views.entry`` maps the key back to the entry."""
    return "/".join(part for part in identifier.split("/") if part)


class Citation(models.Model):
    """Where a fact about an entry comes from."""

    retirement = models.ForeignKey(Retirement, on_delete=models.CASCADE, related_name="citations")
    url = models.URLField(max_length=500, validators=[validate_web_url])
    title = models.CharField(max_length=200, blank=True)
    retrieved_on = models.DateField(null=True, blank=True)
    quote = models.TextField(blank=True, help_text="The text the facts were taken from.")


    objects = CatalogueManager()
    class Meta:
        ordering = ["retrieved_on", "url"]
        constraints = [
            models.UniqueConstraint(fields=["retirement", "url"], name="citation_unique_per_entry")
        ]

    def __str__(self):
        return self.title or self.url

    @property
    def href(self) -> str:
        """The URL to link to, or '' when it is not http(s) (rows from before that rule)."""
        return self.url if is_web_url(self.url) else ""


class Change(models.Model):
    """The history of an entry: its creation, every move of a date, withdrawal, reinstatement,
    and its publication when it waited for review first."""

    class Kind(models.TextChoices):
        CREATED = "created", pgettext_lazy("change of a retirement", "created")
        MOVED = "moved", pgettext_lazy("change of a retirement", "date moved")
        WITHDRAWN = "withdrawn", pgettext_lazy("change of a retirement", "withdrawn")
        REINSTATED = "reinstated", pgettext_lazy("change of a retirement", "reinstated")
        # An entry that waited for review is shown on the pages, feeds and API from now on.
        PUBLISHED = "published", pgettext_lazy("change of a retirement", "published")

    retirement = models.ForeignKey(Retirement, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    field = models.CharField(max_length=20, blank=True)
    old_date = models.DateField(null=True, blank=True)
    new_date = models.DateField(null=True, blank=True)
    # Whether each shutdown date was "not before" (tentative) when the change was made.
    old_tentative = models.BooleanField(default=False)
    new_tentative = models.BooleanField(default=False)
    revision = models.PositiveIntegerField()
    # When it happened: for an entry loaded from the shipped catalogue, the day its source
    # announced it (the history starts there); otherwise when it was recorded.
    changed_at = models.DateTimeField(db_index=True)
    # When depcal wrote this row: what a mirror follows (``/api/v1/changes?since=``), since a
    # change dated in the past may be recorded today.
    recorded_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    # Which source or process made the change when no person did ("catalogue", "source:openai").
    via = models.CharField(max_length=100, blank=True)
    note = models.TextField(blank=True)


    objects = CatalogueManager()
    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.field} {self.old_date} -> {self.new_date}"

    # ``via`` of the changes the shipped catalogue file makes (``deprecations.shipped``).
    VIA_CATALOGUE = "catalogue file"

    @property
    def who(self) -> str:
        return self.changed_by.get_username() if self.changed_by else self.via

    def who_label(self) -> str:
        """``who`` in the reader's language, for the pages ("source openai-deprecations")."""
        if self.changed_by or not self.via:
            return self.who
        if self.via == self.VIA_CATALOGUE:
            return gettext("catalogue file")
        for prefix, text in (("review of source:", gettext("reviewed from source %(slug)s")),
                             ("source:", gettext("source %(slug)s"))):
            if self.via.startswith(prefix):
                return text % {"slug": self.via.removeprefix(prefix)}
        return self.via


class CatalogueLoad(models.Model):
    """A version of the shipped catalogue file loaded here: how current its facts were
    (``as_of``), which the home page and the API compare with the sources' last reads."""

    as_of = models.DateField(unique=True)
    loaded_at = models.DateTimeField()

    class Meta:
        ordering = ["-as_of"]
        get_latest_by = "as_of"

    def __str__(self):
        return f"catalogue as of {self.as_of}"


class Source(models.Model):
    """A vendor document that collectors read on a schedule."""

    class Authority(models.TextChoices):
        # The vendor's own deprecation page: new retirements are published directly.
        PRIMARY = "primary", "vendor deprecation page"
        # Release notes and secondary trackers: new retirements wait for review.
        CHANGELOG = "changelog", "vendor changelog"
        SECONDARY = "secondary", "secondary tracker"

    class Health(models.TextChoices):
        # Shown on the public sources page ("failing now: unreachable"): translated.
        UNKNOWN = "unknown", pgettext_lazy("source health", "not fetched yet")
        OK = "ok", pgettext_lazy("source health", "ok")
        UNREACHABLE = "unreachable", pgettext_lazy("source health", "unreachable")
        BLOCKED = "blocked", pgettext_lazy("source health", "blocked (403 or bot challenge)")
        EMPTY = "empty", pgettext_lazy("source health", "no rows any more (layout changed?)")
        ERROR = "error", pgettext_lazy("source health", "error")

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    vendor = models.ForeignKey(Vendor, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="sources",
                               help_text="Blank for trackers that cover many vendors.")
    url = models.URLField(max_length=500, validators=[validate_source_url])
    page_url = models.URLField(max_length=500, blank=True, validators=[validate_web_url],
                               help_text="Human-readable page to cite, if not the fetched URL.")
    parser = models.CharField(max_length=50, blank=True,
                              help_text="Parser name; blank picks one from the content.")
    authority = models.CharField(max_length=20, choices=Authority.choices,
                                 default=Authority.PRIMARY)
    enabled = models.BooleanField(default=True)
    interval_minutes = models.PositiveIntegerField(
        null=True, blank=True,
        help_text="Minutes between fetches. Blank: every 15 minutes for a source that sends an "
                  "ETag (a 304 costs almost nothing), else hourly.")
    next_fetch_at = models.DateTimeField(null=True, blank=True, db_index=True)
    etag = models.CharField(max_length=500, blank=True, editable=False)
    last_modified = models.CharField(max_length=100, blank=True, editable=False)
    health = models.CharField(max_length=20, choices=Health.choices, default=Health.UNKNOWN)
    health_note = models.TextField(blank=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_row_count = models.PositiveIntegerField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0, help_text="Failed fetches in a row.")

    class Meta:
        ordering = ["slug"]

    def __str__(self):
        return self.name

    @property
    def cite_url(self) -> str:
        return self.page_url or self.url


class FetchRun(models.Model):
    """One fetch of one source: what came back and what it did to the catalogue."""

    class Status(models.TextChoices):
        OK = "ok", "ok"
        NOT_MODIFIED = "not_modified", "not modified (304)"
        UNREACHABLE = "unreachable", "unreachable"
        BLOCKED = "blocked", "blocked"
        EMPTY = "empty", "no rows"
        ERROR = "error", "error"

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="runs")
    started_at = models.DateTimeField(db_index=True)
    duration_ms = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=20, choices=Status.choices)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    bytes = models.PositiveIntegerField(default=0)
    parser = models.CharField(max_length=50, blank=True)
    rows = models.PositiveIntegerField(default=0)
    new = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    flagged = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.source} {self.started_at:%Y-%m-%d %H:%M} {self.status}"


class Notice(models.Model):
    """One extracted row, as a source stated it; deduplicated by its fingerprint."""

    class Review(models.TextChoices):
        APPLIED = "applied", "applied"
        PENDING = "pending", "waiting for review"
        CONFLICT = "conflict", "disagrees with the catalogue"
        REJECTED = "rejected", "rejected"
        SUPERSEDED = "superseded", "superseded in the same document"

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="notices")
    fingerprint = models.CharField(max_length=64)
    vendor_name = models.CharField(max_length=100)
    identifier = models.CharField(max_length=200)
    display_name = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=20, default="model")
    announced_on = models.DateField(null=True, blank=True)
    deprecated_on = models.DateField(null=True, blank=True)
    shutdown_on = models.DateField(null=True, blank=True)
    shutdown_precision = models.CharField(max_length=5, default="day")
    shutdown_tentative = models.BooleanField(default=False)
    replacements = models.JSONField(default=list, blank=True)
    url = models.URLField(max_length=500, blank=True, validators=[validate_web_url])
    raw_text = models.TextField(blank=True)
    retirement = models.ForeignKey(Retirement, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="notices",
                                    help_text="The entry this notice became or was merged into.")
    review = models.CharField(max_length=20, choices=Review.choices, db_index=True)
    review_note = models.TextField(blank=True)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()

    class Meta:
        ordering = ["-first_seen_at"]
        constraints = [
            models.UniqueConstraint(fields=["source", "fingerprint"],
                                    name="notice_unique_per_source")
        ]

    def __str__(self):
        return f"{self.identifier} ({self.vendor_name}) from {self.source}"


class CatalogueVersion(models.Model):
    """One row: a value that changes with every write to the catalogue (``deprecations.version``),
    the key of rendered feeds and their ETags."""

    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.token
