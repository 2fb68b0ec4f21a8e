"""Celery tasks: thin wrappers over plain functions that tests call directly."""

from celery import shared_task

from deprecations import changes, clock


@shared_task
def refresh_statuses() -> int:
    """Mark entries whose shutdown date has passed as retired."""
    return changes.refresh_statuses(clock.today())


@shared_task(ignore_result=False)
def ping() -> str:
    """A round-trip through the broker and a worker (health checks, the CI smoke test)."""
    return "pong"
