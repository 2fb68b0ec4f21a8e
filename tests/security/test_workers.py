"""Finding 3: slow sources cannot stall email, and no task runs for ever."""

from __future__ import annotations

import re
from datetime import date

import pytest
from billiard.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from bench.app_server import ROOT
from deprecations.models import FetchRun, Source
from deprecations.sources import collect, fetch


def queues(text: str) -> list[set[str]]:
    """The queues of each celery worker a Procfile or compose file starts."""
    return [set(q.split(",")) for q in re.findall(r"celery -A depcal worker .*?--queues (\S+)",
                                                  text)]


@pytest.mark.parametrize("path", ["Procfile", "docker/compose.yaml"])
def test_fetch_and_mail_run_on_separate_worker_processes(path):
    workers = queues((ROOT / path).read_text())
    assert {"fetch", "mail", "default"} <= set().union(*workers)
    assert not any({"fetch", "mail"} <= w for w in workers), workers


@pytest.mark.parametrize("path", ["Procfile", "docker/compose.yaml"])
def test_the_default_queue_has_a_worker_that_never_waits_on_other_hosts(path):
    """A fetch cycle of unreachable vendors (each up to DEPCAL_FETCH_DEADLINE) or slow webhooks
    filled every slot of a worker that also served `default`: health pings and status
    refreshes waited minutes behind them (a CI smoke test timed out on its ping)."""
    workers = queues((ROOT / path).read_text())
    slow = {"fetch", "channels", "mail"}
    assert any("default" in w and not w & slow for w in workers), workers
    assert not any("default" in w and w & slow for w in workers), workers


def test_the_web_process_redacts_tokens_from_its_access_log():
    for path in ("Procfile", "docker/Dockerfile"):
        assert "depcal.logs.GunicornLogger" in (ROOT / path).read_text(), path


def test_every_task_has_a_soft_and_a_hard_time_limit():
    from depcal.celery import app

    app.loader.import_default_modules()
    ours = {name: task for name, task in app.tasks.items()
            if name.startswith(("deprecations.", "notifier."))}
    assert "deprecations.tasks.fetch_source" in ours and "notifier.tasks.send_alerts" in ours
    for name, task in ours.items():
        assert task.soft_time_limit and task.time_limit > task.soft_time_limit, name
    fetch_source = ours["deprecations.tasks.fetch_source"]
    # the fetch's own deadline comes first, with time left to parse and record
    assert fetch_source.soft_time_limit > settings.DEPCAL_FETCH_DEADLINE + 60
    assert fetch_source.time_limit < ours["notifier.tasks.send_alerts"].soft_time_limit


@pytest.mark.django_db
def test_a_fetch_interrupted_by_the_soft_limit_still_records_a_failed_run(monkeypatch):
    def interrupted(*args, **kwargs):
        raise SoftTimeLimitExceeded()
    monkeypatch.setattr(fetch, "fetch", interrupted)
    source = Source.objects.create(slug="s", name="S", url="https://vendor.example/")
    run = collect.collect(source, today=date(2026, 11, 28))
    assert FetchRun.objects.get() == run and run.status == FetchRun.Status.ERROR
    assert "SoftTimeLimitExceeded" in run.error
