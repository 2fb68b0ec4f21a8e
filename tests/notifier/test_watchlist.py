"""The watch-list: an API token made on the manage page, ``PUT /api/v1/watchlist``, and
``depcal-scan --update-watchlist`` keeping a subscription's models in step with a tree."""

import json
import subprocess
import sys

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from notifier import alerts, subscriptions, tokens
from notifier.models import ApiToken, Follow
from tests.deprecations import factories
from tests.notifier.people import subscriber

pytestmark = pytest.mark.django_db
URL = "/api/v1/watchlist"


def put(client, token, body, **headers):
    return client.put(URL, json.dumps(body), content_type="application/json",
                      HTTP_AUTHORIZATION=f"Bearer {token}", **headers)


def models_of(s) -> list[str]:
    return sorted(s.follow_set.filter(kind="model").values_list("value", flat=True))


def test_put_sets_exactly_the_models_and_says_what_was_added_and_removed(client):
    s = subscriber(vendors=["openai"], models=["gpt-4", "o1-preview"])
    token = subscriptions.new_api_token(s, now=timezone.now())
    answer = put(client, token, {"models": ["GPT-4", "chatgpt-4o-latest", "gpt-4"]})
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"models": ["chatgpt-4o-latest", "gpt-4"],
                             "added": ["chatgpt-4o-latest"], "removed": ["o1-preview"],
                             "vendors": ["openai"], "not_followed": []}
    assert models_of(s) == ["chatgpt-4o-latest", "gpt-4"]
    assert list(s.follow_set.filter(kind="vendor").values_list("value", flat=True)) == [
        "openai"]  # vendors stay
    again = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert again.json()["models"] == ["chatgpt-4o-latest", "gpt-4"]
    assert ApiToken.objects.get().last_used_at is not None


