"""The periodic status task, called directly and through a real Celery worker."""

from datetime import date

import pytest

from deprecations import tasks
from deprecations.models import Retirement
from tests.deprecations import factories
from tests.worker import CeleryWorker, wait_for


@pytest.mark.django_db
def test_refresh_statuses_task_uses_the_pinned_today(settings):
    settings.DEPCAL_TODAY = "2026-03-01"
    factories.entry()  # 2026-02-17
    assert tasks.refresh_statuses() == 1
    assert Retirement.objects.get().status == "retired"


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_a_real_worker_runs_the_periodic_task_from_the_broker():
    factories.entry("gpt-4-0314", shutdown=date(2026, 3, 26), announced=None)
    with CeleryWorker(extra_env={"DEPCAL_TODAY": "2026-11-25"}) as worker:
        tasks.refresh_statuses.delay()
        wait_for(lambda: Retirement.objects.filter(status="retired").exists(), timeout=60,
                 what=f"the worker to retire the entry; worker log:\n{worker.output()}")
