"""The admin's front-page badge: unhealthy sources and notices waiting for review."""

from django import template

from deprecations.models import Notice, Source

register = template.Library()


@register.inclusion_tag("admin/_catalogue_badge.html")
def catalogue_badge():
    return {
        "unhealthy": list(Source.objects.filter(enabled=True).exclude(
            health__in=[Source.Health.OK, Source.Health.UNKNOWN]).values("slug", "health")),
        "waiting": Notice.objects.filter(
            review__in=[Notice.Review.PENDING, Notice.Review.CONFLICT]).count(),
    }
