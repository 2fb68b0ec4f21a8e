"""Curation in the Django admin.

Dates are edited in the form as usual, but saved through ``changes.move_dates`` so the history
row records who moved them; an entry edited here is marked curated, and collectors then flag
their differences for review instead of applying them.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import TruncMonth
from django.utils.html import format_html

from deprecations import changes, clock
from deprecations.models import (
    Alias,
    Change,
    Citation,
    Deprecation,
    FetchRun,
    Notice,
    Offering,
    Source,
    Vendor,
)
from deprecations.sources import reconcile

# URLs typed without a scheme are https (Django 6's default, chosen now).
URL_FIELD = {models.URLField: {"form_class": forms.URLField, "assume_scheme": "https"}}


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin):
    formfield_overrides = URL_FIELD
    list_display = ["name", "slug", "is_platform", "website"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class AliasInline(admin.TabularInline):
    model = Alias
    extra = 1


@admin.register(Offering)
class OfferingAdmin(admin.ModelAdmin):
    list_display = ["identifier", "vendor", "kind", "display_name"]
    list_filter = ["vendor", "kind"]
    search_fields = ["identifier", "display_name", "aliases__name", "vendor__name"]
    inlines = [AliasInline]


class CitationInline(admin.TabularInline):
    model = Citation
    formfield_overrides = URL_FIELD
    extra = 0
    fields = ["url", "title", "retrieved_on"]


class ChangeInline(admin.TabularInline):
    model = Change
    extra = 0
    can_delete = False
    fields = ["changed_at", "kind", "field", "old_date", "new_date", "revision", "who", "note"]
    readonly_fields = fields
    verbose_name_plural = "history"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ShutdownMonthFilter(admin.SimpleListFilter):
    """Filter by the year and month of the shutdown date (newest first)."""

    title = "shutdown month"
    parameter_name = "shutdown_month"

    def lookups(self, request, model_admin):
        months = (
            Deprecation.objects.exclude(shutdown_on=None)
            .annotate(month=TruncMonth("shutdown_on")).values_list("month", flat=True)
            .distinct().order_by("-month")
        )
        return [(m.strftime("%Y-%m"), m.strftime("%B %Y")) for m in months]

    def queryset(self, request, queryset):
        if self.value():
            year, month = self.value().split("-")
            return queryset.filter(shutdown_on__year=year, shutdown_on__month=month)
        return queryset


class ShutdownYearFilter(admin.SimpleListFilter):
    title = "shutdown year"
    parameter_name = "shutdown_year"

    def lookups(self, request, model_admin):
        years = Deprecation.objects.exclude(shutdown_on=None).dates("shutdown_on", "year",
                                                                    order="DESC")
        return [(str(d.year), str(d.year)) for d in years]

    def queryset(self, request, queryset):
        return queryset.filter(shutdown_on__year=self.value()) if self.value() else queryset


@admin.register(Deprecation)
class DeprecationAdmin(admin.ModelAdmin):
    list_display = ["identifier", "vendor", "shutdown_on", "status", "published", "curated",
                    "revision"]
    list_select_related = ["offering__vendor"]
    list_filter = ["offering__vendor", "status", "published", "curated", ShutdownYearFilter,
                   ShutdownMonthFilter]
    search_fields = ["offering__identifier", "offering__display_name", "offering__aliases__name",
                     "offering__vendor__name", "offering__vendor__slug"]
    date_hierarchy = "shutdown_on"
    autocomplete_fields = ["offering"]
    readonly_fields = ["status", "revision", "created_at", "updated_at"]
    fields = ["offering", "announced_on", "deprecated_on", "shutdown_on", "shutdown_precision",
              "shutdown_tentative", "replacements", "notes", "published", "curated", "status",
              "revision", "created_at", "updated_at"]
    inlines = [CitationInline, ChangeInline]
    actions = ["withdraw_entries", "reinstate_entries", "publish_entries"]

    @admin.display(ordering="offering__identifier")
    def identifier(self, obj):
        return obj.offering.identifier

    @admin.display(ordering="offering__vendor__name")
    def vendor(self, obj):
        return obj.offering.vendor

    def save_model(self, request, obj, form, change):
        if not change:
            obj.curated = True
            obj.save()
            changes.record_created(obj, by=request.user, via="admin")
            return
        moved = {f: form.cleaned_data[f] for f in changes.DATE_FIELDS if f in form.changed_data}
        if {"shutdown_precision", "shutdown_tentative"} & set(form.changed_data):
            moved["shutdown_on"] = form.cleaned_data["shutdown_on"]  # a qualifier moved
        if moved:
            # Save the other fields with the stored dates, then move the dates the one way.
            stored = Deprecation.objects.get(pk=obj.pk)
            for f in (*moved, "shutdown_precision", "shutdown_tentative"):
                setattr(obj, f, getattr(stored, f))
        obj.curated = True
        obj.save()
        if moved:
            changes.move_dates(obj, moved, by=request.user, via="admin",
                               precision=form.cleaned_data.get("shutdown_precision"),
                               tentative=form.cleaned_data.get("shutdown_tentative"))
            obj.refresh_from_db()

    @admin.action(description="Withdraw the selected retirements (the vendor called them off)")
    def withdraw_entries(self, request, queryset):
        done = sum(changes.withdraw(e, by=request.user, via="admin") for e in queryset)
        self.message_user(request, f"{done} withdrawn.", messages.SUCCESS)

    @admin.action(description="Reinstate the selected withdrawn retirements")
    def reinstate_entries(self, request, queryset):
        today = clock.today()
        done = sum(changes.reinstate(e, today=today, by=request.user, via="admin")
                   for e in queryset)
        self.message_user(request, f"{done} reinstated.", messages.SUCCESS)

    @admin.action(description="Publish the selected entries")
    def publish_entries(self, request, queryset):
        done = changes.publish(queryset)
        self.message_user(request, f"{done} published.", messages.SUCCESS)


@admin.register(Change)
class ChangeAdmin(admin.ModelAdmin):
    list_display = ["changed_at", "deprecation", "kind", "field", "old_date", "new_date", "who"]
    list_filter = ["kind", "field"]
    list_select_related = ["deprecation__offering__vendor", "changed_by"]
    date_hierarchy = "changed_at"
    search_fields = ["deprecation__offering__identifier", "via", "note"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


HEALTH_COLOURS = {"ok": "#1e7d32", "unknown": "#595959", "unreachable": "#8a5a00"}


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    formfield_overrides = URL_FIELD
    list_display = ["slug", "vendor", "authority", "parser", "enabled", "health_badge",
                    "last_success_at", "last_row_count", "next_fetch_at"]
    list_filter = ["health", "authority", "enabled", "vendor"]
    search_fields = ["slug", "name", "url"]
    readonly_fields = ["health", "health_note", "etag", "last_modified", "last_fetched_at",
                       "last_success_at", "last_row_count", "failures"]
    actions = ["fetch_now"]

    @admin.display(description="health", ordering="health")
    def health_badge(self, obj):
        colour = HEALTH_COLOURS.get(obj.health, "#b3261e")
        return format_html('<strong style="color:{}">{}</strong>', colour,
                           obj.get_health_display())

    @admin.action(description="Fetch the selected sources on the next beat tick")
    def fetch_now(self, request, queryset):
        done = queryset.update(next_fetch_at=None)
        self.message_user(request, f"{done} sources will be fetched within minutes.")


@admin.register(FetchRun)
class FetchRunAdmin(admin.ModelAdmin):
    list_display = ["started_at", "source", "status", "http_status", "bytes", "duration_ms",
                    "rows", "new", "changed", "unchanged", "flagged"]
    list_filter = ["status", "source"]
    list_select_related = ["source"]
    date_hierarchy = "started_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReviewFilter(admin.SimpleListFilter):
    """Opens on the queue: notices that wait for a person."""

    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("queue", "waiting (pending or conflict)"), *Notice.Review.choices]

    def queryset(self, request, queryset):
        if self.value() == "queue":
            return queryset.filter(review__in=[Notice.Review.PENDING, Notice.Review.CONFLICT])
        return queryset.filter(review=self.value()) if self.value() else queryset


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    """The review queue: approve publishes or applies a notice, reject drops it, merge attaches
    it (as an alias and a citation) to the entry chosen in its form."""

    list_display = ["identifier", "vendor_name", "source", "shutdown_on", "review",
                    "review_note", "deprecation", "first_seen_at"]
    list_filter = [ReviewFilter, "source", "vendor_name"]
    list_select_related = ["source", "deprecation__offering"]
    search_fields = ["identifier", "vendor_name", "raw_text"]
    autocomplete_fields = ["deprecation"]
    readonly_fields = [f.name for f in Notice._meta.fields if f.name not in ("deprecation",
                                                                             "review_note")]
    actions = ["approve_notices", "reject_notices", "merge_notices"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Approve: publish, or apply the notice's dates to its entry")
    def approve_notices(self, request, queryset):
        for notice in queryset.select_related("source__vendor", "deprecation"):
            try:
                reconcile.approve(notice, today=clock.today(), by=request.user)
            except (ValueError, ValidationError) as exc:
                self.message_user(request, f"{notice}: {exc}", messages.ERROR)

    @admin.action(description="Reject: the notice is wrong or not a retirement")
    def reject_notices(self, request, queryset):
        for notice in queryset:
            reconcile.reject(notice, note=f"rejected by {request.user.get_username()}")

    @admin.action(description="Merge into the entry chosen in each notice's form")
    def merge_notices(self, request, queryset):
        for notice in queryset.select_related("deprecation__offering"):
            if notice.deprecation is None:
                self.message_user(request, f"{notice}: choose its entry first", messages.ERROR)
                continue
            reconcile.merge(notice, notice.deprecation, by=request.user)
