"""Curation in the Django admin.

Dates are edited in the form as usual, but saved through ``changes.move_dates`` so the history
row records who moved them; an entry edited here is marked curated, and collectors then flag
their differences for review instead of applying them.
"""

import re

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models.functions import TruncMonth
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator

from deprecations import changes, clock
from deprecations.models import (
    Alias,
    Change,
    Citation,
    FetchRun,
    Notice,
    Offering,
    Retirement,
    Source,
    Vendor,
)
from deprecations.sources import reconcile
from deprecations.sources.parsers import registry

# URLs typed without a scheme are https (Django 6's default, chosen now).
URL_FIELD = {models.URLField: {"form_class": forms.URLField, "assume_scheme": "https"}}


class WebURLs:
    """Admin forms whose URL fields are judged by the model's own rules (``weburl``: http(s)
    only, no private address...), whose errors say why, instead of Django's broader pattern
    and its one message, "Enter a valid URL."."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if isinstance(db_field, models.URLField) and field is not None:
            field.validators = [v for v in (*field.validators, *db_field.validators)
                                if not isinstance(v, URLValidator)]
        return field


class LinesField(forms.CharField):
    """A list of names edited one per line (replacements: "gpt-5.1", "Responses API"), kept in
    order, without blanks or repeats."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 40})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        lines = (line.strip() for line in super().to_python(value).splitlines())
        return list(dict.fromkeys(line for line in lines if line))


def replacements_field(db_field) -> LinesField:
    return LinesField(required=False, label=db_field.verbose_name.capitalize(),
                      help_text="One name per line, as the vendor writes it.")


def lines(value) -> str:
    """A list as the admin shows it read-only: one item per line."""
    return format_html_join("", "{}<br>", ((item,) for item in value or ())) or "—"


@admin.register(Vendor)
class VendorAdmin(WebURLs, admin.ModelAdmin):
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


class CitationInline(WebURLs, admin.TabularInline):
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
            Retirement.objects.exclude(shutdown_on=None)
            .annotate(month=TruncMonth("shutdown_on")).values_list("month", flat=True)
            .distinct().order_by("-month")
        )
        return [(m.strftime("%Y-%m"), m.strftime("%B %Y")) for m in months]

    def queryset(self, request, queryset):
        match = re.fullmatch(r"(\d{4})-(\d{2})", self.value() or "")
        if match and 1 <= int(match[2]) <= 12:  # anything else in the URL filters nothing
            return queryset.filter(shutdown_on__year=int(match[1]),
                                   shutdown_on__month=int(match[2]))
        return queryset


class ShutdownYearFilter(admin.SimpleListFilter):
    title = "shutdown year"
    parameter_name = "shutdown_year"

    def lookups(self, request, model_admin):
        years = Retirement.objects.exclude(shutdown_on=None).dates("shutdown_on", "year",
                                                                    order="DESC")
        return [(str(d.year), str(d.year)) for d in years]

    def queryset(self, request, queryset):
        value = self.value() or ""
        if re.fullmatch(r"\d{4}", value) and value != "0000":
            return queryset.filter(shutdown_on__year=int(value))
        return queryset


@admin.register(Retirement)
class RetirementAdmin(admin.ModelAdmin):
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
    actions = ["withdraw_retirements", "reinstate_retirements", "publish_retirements"]

    @admin.display(ordering="offering__identifier")
    def identifier(self, obj):
        return obj.offering.identifier

    @admin.display(ordering="offering__vendor__name")
    def vendor(self, obj):
        return obj.offering.vendor

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "replacements":
            return replacements_field(db_field)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.curated = True
            obj.save()
            changes.record_created(obj, by=request.user, via="admin")
            return
        # Ticking "published" goes through changes.publish, which writes the history row.
        publishing = "published" in form.changed_data and obj.published
        if publishing:
            obj.published = False
        moved = {f: form.cleaned_data[f] for f in changes.DATE_FIELDS if f in form.changed_data}
        if {"shutdown_precision", "shutdown_tentative"} & set(form.changed_data):
            moved["shutdown_on"] = form.cleaned_data["shutdown_on"]  # a qualifier moved
        if moved:
            # Save the other fields with the stored dates, then move the dates the one way.
            stored = Retirement.objects.get(pk=obj.pk)
            for f in (*moved, "shutdown_precision", "shutdown_tentative"):
                setattr(obj, f, getattr(stored, f))
        obj.curated = True
        obj.save()
        if moved:
            changes.move_dates(obj, moved, by=request.user, via="admin",
                               precision=form.cleaned_data.get("shutdown_precision"),
                               tentative=form.cleaned_data.get("shutdown_tentative"))
        if publishing:
            changes.publish(obj, by=request.user, via="admin")
        if moved or publishing:
            obj.refresh_from_db()

    @admin.action(description="Withdraw the selected retirements (the vendor called them off)")
    def withdraw_retirements(self, request, queryset):
        done = sum(changes.withdraw(e, by=request.user, via="admin") for e in queryset)
        self.message_user(request, f"{done} withdrawn.", messages.SUCCESS)

    @admin.action(description="Reinstate the selected withdrawn retirements")
    def reinstate_retirements(self, request, queryset):
        today = clock.today()
        done = sum(changes.reinstate(e, today=today, by=request.user, via="admin")
                   for e in queryset)
        self.message_user(request, f"{done} reinstated.", messages.SUCCESS)

    @admin.action(description="Publish the selected entries")
    def publish_retirements(self, request, queryset):
        done = sum(changes.publish(e, by=request.user, via="admin") for e in queryset)
        self.message_user(request, f"{done} published.", messages.SUCCESS)


