"""Celery tasks: thin wrappers over plain functions that tests call directly."""

import logging

from celery import shared_task
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


@shared_task(ignore_result=False)
def ping() -> str:
    """A round-trip through the broker and a worker (health checks, the CI smoke test)."""
    return "pong"
