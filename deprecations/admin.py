"""Curation in the Django admin.

Dates are edited in the form as usual, but saved through ``changes.move_dates`` so the history
row records who moved them; an entry edited here is marked curated, and collectors then flag
their differences for review instead of applying them.
"""

from django.contrib import admin, messages
from django.db.models.functions import TruncMonth
from django.utils import timezone

from deprecations import changes
from deprecations.models import Alias, Change, Citation, Deprecation, Offering, Vendor


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin):
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
              "replacements", "notes", "published", "curated", "status", "revision",
              "created_at", "updated_at"]
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
        if moved:
            # Save the other fields with the stored dates, then move the dates the one way.
            stored = Deprecation.objects.get(pk=obj.pk)
            for f in moved:
                setattr(obj, f, getattr(stored, f))
        obj.curated = True
        obj.save()
        if moved:
            changes.move_dates(obj, moved, by=request.user, via="admin",
                               precision=form.cleaned_data.get("shutdown_precision"))
            obj.refresh_from_db()

    @admin.action(description="Withdraw the selected retirements (the vendor called them off)")
    def withdraw_entries(self, request, queryset):
        done = sum(changes.withdraw(e, by=request.user, via="admin") for e in queryset)
        self.message_user(request, f"{done} withdrawn.", messages.SUCCESS)

    @admin.action(description="Reinstate the selected withdrawn retirements")
    def reinstate_entries(self, request, queryset):
        today = timezone.localdate()
        done = sum(changes.reinstate(e, today=today, by=request.user, via="admin")
                   for e in queryset)
        self.message_user(request, f"{done} reinstated.", messages.SUCCESS)

    @admin.action(description="Publish the selected entries")
    def publish_entries(self, request, queryset):
        done = queryset.update(published=True, updated_at=timezone.now())
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