@admin.register(Change)
class ChangeAdmin(admin.ModelAdmin):
    list_display = ["changed_at", "retirement", "kind", "field", "old_date", "new_date", "who"]
    list_filter = ["kind", "field"]
    list_select_related = ["retirement__offering__vendor", "changed_by"]
    date_hierarchy = "changed_at"
    search_fields = ["retirement__offering__identifier", "via", "note"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


HEALTH_COLOURS = {"ok": "#1e7d32", "unknown": "#595959", "unreachable": "#8a5a00"}


@admin.register(Source)
class SourceAdmin(WebURLs, admin.ModelAdmin):
    formfield_overrides = URL_FIELD
    list_display = ["slug", "vendor", "authority", "parser", "enabled", "health_badge",
                    "last_success_at", "last_row_count", "next_fetch_at"]
    list_filter = ["health", "authority", "enabled", "vendor"]
    search_fields = ["slug", "name", "url"]
    readonly_fields = ["health", "health_note", "etag", "last_modified", "last_fetched_at",
                       "last_success_at", "last_row_count", "failures"]
    actions = ["fetch_now"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "parser":
            choices = [("", "detect from the content")] + [
                (name, f"{name}: {registry.get(name).description}") for name in registry.names()]
            return forms.ChoiceField(required=False, choices=choices, label="Parser",
                                     help_text=db_field.help_text)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

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


WAITING = (Notice.Review.PENDING, Notice.Review.CONFLICT)


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    """The review queue: approve publishes or applies a notice, reject drops it, merge attaches
    it (as an alias and a citation) to the entry chosen in its form. Each is a button on a
    waiting notice's row and on its page, and a bulk action."""

    list_display = ["notice", "shutdown", "state", "review_buttons"]
    list_filter = [ReviewFilter, "source", "vendor_name"]
    list_select_related = ["source", "retirement__offering"]
    search_fields = ["identifier", "vendor_name", "raw_text"]
    autocomplete_fields = ["retirement"]
    fields = [f.name if f.name != "replacements" else "replacement_list"
              for f in Notice._meta.fields if f.name != "id"]
    readonly_fields = [f for f in fields if f not in ("retirement", "review_note")]
    actions = ["approve_notices", "reject_notices", "merge_notices"]
    change_form_template = "admin/deprecations/notice/change_form.html"

    class Media:
        css = {"all": ["depcal-admin.css"]}

    def has_add_permission(self, request):
        return False

    # The list: one short row per notice.

    @admin.display(description="notice", ordering="identifier")
    def notice(self, obj):
        return format_html('{}<br><span class="quiet">{} · from {}</span>', obj.identifier,
                           obj.vendor_name, obj.source.slug)

    @admin.display(description="shutdown", ordering="shutdown_on")
    def shutdown(self, obj):
        return obj.shutdown_on.isoformat() if obj.shutdown_on else "—"

    @admin.display(description="state", ordering="review")
    def state(self, obj):
        """What the notice is, why (cut short: the notice's page has it all), and the entry
        it is tied to, if any."""
        entry = format_html(' <br>entry: <a href="{}">{}</a>', reverse(
            "admin:deprecations_retirement_change", args=[obj.retirement_id]),
            obj.retirement.offering.identifier) if obj.retirement_id else ""
        return format_html('<strong>{}</strong><span class="quiet" title="{}">{}</span>{}',
                           obj.get_review_display(), obj.review_note,
                           Truncator(obj.review_note).chars(120), entry)

    @admin.display(description="review")
    def review_buttons(self, obj):
        """Buttons of the changelist's own form (it holds the CSRF token), posted to the
        review view by ``formaction``; merge only once an entry is chosen."""
        if obj.review not in WAITING:
            return ""
        url = reverse("admin:deprecations_notice_review", args=[obj.pk])
        shown = [a for a in REVIEW_ACTIONS if a != "merge" or obj.retirement_id]
        return format_html_join(" ", '<button type="submit" class="button review-{}" '
                                'formaction="{}" formmethod="post" name="do" value="{}" '
                                'aria-label="{} {}">{}</button>',
                                ((a, url, a, REVIEW_ACTIONS[a], obj.identifier,
                                  REVIEW_ACTIONS[a]) for a in shown))

    @admin.display(description="replacements")
    def replacement_list(self, obj):
        return lines(obj.replacements)

    # Doing a review: one function for the row buttons, the page's buttons and bulk actions.

    def _review(self, request, notice: Notice, action: str) -> str:
        """Approve, reject or merge one waiting notice and say what happened; ValueError
        saying why when it cannot be done (then nothing changed)."""
        if notice.review not in WAITING:
            raise ValueError(f"it is {notice.get_review_display()} already")
        if action == "approve":
            try:
                reconcile.approve(notice, today=clock.today(), by=request.user)
            except ValidationError as exc:
                raise ValueError("; ".join(exc.messages)) from exc
        elif action == "reject":
            reconcile.reject(notice, note=f"rejected by {request.user.get_username()}")
        elif action == "merge":
            if notice.retirement is None:
                raise ValueError("choose its entry in the notice's form first")
            reconcile.merge(notice, notice.retirement, by=request.user)
        else:
            raise ValueError(f"unknown review action {action!r}")
        return notice.review_note  # what the reconciler says it did

    def _review_one(self, request, notice: Notice, action: str) -> None:
        try:
            done = self._review(request, notice, action)
        except ValueError as exc:
            self.message_user(request, f"Notice {notice.identifier} ({notice.vendor_name}) "
                              f"was not changed: {exc}", messages.ERROR)
        else:
            self.message_user(request, f"Notice {notice.identifier} ({notice.vendor_name}): "
                              f"{done}.", messages.SUCCESS)

    def _review_many(self, request, queryset, action: str, past: str) -> None:
        done = 0
        for notice in queryset.select_related("source__vendor", "retirement__offering"):
            try:
                self._review(request, notice, action)
                done += 1
            except ValueError as exc:
                self.message_user(request, f"Notice {notice.identifier} ({notice.vendor_name}) "
                                  f"was not changed: {exc}", messages.ERROR)
        if done:
            self.message_user(request, f"{done} notice{'s' if done > 1 else ''} {past}.",
                              messages.SUCCESS)

    def get_urls(self):
        return [path("<int:pk>/review/", self.admin_site.admin_view(self.review_view),
                     name="deprecations_notice_review"), *super().get_urls()]

    def review_view(self, request, pk):
        """A row's button: do it, say so, and go back to the list as it was filtered."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        notice = get_object_or_404(Notice.objects.select_related(
            "source__vendor", "retirement__offering"), pk=pk)
        if not self.has_change_permission(request, notice):
            raise PermissionDenied
        self._review_one(request, notice, request.POST.get("do", ""))
        back = request.META.get("HTTP_REFERER", "")
        if not url_has_allowed_host_and_scheme(back, {request.get_host()},
                                               require_https=request.is_secure()):
            back = reverse("admin:deprecations_notice_changelist")
        return redirect(back)

    def response_change(self, request, obj):
        """The page's buttons: the form is saved first (an entry chosen for a merge, a note),
        then the review is done and the page shown again with its new state."""
        action = next((a for a in REVIEW_ACTIONS if f"_{a}" in request.POST), None)
        if action is None:
            return super().response_change(request, obj)
        obj.refresh_from_db()
        self._review_one(request, obj, action)
        return redirect(request.path)

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        context["review_actions"] = REVIEW_ACTIONS if obj and obj.review in WAITING else {}
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    @admin.action(description="Approve: publish, or apply the notice's dates to its entry")
    def approve_notices(self, request, queryset):
        self._review_many(request, queryset, "approve", "approved")

    @admin.action(description="Reject: the notice is wrong or not a retirement")
    def reject_notices(self, request, queryset):
        self._review_many(request, queryset, "reject", "rejected")

    @admin.action(description="Merge into the entry chosen in each notice's form")
    def merge_notices(self, request, queryset):
        self._review_many(request, queryset, "merge", "merged")


REVIEW_ACTIONS = {"approve": "Approve", "reject": "Reject", "merge": "Merge"}
