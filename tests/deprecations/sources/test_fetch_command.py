"""``manage.py fetch_sources`` by hand: every source read (several at once), a failure is an
exit status and one line per source, and offline it says how old the dates are."""

import socket
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from deprecations import shipped
from deprecations.models import FetchRun, Source
from tests.deprecations.sources.test_pipeline import make_sources, server  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def _closed_port_url():
    with socket.socket() as s:  # a port nothing listens on: refused at once, like offline
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/deprecations"


@pytest.fixture
def offline_source(settings):
    settings.DEPCAL_FETCH_ALLOW_PRIVATE = True
    settings.DEPCAL_FETCH_RETRIES = 0
    settings.DEPCAL_TODAY = "2026-11-28"
    shipped.load({"as_of": "2026-09-30", "vendors": [], "entries": []},
                   today=date(2026, 11, 28))
    return Source.objects.create(slug="xai-models", name="xAI models", url=_closed_port_url(),
                                 authority="primary")


def test_every_source_is_read_and_success_exits_zero(server, settings, capsys):  # noqa: F811
    settings.DEPCAL_FETCH_ALLOW_PRIVATE = True
    settings.DEPCAL_TODAY = "2025-11-20"
    make_sources(server)
    call_command("fetch_sources", dry_run=True)
    out = capsys.readouterr().out
    assert all(s.slug in out for s in Source.objects.all())
    assert not FetchRun.objects.exists()  # a dry run keeps nothing


def test_offline_is_a_non_zero_exit_with_one_line_per_source_and_the_datas_age(
        offline_source, capsys):
    Source.objects.create(slug="groq-deprecations", name="Groq", url=_closed_port_url(),
                          authority="changelog")
    with pytest.raises(CommandError) as failed:
        call_command("fetch_sources")
    assert str(failed.value) == ("2 of 2 sources failed; the catalogue's dates are as of "
                                 "2026-09-30 (59 days old)")
    err = sorted(capsys.readouterr().err.strip().splitlines())
    assert [line.split(":")[0] for line in err] == ["groq-deprecations", "xai-models"]
    assert all(": unreachable: " in line for line in err), err


def test_one_failure_among_good_sources_still_fails_the_command(
        server, offline_source, capsys):  # noqa: F811
    make_sources(server)
    with pytest.raises(CommandError, match="^1 of 6 sources failed"):
        call_command("fetch_sources", dry_run=True)
    assert capsys.readouterr().err.startswith("xai-models: unreachable")
