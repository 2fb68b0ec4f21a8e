"""Whole-token matching in every spelling: the boundaries the scanner promises, and positions."""

import pytest
from depcal_scan.matcher import Matcher
from depcal_scan.spellings import is_token_char

NAMES = ["chatgpt-4o-latest", "gpt-4o", "gpt-4o-2024-05-13", "claude-3-opus@20240229",
         "anthropic.claude-v2", "models/gemini-1.0-pro", "claude-3-5-sonnet-20240620",
         "gemini-2.5-flash-preview-04-17", "anthropic.claude-3-haiku-20240307-v1:0",
         "claude-3-haiku-20240307", "text-bison-001"]


def found(text, names=NAMES, ambiguous=()):
    return [h.name for h in Matcher(names, ambiguous).find(text.encode())]


def spelled(text, names=NAMES):
    return [(h.text, h.name) for h in Matcher(names).find(text.encode())]


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
    "providers/chatgpt-4o-latest",
    "https://example.com/chatgpt-4o-latest",
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
    assert found('m = "openai/gpt-4o-mini"') == []
    assert found("gpt-4o gpt-4o-2024-05-13") == ["gpt-4o", "gpt-4o-2024-05-13"]


@pytest.mark.parametrize("text, expected", [
    # routers and SDKs that put the provider first
    ('"anthropic/claude-3-5-sonnet-20240620"', "claude-3-5-sonnet-20240620"),
    ('"gemini/gemini-2.5-flash-preview-04-17"', "gemini-2.5-flash-preview-04-17"),
    ('"vertex_ai/claude-3-5-sonnet-20240620"', "claude-3-5-sonnet-20240620"),
    ('"bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0"', "claude-3-5-sonnet-20240620"),
    ('"azure/gpt-4o"', "gpt-4o"),
    ('"openrouter/openai/gpt-4o"', "gpt-4o"),
    ('"openai/chatgpt-4o-latest"', "chatgpt-4o-latest"),
    ('name: models/gemini-1.0-pro', "models/gemini-1.0-pro"),
    # Vertex AI's @ versions of a dated name
    ('"claude-3-5-sonnet@20240620"', "claude-3-5-sonnet-20240620"),
    ('"text-bison@001"', "text-bison-001"),
    ('"publishers/anthropic/models/claude-3-5-sonnet@20240620"', "claude-3-5-sonnet-20240620"),
    ('"projects/p-1/locations/us-east5/publishers/anthropic/models/claude-3-5-sonnet@20240620"',
     "claude-3-5-sonnet-20240620"),
    # Bedrock: model ids, cross-region inference profiles, ARNs
    ('"anthropic.claude-3-5-sonnet-20240620-v1:0"', "claude-3-5-sonnet-20240620"),
    ('"us.anthropic.claude-3-5-sonnet-20240620-v1:0"', "claude-3-5-sonnet-20240620"),
    ('"eu.anthropic.claude-3-5-sonnet-20240620-v1:0"', "claude-3-5-sonnet-20240620"),
    ('"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0"',
     "claude-3-5-sonnet-20240620"),
    ('"arn:aws:bedrock:us-east-1:123456789012:inference-profile/'
     'us.anthropic.claude-3-5-sonnet-20240620-v1:0"', "claude-3-5-sonnet-20240620"),
    ('"anthropic.claude-3-5-sonnet-20240620-v1:0:200k"', "claude-3-5-sonnet-20240620"),
])
def test_every_spelling_maps_to_the_name_it_spells(text, expected):
    (hit,) = Matcher(NAMES).find(text.encode())
    assert hit.name == expected
    assert hit.text == text.split(": ")[-1].strip('"')


def test_the_most_specific_name_wins():
    # the catalogue has the Bedrock id itself: that entry, not the Anthropic one
    assert spelled('"us.anthropic.claude-3-haiku-20240307-v1:0"') == [
        ("us.anthropic.claude-3-haiku-20240307-v1:0", "anthropic.claude-3-haiku-20240307-v1:0")]
    assert spelled('"anthropic.claude-3-haiku-20240307-v1:0"') == [
        ("anthropic.claude-3-haiku-20240307-v1:0", "anthropic.claude-3-haiku-20240307-v1:0")]


@pytest.mark.parametrize("text", [
    '"anthropic.claude-v2:1"',  # Claude 2.1 on Bedrock, not anthropic.claude-v2
    '"unknown/claude-3-5-sonnet-20240620"',
    '"us.anthropic.claude-3-5-sonnet-20240620-v1:0:extra"',
    '"claude-3-5-sonnet@2024"',
    '"claude-3-5-sonnet-20240620-v1x"',
])
def test_other_tokens_around_a_name_do_not_match(text):
    assert found(text) == []


