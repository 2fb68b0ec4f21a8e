"""Which catalogue names the scanner treats as ambiguous, and that the API carries the reason."""

import pytest
from depcal_scan import retirements

from deprecations import ambiguity
from tests.deprecations import factories


@pytest.mark.parametrize("name, reason", [
    ("command", "also a command-line term; an English word"),
    ("summarize", "an English word"),
    ("curie", "an English word"),
    ("ada", "also the Ada programming language; an English word; shorter than 5 characters"),
    ("o1", "shorter than 5 characters"),
])
def test_words_short_names_and_terms_are_ambiguous_with_the_reason(name, reason):
    assert ambiguity.ambiguity(name) == reason


@pytest.mark.parametrize("name", ["command-r", "gpt-4o", "claude-3-5-sonnet-20240620",
                                  "babbage", "davinci", "text-embedding-ada-002"])
def test_model_ids_are_not(name):
    assert ambiguity.ambiguity(name) is None


def test_the_override_file_can_clear_a_name(monkeypatch, tmp_path):
    overrides = tmp_path / "ambiguous_names.toml"
    overrides.write_text('[terms]\nchat = "a CLI verb"\n[not_ambiguous]\nsummarize = "rare"\n')
    monkeypatch.setattr(ambiguity, "OVERRIDES", overrides)
    ambiguity._overrides.cache_clear()
    ambiguity.ambiguity.cache_clear()
    try:
        assert ambiguity.ambiguity("summarize") is None
        assert ambiguity.ambiguity("chat") == (
            "a CLI verb; an English word; shorter than 5 characters")
    finally:
        ambiguity._overrides.cache_clear()
        ambiguity.ambiguity.cache_clear()


@pytest.mark.django_db
def test_the_api_and_the_export_carry_the_reason_per_name(client, settings):
    settings.DEPCAL_API_RATE = None
    factories.entry("command", vendor_slug="cohere", aliases=["command-nightly"])
    factories.entry("gpt-4o", aliases=["ada"])
    listed = client.get("/api/v1/retirements").json()["results"]
    by_id = {r["identifier"]: r for r in listed}
    assert by_id["command"]["ambiguous_names"] == {
        "command": "also a command-line term; an English word"}
    assert by_id["gpt-4o"]["ambiguous_names"] == {
        "ada": "also the Ada programming language; an English word; shorter than 5 characters"}
    loaded = {r.identifier: r for r in retirements.from_rows(listed)}
    assert loaded["command"].ambiguity("command") is not None
    assert loaded["command"].ambiguity("command-nightly") is None
