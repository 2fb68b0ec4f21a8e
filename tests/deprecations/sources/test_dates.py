"""Dates as vendors write them: every shape here was seen on a real vendor page."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deprecations.sources.parsers.dates import (
    DAY,
    MONTH,
    find_dates,
    infer_numeric_order,
    parse_date,
)


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-09-28", date(2026, 9, 28)),
    ("2026\u201103\u201126", date(2026, 3, 26)),  # U+2011 non-breaking hyphens (OpenAI)
    ("2026\u201302\u201327", date(2026, 2, 27)),  # en dashes
    ("at earliest 2024-06-13", date(2024, 6, 13)),
    ("July 15th, 2025 (all Regions)", date(2025, 7, 15)),
    ("Mar 1, 2026 (us-east-1, us-east-2, and us-west-2 Regions)", date(2026, 3, 1)),
    ("December 09, 2025", date(2025, 12, 9)),
    ("December 13 2023", date(2023, 12, 13)),
    ("Sept. 5, 2025", date(2025, 9, 5)),
    ("2024/11/30", date(2024, 11, 30)),
    ("7/31/2026", date(2026, 7, 31)),
    ("16 février 2026", date(2026, 2, 16)),
    ("1er mars 2026", date(2026, 3, 1)),
    ("le 16 févr. 2026", date(2026, 2, 16)),
    ("15th of July 2025", date(2025, 7, 15)),
    ("2025-01-31T00:00:00Z", date(2025, 1, 31)),
    ("Wed Nov 27 2024 00:00:00 GMT+0000", date(2024, 11, 27)),
])
def test_day_precision_shapes(text, expected):
    assert parse_date(text) == (expected, DAY)


@pytest.mark.parametrize(("text", "expected"), [
    ("in October, 2025", date(2025, 10, 1)),
    ("October 2025", date(2025, 10, 1)),
    ("When we released the Responses API in March 2025 , we announced", date(2025, 3, 1)),
    ("juin 2026", date(2026, 6, 1)),
])
def test_month_precision_is_first_of_month(text, expected):
    assert parse_date(text) == (expected, MONTH)


def test_year_from_context():
    assert parse_date("November 12:") is None  # no year: never guessed
    assert parse_date("November 12:", default_year=2025) == (date(2025, 11, 12), DAY)
    assert parse_date("December 2nd:", default_year=2025) == (date(2025, 12, 2), DAY)
    # a written year wins over the context
    assert parse_date("January 5, 2026", default_year=2025) == (date(2026, 1, 5), DAY)


@pytest.mark.parametrize("text", [
    "", "NA", "N/A", "n/a", "---", "—", "TBD", "None", "   ",
    "2026-02-31",  # impossible: never repaired into March 3rd
    "February 30, 2026", "13/13/2025", "2025-13-01",
    "gpt-4o-2024-08-06",  # a snapshot name, not a date
    "claude-3-5-sonnet-20240620",
    "you may 2x your throughput",  # "may" is not May
    "version 3.5.1 released",
])
def test_not_a_date(text):
    assert parse_date(text) is None


def test_numeric_order():
    assert parse_date("3/1/2024") == (date(2024, 3, 1), DAY)  # US order by default
    assert parse_date("3/1/2024", numeric_order="dmy") == (date(2024, 1, 3), DAY)
    assert parse_date("31/1/2024") == (date(2024, 1, 31), DAY)  # unambiguous either way
    assert infer_numeric_order(["1/23/2025", "3/1/2024"]) == "mdy"
    assert infer_numeric_order(["23/1/2025", "3/1/2024"]) == "dmy"
    assert infer_numeric_order(["3/1/2024"], default="dmy") == "dmy"


def test_find_dates_in_prose_with_offsets():
    text = ("On June 6th, 2024, we notified developers; shutdown 2024\u201106\u201113, and in "
            "March 2025 we announced gpt-4o-2024-08-06.")
    found = find_dates(text)
    assert [(d, p) for d, p, _, _ in found] == [
        (date(2024, 6, 6), DAY), (date(2024, 6, 13), DAY), (date(2025, 3, 1), MONTH)]
    assert [text[s:e] for _, _, s, e in found] == [
        "June 6th, 2024", "2024\u201106\u201113", "March 2025"]


def test_find_dates_prefers_the_longest_reading():
    found = find_dates("Effective April 4th, 2026, the following")
    assert [(d, p) for d, p, _, _ in found] == [(date(2026, 4, 4), DAY)]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_raises_and_offsets_are_real(text):
    for when, precision, start, end in find_dates(text, default_year=2025):
        assert precision in (DAY, MONTH)
        assert 0 <= start < end <= len(text)
        assert isinstance(when, date)
    parse_date(text)
