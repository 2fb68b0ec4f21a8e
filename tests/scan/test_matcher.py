"""Whole-token matching: the boundaries the scanner promises, and positions."""

import pytest

from deprecations.scan.matcher import Matcher, is_token_char, positions

NAMES = ["chatgpt-4o-latest", "gpt-4o", "gpt-4o-2024-05-13", "claude-3-opus@20240229",
         "anthropic.claude-v2", "models/gemini-1.0-pro"]


def found(text, names=NAMES):
    return [m.name for m in Matcher(names).find(text)]


@pytest.mark.parametrize("text", [
    'model="chatgpt-4o-latest"',
    "model='chatgpt-4o-latest'",
    "--model chatgpt-4o-latest,",
    "chatgpt-4o-latest",
    "use chatgpt-4o-latest.",
    "chatgpt-4o-latest: retired",
    "(chatgpt-4o-latest)",
    "`chatgpt-4o-latest`",
    "MODEL=chatgpt-4o-latest\n",
    "[chatgpt-4o-latest]...",
    "«chatgpt-4o-latest»",
])
def test_a_name_matches_as_a_whole_token(text):
    assert found(text) == ["chatgpt-4o-latest"]


@pytest.mark.parametrize("text", [
    "my-chatgpt-4o-latest-fork",
    "chatgpt-4o-latest-fork",
    "my-chatgpt-4o-latest",
    "xchatgpt-4o-latest",
    "chatgpt-4o-latest_v2",
    "openai/chatgpt-4o-latest",
    "chatgpt-4o-latest@2",
    "chatgpt-4o-latest:free",
    "chatgpt-4o-latest.json",
    "chatgpt-4o-latesté",
    "CHATGPT-4O-LATEST",
])
def test_a_name_inside_a_longer_token_does_not_match(text):
    assert found(text) == []


def test_a_shorter_name_does_not_match_inside_a_longer_identifier():
    assert found('m = "gpt-4o-2024-05-13"') == ["gpt-4o-2024-05-13"]
    assert found('m = "gpt-4o-mini"') == []
    assert found("gpt-4o gpt-4o-2024-05-13") == ["gpt-4o", "gpt-4o-2024-05-13"]


def test_names_with_token_punctuation_inside_match_whole():
    assert found('id="anthropic.claude-v2"') == ["anthropic.claude-v2"]
    assert found('"anthropic.claude-v2:1"') == []
    assert found("claude-3-opus@20240229") == ["claude-3-opus@20240229"]
    assert found("name: models/gemini-1.0-pro") == ["models/gemini-1.0-pro"]


def test_every_occurrence_is_found_in_order():
    text = "gpt-4o, gpt-4o; chatgpt-4o-latest gpt-4o"
    assert [(m.start, m.name) for m in Matcher(NAMES).find(text)] == [
        (0, "gpt-4o"), (8, "gpt-4o"), (16, "chatgpt-4o-latest"), (34, "gpt-4o")]


def test_positions_are_one_based_lines_and_code_point_columns():
    text = "first line\n  é = 'gpt-4o'\r\n\nx gpt-4o"
    matches = Matcher(NAMES).find(text)
    assert positions(text, matches) == [(2, 8), (4, 3)]


def test_only_names_that_are_tokens_are_searched():
    matcher = Matcher(["Claude 3 Opus", "claude-3-opus", "OpenAI-Beta: assistants=v1", ""])
    assert matcher.names == {"claude-3-opus"}
    assert [m.name for m in matcher.find("Claude 3 Opus is claude-3-opus")] == ["claude-3-opus"]


def test_an_empty_catalogue_finds_nothing():
    assert Matcher([]).find("gpt-4o") == []


def test_token_characters_are_letters_digits_and_six_punctuation_marks():
    assert all(is_token_char(c) for c in "aZ09é-._:/@")
    assert not any(is_token_char(c) for c in " \t\n\"'`,;()[]{}<>=+*&|!?#$%^~\\")