def test_names_with_token_punctuation_inside_match_whole():
    assert found('id="anthropic.claude-v2"') == ["anthropic.claude-v2"]
    assert found("claude-3-opus@20240229") == ["claude-3-opus@20240229"]
    assert found("name: models/gemini-1.0-pro") == ["models/gemini-1.0-pro"]


def test_every_occurrence_is_found_in_order():
    text = "gpt-4o, gpt-4o; chatgpt-4o-latest gpt-4o"
    assert [(h.column, h.name) for h in Matcher(NAMES).find(text.encode())] == [
        (1, "gpt-4o"), (9, "gpt-4o"), (17, "chatgpt-4o-latest"), (35, "gpt-4o")]


def test_positions_are_one_based_lines_and_code_point_columns():
    text = "first line\n  é = 'gpt-4o'\r\n\nx gpt-4o é gpt-4o"
    hits = Matcher(NAMES).find(text.encode())
    assert [(h.line, h.column) for h in hits] == [(2, 8), (4, 3), (4, 12)]
    assert hits[0].line_text == "  é = 'gpt-4o'"
    assert hits[1].above == ""
    assert hits[0].above == "first line"


def test_bytes_that_are_not_utf8_neither_crash_nor_hide_a_name():
    hits = Matcher(NAMES).find(b"caf\xe9 = 1\n\xff\xfe model='gpt-4o'\n")
    assert [(h.line, h.column, h.text) for h in hits] == [(2, 11, "gpt-4o")]


def test_a_very_long_line_keeps_a_window_around_each_hit():
    data = b"x = 1; " * 100_000 + b'model = "gpt-4o"' + b"; y = 2" * 100_000
    (hit,) = Matcher(NAMES).find(data)
    assert hit.column == 700_001 + len("model = \"")
    assert 'model = "gpt-4o"' in hit.line_text and len(hit.line_text) < 2_100


def test_a_long_line_full_of_names_gives_every_hit():
    # each hit's position is counted from the previous one: this takes seconds, not hours
    hits = Matcher(NAMES).find(b'first\n' + b'"gpt-4o", ' * 50_000)
    assert len(hits) == 50_000
    assert (hits[-1].line, hits[-1].column) == (2, 49_999 * 10 + 2)
    assert hits[-1].above == "first"


def test_of_a_long_line_above_its_start_is_kept():
    # whether the line above is a comment of its own shows at its start
    hits = Matcher(NAMES).find(b"# depcal: ignore " + b"x" * 5_000 + b'\nm = "gpt-4o"\n')
    assert hits[0].above.startswith("# depcal: ignore xxx") and len(hits[0].above) < 2_100


def test_only_names_that_are_tokens_are_searched():
    matcher = Matcher(["Claude 3 Opus", "claude-3-opus", "OpenAI-Beta: assistants=v1", ""])
    assert matcher.names == {"claude-3-opus"}
    assert [h.name for h in matcher.find(b"Claude 3 Opus is claude-3-opus")] == ["claude-3-opus"]


def test_an_empty_catalogue_finds_nothing():
    assert Matcher([]).find(b"gpt-4o") == []


def test_token_characters_are_letters_digits_and_six_punctuation_marks():
    assert all(is_token_char(c) for c in "aZ09é-._:/@")
    assert not any(is_token_char(c) for c in " \t\n\"'`,;()[]{}<>=+*&|!?#$%^~\\")


# Names that are also words: only where code uses them as a model id.

@pytest.mark.parametrize("text", [
    'client.chat(model="command")',
    "co.generate(model='command', prompt=p)",
    '{"model": "command", "temperature": 0}',
    "model: command",
    "COHERE_MODEL=command",
    "  engine: command  # the old default",
    "cohere chat --model command --temperature 0",
    "--model=command",
    'ChatRequest.builder().model("command").build()',
    'models = ["ada", "command"]',
    "deployment_name = 'command'",
    "modelId: 'command'",
    "cohere/command",
    "llm = 'cohere_chat/command'",
])
def test_an_ambiguous_name_is_reported_where_it_is_a_model_id(text):
    assert found(text, ["command"], ambiguous=["command"]) == ["command"]


@pytest.mark.parametrize("text", [
    "# Run this command to start the server",
    'subparsers = parser.add_subparsers(dest="command")',
    'parser.add_argument("command", help="what to do")',
    '{"type": "command", "name": "build"}',
    "subprocess.run(command, check=True)",
    'raise ValueError("unknown command")',
    "The command model answers questions.",
    'model = "command line"',
    "command: build",
    "  - command",
])
def test_an_ambiguous_name_is_not_reported_in_prose_or_other_code(text):
    assert found(text, ["command"], ambiguous=["command"]) == []
    assert found(text, ["command"]) == ["command"]  # the context, not the token, left it out


def test_ambiguity_applies_only_to_the_names_marked():
    text = "Try command-r or command today."
    assert found(text, ["command", "command-r"], ambiguous=["command"]) == ["command-r"]
