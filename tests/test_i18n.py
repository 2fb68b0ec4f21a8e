"""English and French: the catalogue is complete, pages follow the reader's language, emails
the subscriber's, and the feeds and the API stay the same whatever the language.

The catalogue check runs ``makemessages`` (xgettext, msgmerge) on a copy of the project, so it
sees exactly what a translator would: every message of the code and the templates must have a
French translation that is neither empty nor fuzzy. Without GNU gettext it is skipped, except
in CI (``CI=true``), where that is a failure.
"""

import gettext
import os
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core import mail as outbox
from django.utils import translation
from django.utils.formats import date_format

from notifier import alerts, compose
from notifier.models import Delivery, Subscriber
from notifier.subscriptions import set_choices
from tests.deprecations import factories

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# What makemessages must not read: the same list as the command in the failure message.
NOT_SOURCES = {".venv", ".git", "bench", "tests", "var", "locale", "screenshots",
               ".hypothesis", ".pytest_cache", ".ruff_cache", "node_modules", "__pycache__"}
MAKEMESSAGES = ("python manage.py makemessages -l fr --ignore=.venv --ignore=bench "
                "--ignore=tests --ignore=var, translate, then python manage.py compilemessages "
                "--ignore=.venv --ignore=tests")
GETTEXT_MISSING = ("GNU gettext (xgettext, msgmerge) is not installed: apt-get install gettext "
                   "(scripts/ensure_browser.sh does it)")


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    """The test client leaves the language of its last request active in this thread; later
    tests (in any file) expect the default."""
    yield
    translation.deactivate()


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> polib.POFile:
    """The French catalogue as makemessages leaves it after reading today's code and templates
    (a copy of the project, so the real catalogue is never touched)."""
    if not (shutil.which("xgettext") and shutil.which("msgmerge")):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true: {GETTEXT_MISSING}")
        pytest.skip(GETTEXT_MISSING)
    copy = tmp_path_factory.mktemp("i18n") / "project"
    shutil.copytree(ROOT, copy, symlinks=True, ignore=lambda folder, names: [
        n for n in names if n in NOT_SOURCES or n.endswith(".egg-info")])
    po = copy / PO.relative_to(ROOT)
    po.parent.mkdir(parents=True)
    shutil.copy(PO, po)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "depcal.settings",
           "DEPCAL_VAR_DIR": str(copy / "var")}
    subprocess.run([sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-location"],
                   cwd=copy, env=env, check=True, capture_output=True, text=True)
    return polib.pofile(str(po))


def _describe(entries) -> str:
    return "\n".join(f"  {e.msgctxt + ' | ' if e.msgctxt else ''}{e.msgid!r}" for e in entries)


def test_every_message_of_the_code_and_templates_has_a_french_translation(extracted):
    untranslated = [e for e in extracted if not e.obsolete and not e.translated()]
    assert not untranslated, (
        f"{len(untranslated)} message(s) without a French translation (missing, empty or fuzzy) "
        f"in {PO.relative_to(ROOT)}:\n{_describe(untranslated)}\nRun: {MAKEMESSAGES}")
    assert len(extracted.translated_entries()) > 200


def test_the_catalogue_is_clean_and_its_compiled_copy_is_current():
    """No fuzzy or obsolete leftovers, plural forms for French, and the committed .mo (what
    the site reads: no gettext at run time) says exactly what the .po says."""
    po = polib.pofile(str(PO))
    assert po.metadata["Language"] == "fr"
    assert po.metadata["Plural-Forms"] == "nplurals=2; plural=(n > 1);"
    assert not po.fuzzy_entries() and not po.obsolete_entries()
    assert all(e.translated() for e in po)
    with MO.open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    stale = []
    for e in po:
        if e.msgid_plural:
            got = [compiled.npgettext(e.msgctxt, e.msgid, e.msgid_plural, n) if e.msgctxt
                   else compiled.ngettext(e.msgid, e.msgid_plural, n) for n in (1, 2)]
            want = [e.msgstr_plural[0], e.msgstr_plural[1]]
        else:
            got = (compiled.pgettext(e.msgctxt, e.msgid) if e.msgctxt
                   else compiled.gettext(e.msgid))
            want = e.msgstr
        if got != want:
            stale.append(e)
    assert not stale, f"django.mo is older than django.po:\n{_describe(stale)}\nRun: " \
                      f"python manage.py compilemessages --ignore=.venv --ignore=tests"


# Pages.

FR = {"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9,en;q=0.5"}


@pytest.fixture
def chatgpt(db, settings):
    settings.DEPCAL_TODAY = "2026-01-18"
    return factories.entry()  # chatgpt-4o-latest, shutdown 17 February 2026


def test_dates_are_written_the_way_each_language_writes_them():
    day = date(2026, 2, 17)
    with translation.override("en"):
        assert date_format(day, "j F Y") == "17 February 2026"
        assert date_format(day, "SHORT_DATE_FORMAT") == "17 Feb 2026"
    with translation.override("fr"):
        assert date_format(day, "j F Y") == "17 février 2026"
        assert date_format(day, "SHORT_DATE_FORMAT") == "17 févr. 2026"
        assert [date_format(date(2026, m, 1), "SHORT_DATE_FORMAT")[2:-5]
                for m in (1, 6, 7, 9, 12)] == ["janv.", "juin", "juil.", "sept.", "déc."]


def test_the_calendar_in_french_from_accept_language(client, chatgpt):
    response = client.get("/", **FR)
    html = response.content.decode()
    assert response["Content-Language"] == "fr" and "Accept-Language" in response["Vary"]
    assert '<html lang="fr">' in html
    assert "Quand les modèles et API d'IA sont retirés" in html
    assert "comptées depuis aujourd'hui, 18 janvier 2026" in html
    row = html[html.index("chatgpt-4o-latest</code>"):]
    row = row[:row.index("</tr>")]
    assert "17 février 2026" in row and "encore 30 jours" in row
    assert ">Février 2026</h3>" in html
    assert "arrêt le 17 févr. 2026" in html  # the timeline mark
    assert "February" not in html and "days left" not in html


def test_english_stays_the_default(client, chatgpt):
    for headers in ({}, {"HTTP_ACCEPT_LANGUAGE": "de-DE,de;q=0.9"}):
        html = client.get("/", **headers).content.decode()
        assert '<html lang="en">' in html and "17 February 2026" in html
        assert "30 days left" in html and "février" not in html


def test_every_page_has_a_labelled_language_switcher_that_sets_the_language(client, chatgpt):
    html = client.get(chatgpt.get_absolute_url()).content.decode()
    switcher = html[html.index('<form class="lang"'):]
    switcher = switcher[:switcher.index("</form>")]
    assert 'action="/i18n/setlang/" method="post"' in switcher
    assert 'name="csrfmiddlewaretoken"' in switcher
    assert f'name="next" value="{chatgpt.get_absolute_url()}"' in switcher
    assert '<label for="lang-select">Language</label>' in switcher
    assert '<option value="en" lang="en" selected>English</option>' in switcher
    assert '<option value="fr" lang="fr">Français</option>' in switcher
    assert '<button type="submit">' in switcher

    response = client.post("/i18n/setlang/", {"language": "fr",
                                              "next": chatgpt.get_absolute_url()})
    assert response.status_code == 302 and response["Location"] == chatgpt.get_absolute_url()
    html = client.get(chatgpt.get_absolute_url()).content.decode()  # no Accept-Language
    assert '<html lang="fr">' in html and '<option value="fr" lang="fr" selected>' in html
    # The choice wins over the browser's languages, and can be undone.
    assert '<html lang="fr">' in client.get(
        "/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert '<html lang="en">' in client.get("/", **FR).content.decode()


def test_the_entry_page_in_french(client, chatgpt):
    html = client.get(chatgpt.get_absolute_url(), **FR).content.decode()
    assert '<html lang="fr">' in html
    assert "Arrêt dans 30 jours" in html
    assert '<time datetime="2026-02-17">17 février 2026</time>' in html
    assert '<time datetime="2025-11-18">18 novembre 2025</time>' in html
    assert "<dt>Statut</dt><dd>retrait prévu</dd>" in html
    assert "<dt>Type</dt><dd>modèle</dd>" in html
    assert "ajout au calendrier" in html  # the history
    assert "annonce le 18 nov. 2025" in html  # the timeline


def test_the_subscribe_page_in_french(client, chatgpt):
    html = client.get("/subscribe/", **FR).content.decode()
    assert '<html lang="fr">' in html
    assert "Recevoir des alertes par e-mail" in html and "Adresse e-mail" in html
    assert "30 jours avant" in html and "1 jour avant" in html
    assert "hebdomadaire (le lundi)" in html
    assert '<option value="fr" lang="fr" selected>Français</option>' in html  # emails in French
    response = client.post("/subscribe/", {"email": "not an address"}, **FR)
    assert response.status_code == 400 and "Saisissez une adresse e-mail valide." in (
        response.content.decode())


def test_the_archive_and_a_bad_link_in_french(client, chatgpt):
    assert "Archives des retraits" in client.get("/past/", **FR).content.decode()
    html = client.get("/manage/forged-token/", **FR).content.decode()
    assert "Ce lien n&#x27;est pas valide." in html


def test_feeds_and_the_api_do_not_change_with_the_language(client, chatgpt):
    urls = {"/calendar.ics": 200, "/changes.atom": 200, "/api/v1/retirements": 200,
            "/api/v1/openapi.json": 200, "/api/v1/retirements?page=x": 400,
            "/api/v1/no-such-thing": 404}
    english = {url: client.get(url) for url in urls}
    client.post("/i18n/setlang/", {"language": "fr"})  # the cookie, and Accept-Language
    for url, status in urls.items():
        french = client.get(url, **FR)
        assert english[url].status_code == french.status_code == status, url
        assert english[url].content == french.content, url
        assert "Accept-Language" not in french.get("Vary", ""), url
        assert not french.has_header("Content-Language"), url


def test_the_pages_of_a_french_subscription_speak_french_on_an_english_browser(client, db):
    from django.urls import reverse

    from notifier import tokens

    ada = _subscriber("ada@example.com", "fr")
    pending = Subscriber.objects.create(email="bob@example.com", status="pending",
                                        requested_at=datetime(2025, 1, 1, tzinfo=UTC),
                                        confirm_requests=1, language="fr")
    pages = {
        reverse("notifier:confirm", args=[tokens.make(pending, tokens.CONFIRM)]):
            "Confirmez votre abonnement",
        reverse("notifier:manage", args=[tokens.make(ada, tokens.MANAGE)]): "Vos alertes",
        reverse("notifier:unsubscribe", args=[tokens.make(ada, tokens.UNSUBSCRIBE)]):
            "Se désabonner",
    }
    english = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}
    for path, heading in pages.items():
        response = client.get(path, **english)
        html = response.content.decode()
        assert response["Content-Language"] == "fr", path
        assert '<html lang="fr">' in html and f"<h1>{heading}</h1>" in html, path
    response = client.post(pages_path := list(pages)[2], **english)  # one-click, no cookie
    assert "<h1>Désabonnement effectué</h1>" in response.content.decode(), pages_path
    # a language picked with the switcher wins
    client.post("/i18n/setlang/", {"language": "en"})
    html = client.get(list(pages)[1], **english).content.decode()
    assert '<html lang="en">' in html and "<h1>Your alerts</h1>" in html


def test_the_history_names_the_catalogue_file_in_french(client, chatgpt):
    from deprecations import changes

    changes.move_date(chatgpt, "shutdown_on", date(2026, 2, 18), via="catalogue file")
    changes.move_date(chatgpt, "shutdown_on", date(2026, 2, 17), via="source:openai-deprecations")
    html = client.get(chatgpt.get_absolute_url(), **FR).content.decode()
    assert "(fichier du catalogue)" in html and "(catalogue file)" not in html
    assert "(source openai-deprecations)" in html


def test_today_on_an_entry_timeline_is_never_cut_off_in_french(client, chatgpt, settings):
    settings.DEPCAL_TODAY = "2026-11-25"  # long after the shutdown: today is at the far right
    html = client.get(chatgpt.get_absolute_url(), **FR).content.decode()
    assert ('class="tl-today-label tl-today-label-left" aria-hidden="true">aujourd\'hui'
            '</text>') in html


# Emails.

@pytest.fixture
def inline_mail(settings, eager_tasks):
    settings.DEPCAL_TODAY = "2026-01-10"
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def test_subscribing_from_a_french_page_sends_french_emails(
        client, db, inline_mail, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/subscribe/", {"email": "ada@example.com", "lead_times": ["30"],
                                    "digest": "weekly"}, **FR)
    assert Subscriber.objects.get().language == "fr"
    [confirm] = outbox.outbox
    assert confirm.subject == "Confirmez vos alertes e-mail depcal"
    assert "Quelqu'un, probablement vous" in confirm.body
    assert "il reste valable 3 jours" in confirm.body
    html = confirm.alternatives[0][0]
    assert '<html lang="fr">' in html and "Confirmer mes alertes" in html


