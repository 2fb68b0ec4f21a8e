"""The generic parsers on the shapes other platforms' pages take, with no code for them.

SYNTHETIC DOCUMENTS: every page below is made up for this test (names ``acme-*``, dates and
wording invented). They imitate the layouts the held-back platforms use (Azure Foundry's
retirement tables with Version and lifecycle columns, Groq's dated sections with a shutdown
table, Cerebras' and Xiaomi MiMo's dated notices in prose, Thinking Machines' short table),
without copying any of them. Each is read as ``manage.py parse_document`` reads a page: no
parser name, no URL.

Also here: an entry's own date (the day a vendor wrote "X has been retired") never becomes a
shutdown date, on any page the Gemini release-notes parser does not claim.
"""

from __future__ import annotations

from datetime import date

import pytest

from deprecations.sources import parsers
from deprecations.sources.parsers import (
    changelog,
    feed,
    gemini,
    section_reader,
    table_columns,
)

# SYNTHETIC: a Foundry-style retirement schedule (Markdown twin), a lifecycle column, lower
# bounds, and a table of models already retired.
FOUNDRY_LIKE = """# Acme model retirements

Models are retired on the dates below. Deprecated models are not available to new customers.

## Current models

| Model | Version | Lifecycle status | Deprecation date | Retirement date | Replacement model |
|---|---|---|---|---|---|
| `acme-4o` | 2024-05-13 | GA | No earlier than Mar 31, 2027 | Not before Sep 30, 2027 | `acme-5` |
| `acme-4o-mini` | 2024-07-18 | Deprecated | October 1, 2026 | December 1, 2026 | `acme-4.1-mini` |
| `acme-5` | 2025-08-07 | Generally Available | | | |

## Retired models

| Model | Version | Retirement date | Recommended replacement |
|-------|---------|-----------------|-------------------------|
| `acme-35-turbo` | 0613 | February 13, 2025 | `acme-4o-mini` |
"""

# SYNTHETIC: Groq-style dated sections, each a notice and a "Shutdown Date" table.
SECTIONS_LIKE = """# Deprecations

## Deprecated models

### August 16, 2026: acme-8b-instant and acme-70b-versatile

On June 19, 2026, we emailed the users of these models about their shutdown.

| Shutdown Date | Model ID | Recommended Replacement Model ID |
|---|---|---|
| 08/16/2026 | acme-8b-instant | acme/oss-20b |
| 08/16/2026 | acme-70b-versatile | acme/oss-120b |

### March 9, 2026: acme-maverick-17b

| Shutdown Date | Model ID | Recommended Replacement Model ID |
|---|---|---|
| 03/09/2026 | acme/maverick-17b-128e | acme/oss-120b |
"""

# SYNTHETIC: a deprecations page with a table and, in a section of its own, a prose notice.
TABLE_AND_NOTICE = """# Model deprecations

## Scheduled

| Model | Deprecation date | Shutdown date | Recommended replacement |
|---|---|---|---|
| `acme-llama-3.1-8b` | 2026-08-01 | 2026-11-14 | `acme-llama-4-scout` |

## 2026-09-03: acme-qwen-32b

`acme-qwen-32b` will be shut down on October 15, 2026. Migrate to `acme-qwen-3.5-35b`.
"""

# SYNTHETIC: dated notices only, in the words vendors use (MiMo-style release notes).
NOTICES_LIKE = """# Updates

## 2026-06-01

- `acme-v2-flash` will be deprecated on June 30, 2026.
- `acme-v2-pro` will be retired on July 31, 2026; use `acme-v2.5-pro` instead.
- We announced the deprecation of `acme-v1`.
- `acme-v1-mini` has been removed.

## 2026-05-10

- Launched `acme-v2.5-pro`, our most capable model.
"""

# SYNTHETIC: a short table with "Deprecated" / "Removed" columns (Tinker-style).
SHORT_TABLE = """## Model deprecations

| Model | Deprecated | Removed | Migrate to |
|---|---|---|---|
| acme/base-8b | 2026-07-01 | 2026-10-01 | acme/base-9b |
| acme/base-70b | 2026-07-01 | Not before 2027-01-15 | acme/base-72b |
"""


def rows(text: str):
    records = parsers.parse(text.encode())
    return {(r.model, r.deprecated, r.shutdown, r.tentative, r.replacements) for r in records}


