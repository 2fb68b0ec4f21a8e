"""Inline 'depcal: ignore': a directive at the end of a line of code is that line's; one in a
comment on a line of its own is the next line's, in each comment syntax the scanner knows."""

import pytest
from depcal_scan.suppress import silenced

NAMES = {"chatgpt-4o-latest"}

OWN_LINES = [
    "# depcal: ignore", "    ## depcal: ignore", "#depcal: ignore",
    "# legacy client, kept on purpose: depcal: ignore",
    "// depcal: ignore", "/// depcal: ignore", "/* depcal: ignore */", "/** depcal: ignore */",
    " * depcal: ignore", "<!-- depcal: ignore -->", "-- depcal: ignore", "; depcal: ignore",
    "% depcal: ignore", "{# depcal: ignore #}", "{{!-- depcal: ignore --}}",
    "{{/* depcal: ignore */}}", "<%# depcal: ignore %>", "@* depcal: ignore *@",
    "(* depcal: ignore *)", "{- depcal: ignore -}", ".. depcal: ignore", "REM depcal: ignore",
    ":: depcal: ignore", "depcal: ignore", "  depcal: ignore[chatgpt-4o-latest]",
]

CODE_LINES = [
    'x = "gpt-4o"  # depcal: ignore', 'const x = "gpt-4o"; // depcal: ignore',
    "}); // depcal: ignore", "    'gpt-4o',  # depcal: ignore",
    '"model": "gpt-4o", // depcal: ignore',
    "model: gpt-4o  # depcal: ignore", "<p>gpt-4o</p> <!-- depcal: ignore -->",
    "--model gpt-4o  # depcal: ignore", 'SELECT 1; -- depcal: ignore',
    '#define MODEL "gpt-4o"  // depcal: ignore', "#[cfg(test)] // depcal: ignore",
    # commented-out code keeps its trailing directive to itself
    '# OLD = "gpt-4o"  # depcal: ignore', '// const old = "gpt-4o"; // depcal: ignore',
]

BELOW = 'y = "chatgpt-4o-latest"'


@pytest.mark.parametrize("above", OWN_LINES)
def test_a_comment_on_a_line_of_its_own_silences_the_line_below(above):
    assert silenced(BELOW, above, NAMES)


@pytest.mark.parametrize("above", CODE_LINES)
def test_a_directive_at_the_end_of_a_line_of_code_leaves_the_next_line_alone(above):
    assert not silenced(BELOW, above, NAMES)


@pytest.mark.parametrize("line", OWN_LINES + CODE_LINES)
def test_a_directive_always_silences_its_own_line(line):
    assert silenced(line, "", NAMES)


def test_a_list_of_names_silences_only_those_names():
    assert silenced(BELOW, "# depcal: ignore[gpt-4o, chatgpt-4o-latest]", NAMES)
    assert not silenced(BELOW, "# depcal: ignore[gpt-4o]", NAMES)
    assert not silenced(BELOW, 'a = "gpt-4o"  # depcal: ignore[chatgpt-4o-latest]', NAMES)