def entries_followed(s) -> set[str]:
    """The identifiers of the entries the alerts' rule says ``s`` follows."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT o.identifier FROM {alerts.T['subscriber']} s, {alerts.T['retirement']} d "
            f"{alerts.ENTRY_JOIN} WHERE s.id = %s AND {alerts.follows_sql()}", [s.pk])
        return {row[0] for row in cursor.fetchall()}


def test_the_answer_names_the_models_the_vendors_leave_out_as_the_alerts_do(client):
    factories.entry()  # chatgpt-4o-latest, OpenAI's
    factories.entry("claude-3-5-sonnet-20240620", vendor_slug="anthropic")
    factories.entry("command", vendor_slug="cohere")
    factories.entry("gpt-4o", vendor_slug="azure")  # a platform's entry
    factories.entry("gpt-4o-2024-05-13")  # OpenAI's, of the gpt-4o family
    s = subscriber(vendors=["openai"])
    token = subscriptions.new_api_token(s, now=timezone.now())
    models = ["chatgpt-4o-latest", "claude-3-5-sonnet-20240620", "command", "gpt-4o",
              "o9-not-announced"]
    answer = put(client, token, {"models": models}).json()
    assert answer["vendors"] == ["openai"]
    assert answer["not_followed"] == [
        {"model": "claude-3-5-sonnet-20240620", "vendors": ["anthropic"]},
        {"model": "command", "vendors": ["cohere"]}]
    # the rule the alerts use agrees: nothing of those two is followed, the rest is
    followed = entries_followed(s)
    assert followed == {"chatgpt-4o-latest", "gpt-4o-2024-05-13"}
    assert client.get(URL, HTTP_AUTHORIZATION=f"Bearer {token}").json() == {
        **answer, "added": [], "removed": []}
    # following those vendors, or every vendor, leaves nothing out
    subscriptions.set_choices(s, vendors=["openai", "anthropic", "cohere"], models=models)
    assert put(client, token, {"models": models}).json()["not_followed"] == []
    subscriptions.set_choices(s, vendors=[], models=models)
    assert put(client, token, {"models": models}).json()["not_followed"] == []
    assert "claude-3-5-sonnet-20240620" in entries_followed(s)


@pytest.mark.parametrize("authorization, status", [
    (None, 401), ("Bearer", 401), ("Bearer dcw_not-a-token", 401), ("Basic YTpi", 401),
])
def test_without_a_valid_token_nothing_changes(client, authorization, status):
    s = subscriber(models=["gpt-4"])
    subscriptions.new_api_token(s, now=timezone.now())
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    answer = client.put(URL, json.dumps({"models": ["o1"]}), content_type="application/json",
                        **headers)
    assert answer.status_code == status
    assert answer.json()["status"] == status and answer["WWW-Authenticate"].startswith("Bearer")
    assert models_of(s) == ["gpt-4"]


def test_a_revoked_or_replaced_token_and_an_unsubscribed_address_are_refused(client):
    s = subscriber(models=["gpt-4"])
    first = subscriptions.new_api_token(s, now=timezone.now())
    second = subscriptions.new_api_token(s, now=timezone.now())
    assert put(client, first, {"models": ["o1"]}).status_code == 401
    assert put(client, second, {"models": ["o1"]}).status_code == 200
    subscriptions.unsubscribe(s, now=timezone.now())
    assert put(client, second, {"models": ["o3"]}).status_code == 401
    assert subscriptions.revoke_api_token(s)
    assert models_of(s) == ["o1"]


@pytest.mark.parametrize("body, why", [
    ({"models": []}, "This list may not be empty"),
    ({"models": ["gpt 4"]}, "Not a model name"),
    ({"models": "gpt-4"}, "Expected a list"),
    ({}, "This field is required"),
    ({"models": ["x"] * 201}, "no more than 200"),
])
def test_a_body_that_is_not_a_list_of_model_names_is_a_400(client, body, why):
    s = subscriber(models=["gpt-4"])
    token = subscriptions.new_api_token(s, now=timezone.now())
    answer = put(client, token, body)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_parameters"
    assert why in json.dumps(answer.json())
    assert "field" in answer.json()["detail"]
    assert models_of(s) == ["gpt-4"]


def test_the_manage_page_shows_a_new_token_once_and_revokes_it():
    s = subscriber()
    browser = Client()
    page = f"/manage/{tokens.make(s, tokens.MANAGE)}/"
    made = browser.post(page, {"action": "new-token"})
    assert made.status_code == 200
    token = made.context["new_token"]
    assert token.startswith("dcw_") and token in made.content.decode()
    later = browser.get(page).content.decode()
    assert token not in later and "A token was made on" in later
    assert ApiToken.objects.get().digest == subscriptions.token_digest(token)
    assert browser.post(page, {"action": "revoke-token"}).status_code == 302
    assert not ApiToken.objects.exists()


TREE = {
    "app/chat.py": 'client.chat.completions.create(model="chatgpt-4o-latest", messages=m)\n',
    "app/old.py": 'MODEL = "gpt-4-0314"  # still here\n',
    "README.md": "We moved off everything else.\n",
}


@pytest.mark.django_db(transaction=True)
def test_depcal_scan_update_watchlist_follows_exactly_the_two_models_the_tree_calls(
        live_server, tmp_path, settings):
    settings.SITE_URL = live_server.url
    factories.entry()  # chatgpt-4o-latest
    factories.entry("gpt-4-0314", shutdown=None)
    factories.entry("o1-preview")
    s = subscriber(models=["o1-preview", "gpt-4-0314"])
    token = subscriptions.new_api_token(s, now=timezone.now())
    tree = tmp_path / "tree"
    for name, text in TREE.items():
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_text(text)
    run = subprocess.run(
        [sys.executable, "-m", "depcal_scan", "--server", live_server.url, "--cache-dir",
         str(tmp_path / "cache"), "--update-watchlist", token, str(tree)],
        capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert models_of(s) == ["chatgpt-4o-latest", "gpt-4-0314"]
    assert "added: chatgpt-4o-latest" in run.stdout
    assert "removed: o1-preview" in run.stdout
    assert set(Follow.objects.values_list("value", flat=True)) == {"chatgpt-4o-latest",
                                                                    "gpt-4-0314"}
    # A wrong token is an error (exit 2) and changes nothing
    wrong = subprocess.run(
        [sys.executable, "-m", "depcal_scan", "--server", live_server.url, "--cache-dir",
         str(tmp_path / "cache"), "--update-watchlist", "dcw_wrong", str(tree)],
        capture_output=True, text=True, timeout=120)
    assert wrong.returncode == 2 and "401" in wrong.stderr and "revoked" in wrong.stderr
    assert models_of(s) == ["chatgpt-4o-latest", "gpt-4-0314"]



@pytest.mark.django_db(transaction=True)
def test_update_watchlist_honours_vendor_as_a_report_does(live_server, tmp_path, settings):
    """--vendor selects a platform's entries for the watch-list as it does for a report."""
    settings.SITE_URL = live_server.url
    factories.vendor("azure", "Azure OpenAI", is_platform=True)
    factories.entry("o1-preview", vendor_slug="azure")  # only the platform retires it
    factories.entry("gpt-4-0314")
    s = subscriber(models=["gpt-4-0314"])
    token = subscriptions.new_api_token(s, now=timezone.now())
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "app.py").write_text('client.chat(model="o1-preview")\n')

    def update(*options):
        return subprocess.run(
            [sys.executable, "-m", "depcal_scan", "--server", live_server.url, "--cache-dir",
             str(tmp_path / "cache"), *options, "--update-watchlist", token, str(tree)],
            capture_output=True, text=True, timeout=120)

    assert update().returncode == 0  # a bare name is its maker's: nothing found, kept as is
    assert models_of(s) == ["gpt-4-0314"]
    run = update("--vendor", "azure")
    assert run.returncode == 0, run.stderr
    assert models_of(s) == ["o1-preview"]


@pytest.mark.django_db(transaction=True)
def test_update_watchlist_warns_of_the_models_the_vendors_leave_out(
        live_server, tmp_path, settings):
    settings.SITE_URL = live_server.url
    factories.entry()  # chatgpt-4o-latest
    factories.entry("claude-3-5-sonnet-20240620", vendor_slug="anthropic")
    factories.entry("command", vendor_slug="cohere")
    s = subscriber(vendors=["openai"])
    token = subscriptions.new_api_token(s, now=timezone.now())
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "app.py").write_text('a = client.chat(model="chatgpt-4o-latest")\n'
                                 'b = client.chat(model="claude-3-5-sonnet-20240620")\n'
                                 'c = co.chat(model="command")\n')
    run = subprocess.run(
        [sys.executable, "-m", "depcal_scan", "--server", live_server.url, "--cache-dir",
         str(tmp_path / "cache"), "--update-watchlist", token, str(tree)],
        capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert models_of(s) == ["chatgpt-4o-latest", "claude-3-5-sonnet-20240620", "command"]
    assert run.stderr == (
        "depcal-scan: warning: the subscription follows only the vendor(s) openai, so no "
        "alert will come for 2 model(s) of the watch-list: claude-3-5-sonnet-20240620 "
        "(anthropic), command (cohere). On the subscription's manage page, under \"What to "
        "follow\", add anthropic, cohere (or choose no vendor, to follow every vendor)\n")