def test_a_retirement_schedule_with_versions_lifecycle_and_lower_bounds():
    assert rows(FOUNDRY_LIKE) == {
        ("acme-4o (2024-05-13)", date(2027, 3, 31), date(2027, 9, 30), True, ("acme-5",)),
        ("acme-4o-mini (2024-07-18)", date(2026, 10, 1), date(2026, 12, 1), False,
         ("acme-4.1-mini",)),
        ("acme-35-turbo (0613)", None, date(2025, 2, 13), False, ("acme-4o-mini",)),
    }


def test_dated_sections_with_shutdown_tables():
    records = parsers.parse(SECTIONS_LIKE.encode())
    assert {(r.model, r.shutdown, r.replacements) for r in records} == {
        ("acme-8b-instant", date(2026, 8, 16), ("acme/oss-20b",)),
        ("acme-70b-versatile", date(2026, 8, 16), ("acme/oss-120b",)),
        ("acme/maverick-17b-128e", date(2026, 3, 9), ("acme/oss-120b",)),
    }
    # the heading's date is the shutdown here ("August 16, 2026: ..."), not an announcement
    assert {(r.announced, r.deprecated) for r in records} == {(None, None)}


def test_a_table_and_a_notice_in_a_section_of_its_own():
    assert rows(TABLE_AND_NOTICE) == {
        ("acme-llama-3.1-8b", date(2026, 8, 1), date(2026, 11, 14), False,
         ("acme-llama-4-scout",)),
        ("acme-qwen-32b", None, date(2026, 10, 15), False, ("acme-qwen-3.5-35b",)),
    }


def test_notices_in_prose_keep_the_vendors_words_and_only_dates_the_text_gives():
    records = {r.model: r for r in parsers.parse(NOTICES_LIKE.encode())}
    assert set(records) == {"acme-v2-flash", "acme-v2-pro", "acme-v1", "acme-v1-mini"}
    # "will be deprecated on DATE": a deprecation date, not a shutdown
    assert (records["acme-v2-flash"].deprecated, records["acme-v2-flash"].shutdown) == (
        date(2026, 6, 30), None)
    assert (records["acme-v2-pro"].shutdown, records["acme-v2-pro"].replacements) == (
        date(2026, 7, 31), ("acme-v2.5-pro",))
    # "we announced the deprecation of X": deprecated as of the entry, no shutdown
    assert (records["acme-v1"].deprecated, records["acme-v1"].shutdown) == (
        date(2026, 6, 1), None)
    # "has been removed", no date: no shutdown date (it waits for review)
    assert (records["acme-v1-mini"].shutdown, records["acme-v1-mini"].announced) == (
        None, date(2026, 6, 1))


# SYNTHETIC: a dated list of retiring models, then a list of the models to move to.
RETIRING_THEN_ALTERNATIVES = """## 2027-02-01: Embed v2

Effective April 4th, 2027, the following models will be retired:

- `acme-embed-2`
- `acme-embed-2-light`

We encourage you to migrate to our latest models, which are faster:

- `acme-embed-3`
- `acme-embed-4`
"""


def test_the_models_to_move_to_are_not_retired():
    assert {(r.model, r.shutdown) for r in parsers.parse(RETIRING_THEN_ALTERNATIVES.encode())} \
        == {("acme-embed-2", date(2027, 4, 4)), ("acme-embed-2-light", date(2027, 4, 4))}


def test_a_short_table_with_deprecated_and_removed_columns():
    assert rows(SHORT_TABLE) == {
        ("acme/base-8b", date(2026, 7, 1), date(2026, 10, 1), False, ("acme/base-9b",)),
        ("acme/base-70b", date(2026, 7, 1), date(2027, 1, 15), True, ("acme/base-72b",)),
    }



# SYNTHETIC: the dates in a list, what to move to in an undated table further down.
DATES_IN_A_LIST_REPLACEMENTS_IN_A_TABLE = """# Acme model retirement on June 1, 2027

**Effective June 1, 2027**, the following models will be retired from the Acme API:

* `acme-fast-2`
* `acme-code-1`
* `acme-draw-1`

## Recommended replacements

| Model being retired | Redirect target after June 1 |
|---|---|
| `acme-fast-2` | `acme-4.1` with `low` reasoning effort |
| `acme-code-1` | `acme-build-0.2` |
| `acme-chat-9` | `acme-4.1` |
"""


def test_an_undated_table_of_replacements_names_what_to_move_to():
    text = DATES_IN_A_LIST_REPLACEMENTS_IN_A_TABLE
    assert parsers.detect(text.encode()).name == "changelog"
    # the identifiers of a cell, not the settings beside them ("with `low` reasoning effort")
    assert table_columns.replacement_tables(text) == {"acme-fast-2": ["acme-4.1"],
                                               "acme-code-1": ["acme-build-0.2"],
                                               "acme-chat-9": ["acme-4.1"]}
    found = {(r.model, r.shutdown, r.replacements) for r in parsers.parse(
        text.encode(), vendor="Acme")}
    assert found == {("acme-fast-2", date(2027, 6, 1), ("acme-4.1",)),
                     ("acme-code-1", date(2027, 6, 1), ("acme-build-0.2",)),
                     ("acme-draw-1", date(2027, 6, 1), ())}  # nothing made of the table alone



