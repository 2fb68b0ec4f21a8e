"""Admin for subscribers, the delivery ledger and the alert channels: read-mostly.

Subscribers change through their own pages (signed links); here an admin can look, search,
and unsubscribe an address on request. The ledger is read-only: rows are made by the due
computation and changed by senders; the one action puts failed rows back in the queue.
"""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from notifier.models import Channel, ChannelMessage, Delivery, Follow, Mention, Subscriber
from notifier.subscriptions import unsubscribe


class FollowInline(admin.TabularInline):
    model = Follow
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "value"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "status", "digest", "lead_times", "confirmed_at", "requested_at"]
    list_filter = ["status", "digest"]
    search_fields = ["email"]
    date_hierarchy = "requested_at"
    inlines = [FollowInline]
    actions = ["unsubscribe_selected"]
    readonly_fields = [f.name for f in Subscriber._meta.fields]

    def has_add_permission(self, request):
        return False  # only the address's owner subscribes (double opt-in)

    @admin.action(description="Unsubscribe the selected addresses")
    def unsubscribe_selected(self, request, queryset):
        done = sum(unsubscribe(s, now=timezone.now()) for s in queryset)
        self.message_user(request, f"{done} unsubscribed.", messages.SUCCESS)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "subscriber", "as_of", "status", "attempts", "sent_at",
                    "next_attempt_at"]
    list_filter = ["status", "kind", "as_of"]
    search_fields = ["subscriber__email", "message_id"]
    list_select_related = ["subscriber"]
    # The list as what it tells: a field for it would offer every list ever made.
    exclude = ["mention_list"]
    readonly_fields = [f.name for f in Delivery._meta.fields if f.name != "mention_list"] + [
        "tells"]
    actions = ["retry_now"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return request.method in ("GET", "HEAD") or obj is None

    @admin.display(description="tells")
    def tells(self, obj):
        """What an alert or change message tells, one mention a line."""
        told = Mention.objects.filter(pk__in=obj.mention_ids).select_related(
            "retirement__offering")
        return format_html_join(mark_safe("<br>"), "{} ({})", (
            (m.retirement.offering.identifier, m) for m in told)) or "-"

    @admin.action(description="Send failed rows again (same Message-ID)")
    def retry_now(self, request, queryset):
        n = queryset.filter(status=Delivery.Status.FAILED).update(
            status=Delivery.Status.PENDING, attempts=0, next_attempt_at=timezone.now())
        self.message_user(request, f"{n} rows queued again.", messages.SUCCESS)


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    """Read-only: a channel changes through its owner's page (``channels.lifecycle``). Its URL
    and secret are credentials, so only ``shown_as`` is shown."""

    list_display = ["id", "subscriber", "kind", "shown_as", "status", "failing_since",
                    "paused_at"]
    list_filter = ["status", "kind"]
    search_fields = ["subscriber__email", "shown_as"]
    list_select_related = ["subscriber"]
    fields = readonly_fields = ["subscriber", "kind", "shown_as", "status", "created_at",
                                "activated_at", "paused_at", "pauses", "failing_since",
                                "last_error"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return request.method in ("GET", "HEAD") or obj is None


@admin.register(ChannelMessage)
class ChannelMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "channel", "as_of", "status", "attempts", "sent_at", "next_attempt_at"]
    list_filter = ["status", "as_of"]
    search_fields = ["channel__subscriber__email", "message_id"]
    list_select_related = ["channel"]
    readonly_fields = [f.name for f in ChannelMessage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return request.method in ("GET", "HEAD") or obj is None
