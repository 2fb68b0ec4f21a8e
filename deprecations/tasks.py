"""Celery tasks: thin wrappers over plain functions that tests call directly."""

import logging

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.utils import timezone

from deprecations import changes, clock
from deprecations.models import Source
from deprecations.sources import collect

log = logging.getLogger(__name__)


@shared_task
def refresh_statuses() -> int:
    """Mark entries whose shutdown date has passed as retired."""
    return changes.refresh_statuses(clock.today())


@shared_task
def fetch_all() -> int:
    """Fan out one ``fetch_source`` per due source onto the fetch queue."""
    now = timezone.now()
    claimed = [s.pk for s in collect.due_sources(now) if collect.claim(s, now)]
    for pk in claimed:
        fetch_source.delay(pk)
    return len(claimed)


@shared_task
def fetch_source(source_id: int) -> str:
    source = Source.objects.filter(pk=source_id, enabled=True).first()
    if source is None:
        return "gone"
    return collect.collect(source, today=clock.today()).status


@worker_ready.connect
def fetch_soon_after_start(sender=None, **kwargs):
    """Beat's first interval tick is minutes away: start a cycle now, so a fresh install
    becomes current at once. With many workers each asks; claiming makes that harmless."""
    if settings.DEPCAL_FETCH_ON_START:
        fetch_all.apply_async(countdown=5)
        refresh_statuses.apply_async(countdown=5)


@shared_task(ignore_result=False)
def ping() -> str:
    """A round-trip through the broker and a worker (health checks, the CI smoke test)."""
    return "pong"