def test_the_language_can_be_chosen_on_the_form(client, db, inline_mail,
                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/subscribe/", {"email": "ada@example.com", "digest": "weekly",
                                    "language": "en"}, **FR)
    assert Subscriber.objects.get().language == "en"
    assert outbox.outbox[-1].subject == "Confirm your depcal email alerts"


def _subscriber(email, language) -> Subscriber:
    s = Subscriber.objects.create(
        email=email, status="confirmed", requested_at=datetime(2025, 1, 1, tzinfo=UTC),
        confirmed_at=datetime(2025, 1, 1, tzinfo=UTC), confirmed_on=date(2025, 1, 1),
        language=language)
    set_choices(s, lead_times=[30], language=language)
    return s


def test_a_french_subscriber_gets_a_french_alert_and_an_english_one_an_english_alert(chatgpt):
    _subscriber("ada@example.com", "fr")
    _subscriber("bob@example.com", "en")
    alerts.record_alerts(date(2026, 1, 18), replay=False)
    with translation.override("en"):
        messages = {m.to[0]: m for m in (compose.compose(row) for row in
                                         Delivery.objects.filter(kind="alert"))}
        assert translation.get_language() == "en"  # composing leaves the language as it was
    french, english = messages["ada@example.com"], messages["bob@example.com"]
    assert french.subject == ("chatgpt-4o-latest s'arrête dans 30 jours (17 févr. 2026) - "
                              "passez à gpt-5.1-chat-latest")
    assert "s'arrête dans 30 jours, le mardi 17 février 2026." in french.body
    assert "Vous avez demandé une alerte 30 jours avant chaque arrêt" in french.body
    assert "Se désabonner en un clic" in french.body
    html = french.alternatives[0][0]
    assert '<html lang="fr">' in html and "le mardi 17 février 2026" in html
    assert english.subject == ("chatgpt-4o-latest shuts down in 30 days (17 Feb 2026) - "
                               "move to gpt-5.1-chat-latest")
    assert "on Tuesday 17 February 2026." in english.body