# SYNTHETIC release notes: the retirement in one sentence, what to move to in a list below.
RETIRED_THEN_PAIRED = """# Changelog

## 2026-06-26

**Acme Fast 2** and **Acme Draw 1** will be removed from serverless on July 30, 2026.

### Recommended migrations

* **Acme Fast 2** — migrate to **Acme Fast 3**
* **Acme Draw 1** — migrate to **Acme Draw 2**
* **Acme Chat 9** — migrate to **Acme Chat 10**
"""


def test_a_sentence_pairing_a_retired_model_with_its_replacement_names_it():
    found = {(r.model, r.shutdown, r.replacements) for r in parsers.parse(
        RETIRED_THEN_PAIRED.encode(), parser="changelog", vendor="Acme")}
    assert found == {("Acme Fast 2", date(2026, 7, 30), ("Acme Fast 3",)),
                     ("Acme Draw 1", date(2026, 7, 30), ("Acme Draw 2",))}


# ------------------------------------------------------- an entry's date is not a shutdown

# SYNTHETIC release notes: every retirement below is stated without a date of its own.
UNDATED_RETIREMENTS = """# Release notes

## March 5, 2026

- We are deprecating `acme-chat-1`; it will be shut down soon.
- `acme-chat-2` has been retired.
- `acme-embed-1` is no longer available.
- Support for `acme-vision-1` has been discontinued. Use `acme-vision-2` instead.
- The Acme Coder 2 model was shut down.

## February 2, 2026

- `acme-tts-1` is deprecated and has been removed from the API.
"""
ENTRY_DATES = {date(2026, 3, 5), date(2026, 2, 2)}


def test_no_entry_date_becomes_a_shutdown_date():
    records = parsers.parse(UNDATED_RETIREMENTS.encode())
    assert {r.model for r in records} == {"acme-chat-1", "acme-chat-2", "acme-embed-1",
                                          "acme-vision-1", "Acme Coder 2", "acme-tts-1"}
    assert [r.model for r in records if r.shutdown] == []
    # a deprecation said to be now is dated by its entry: that is when it was announced
    assert {r.model: r.deprecated for r in records if r.deprecated} == {
        "acme-chat-1": date(2026, 3, 5), "acme-tts-1": date(2026, 2, 2)}
    assert {r.announced for r in records} == ENTRY_DATES


def test_no_entry_date_becomes_a_shutdown_date_in_a_feed_either():
    atom = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Acme changelog</title><id>urn:acme</id>
<updated>2026-03-05T10:00:00Z</updated>
<entry><title>Retirements</title><id>urn:acme:1</id><updated>2026-03-05T09:00:00Z</updated>
<content type="html">&lt;p&gt;&lt;code&gt;acme-chat-2&lt;/code&gt; has been retired.
&lt;code&gt;acme-embed-1&lt;/code&gt; is no longer available.&lt;/p&gt;</content></entry>
</feed>"""
    records = feed.parse(atom.encode(), vendor="Acme")
    assert {r.model for r in records} == {"acme-chat-2", "acme-embed-1"}
    assert {r.shutdown for r in records} == {None}


@pytest.mark.parametrize("document", [UNDATED_RETIREMENTS, NOTICES_LIKE])
def test_release_notes_mentioning_the_gemini_api_are_not_read_as_gemini_s(document):
    page = f"<html><head><title>Release notes | Acme</title></head><body><main>" \
           f"<p>Now with Gemini API support.</p></main></body></html>\n{document}"
    assert gemini.sniff(page.encode(), "https://acme.example/changelog") == 0.0
    assert gemini.sniff(document.encode(), "") == 0.0
    assert parsers.detect(document.encode()).name == "changelog"


def test_the_gemini_parser_keeps_its_own_convention_only_when_asked():
    sections = section_reader.sections_from(UNDATED_RETIREMENTS)
    generic = changelog.extract(sections, vendor="Acme")
    own = changelog.extract(sections, vendor="Acme", entry_date_ends=True)
    assert [r for r in generic if r.shutdown] == []
    assert {r.model for r in own if r.shutdown in ENTRY_DATES} >= {"acme-chat-2", "acme-tts-1"}
