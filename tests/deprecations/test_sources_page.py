"""The /sources/ page: each source with its kind, when it was last read and whether it fails
now; each peer tracker with how many entries it agrees and disagrees with."""

from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from deprecations.models import Notice, Source
from tests.deprecations import factories

pytestmark = pytest.mark.django_db


def _notice(source, entry, shutdown, review=Notice.Review.APPLIED):
    n = Notice.objects.count()
    return Notice.objects.create(
        source=source, fingerprint=f"f{n}", vendor_name="OpenAI",
        identifier=entry.offering.identifier, shutdown_on=shutdown, retirement=entry,
        review=review, first_seen_at=datetime(2026, 9, 1, tzinfo=UTC),
        last_seen_at=datetime(2026, 9, 1, tzinfo=UTC))


def _item(html, name):
    start = html.index(name)
    return html[start:html.index("</li>", start)]


def test_each_source_says_its_kind_when_last_read_and_if_it_fails(client, settings):
    settings.DEPCAL_TODAY = "2026-11-28"
    openai = factories.vendor("openai", "OpenAI")
    Source.objects.create(slug="openai-deprecations", name="OpenAI deprecations", vendor=openai,
                          url="https://developers.openai.com/api/docs/deprecations.md",
                          health="ok", last_success_at=datetime(2026, 11, 27, 9, tzinfo=UTC))
    Source.objects.create(slug="openai-changelog", name="OpenAI changelog", vendor=openai,
                          url="https://developers.openai.com/changelog.md",
                          authority="changelog", health="unreachable",
                          last_success_at=datetime(2026, 11, 20, 9, tzinfo=UTC))
    Source.objects.create(slug="new", name="Brand new page", vendor=openai,
                          url="https://example.com/new")
    html = client.get(reverse("deprecations:sources")).content.decode()
    ok = _item(html, "OpenAI deprecations")
    assert "(the vendor's deprecation page; last read 27 Nov 2026)" in ok
    assert "failing" not in ok
    failing = _item(html, "OpenAI changelog")
    assert "last read 20 Nov 2026" in failing and "failing now: unreachable" in failing
    assert "not read yet" in _item(html, "Brand new page")


@pytest.mark.parametrize(("health", "french"), [  # French puts a no-break space before : and ?
    ("unreachable", "en échec\u00a0: injoignable"),
    ("blocked", "en échec\u00a0: bloquée (403 ou contrôle anti-robot)"),
    ("empty", "en échec\u00a0: plus aucune ligne (mise en page modifiée\u00a0?)"),
    ("error", "en échec\u00a0: erreur"),
])
def test_a_failing_source_says_how_in_french(client, health, french):
    Source.objects.create(slug="openai-changelog", name="OpenAI changelog",
                          vendor=factories.vendor("openai", "OpenAI"),
                          url="https://developers.openai.com/changelog.md", health=health)
    html = client.get(reverse("deprecations:sources"),
                      HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9").content.decode()
    assert f"<strong>{french}</strong>" in _item(html, "OpenAI changelog")


def test_each_peer_says_how_many_entries_it_agrees_and_disagrees_with(client):
    tracker = Source.objects.create(slug="peer", name="A peer tracker", url="https://p.example/",
                                    authority="secondary", health="ok")
    Source.objects.create(slug="peer2", name="Another peer", url="https://q.example/",
                                  authority="secondary")
    same = factories.entry("gpt-4o-2024-05-13", shutdown=date(2026, 3, 31))
    differs = factories.entry("o3", shutdown=date(2026, 12, 11))
    superseded = factories.entry("o1", shutdown=date(2026, 12, 11))
    _notice(tracker, same, date(2026, 3, 31))
    _notice(tracker, differs, date(2026, 11, 19), review=Notice.Review.CONFLICT)
    _notice(tracker, superseded, date(2026, 1, 1), review=Notice.Review.SUPERSEDED)
    _notice(tracker, superseded, date(2026, 12, 11))
    html = client.get(reverse("deprecations:sources")).content.decode()
    assert ("Agrees with the catalogue on 2 entries; gives another date for 1."
            in _item(html, "A peer tracker"))
    assert ("Agrees with the catalogue on 0 entries; gives another date for 0."
            in _item(html, "Another peer"))


@pytest.mark.parametrize(("language", "deprecation_page", "changelog"), [
    ("en", "The vendor's own deprecation page", "the vendor's changelog"),
    ("fr", "La page du fournisseur consacrée aux retraits",
     "le journal des modifications du fournisseur"),
])
def test_a_changelog_is_called_a_changelog_not_the_vendors_deprecation_page(
        client, language, deprecation_page, changelog):
    """DeepSeek has no deprecation page: its site is its changelog, read as a changelog."""
    updates = "https://api-docs.deepseek.com/updates/"
    Source.objects.create(slug="deepseek-updates", name="DeepSeek change log", url=updates,
                          vendor=factories.vendor("deepseek", "DeepSeek", website=updates),
                          authority="changelog")
    page = "https://developers.openai.com/api/docs/deprecations"
    Source.objects.create(slug="openai-deprecations", name="OpenAI deprecations", url=page,
                          vendor=factories.vendor("openai", "OpenAI", website=page))
    html = client.get(reverse("deprecations:sources"),
                      HTTP_ACCEPT_LANGUAGE=language).content.decode()
    deepseek = html[html.index('id="deepseek"'):html.index("</ul>", html.index('id="deepseek"'))]
    openai = html[html.index('id="openai"'):html.index("</ul>", html.index('id="openai"'))]
    assert deprecation_page not in deepseek and deepseek.count(f'href="{updates}"') == 1
    assert f"({changelog}" in _item(deepseek, "DeepSeek change log")
    assert f'<a href="{page}" rel="noopener">{deprecation_page}</a>' in openai
