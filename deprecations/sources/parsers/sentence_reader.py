"""What one sentence of prose says: the second stage of the prose parsers.

``section_reader`` gives blocks whose identifiers are placeholders; here a sentence of a block
gives its retirement words (``retirement_words``: ``EVENT_WORDS`` less the negated ones), each
date tied to the nearest retirement word before it (``sentence_events``), the models it names
by identifier or display name (``sentence_models``), and what replaces them
(``replacement_spans``). ``changelog`` turns that into records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from deprecations.sources.parsers.dates import find_dates
from deprecations.sources.parsers.section_reader import (
    PUA_RE,
    PUA_SIZE,
    PUA_START,
    Node,
    Section,
)
from deprecations.sources.parsers.text import (
    EVENT_WORDS,
)
from deprecations.sources.records import DAY

# What a retirement word dates: the names of ``EVENT_WORDS``' groups.
DEPRECATE, SHUTDOWN, ANNOUNCE = "deprecated", "shutdown", "announced"
RETIRED = "retired"  # said to have stopped, on no date the text gives
# Forms that say it has happened ("is deprecated", "has been shutdown", "removed from"),
# which take the heading's date when no date is written; nouns ("deprecation") do not.
_DONE_FORM = re.compile(
    r"deprecated|deprecating|removed|retired|discontinued|sunsetted|sunset|decommissioned"
    r"|turned off|taken offline|shut ?down|shut off|no longer .*|(?:stopped|ceased) .*",
    re.IGNORECASE)
# "We've announced the deprecation of X": the noun, announced, is a deprecation as of now.
_ANNOUNCED_NOUN = re.compile(r"\bannounc\w*\s+(?:the\s+)?$", re.IGNORECASE)
_DONE_NOUN_OK = re.compile(r"\b(?:been|is|are|was|were|now|got)\s+$", re.IGNORECASE)
_ADJECTIVE_OF = re.compile(r"\s+(?:models?|versions?|snapshots?|endpoints?|ones|features?)\b",
                           re.IGNORECASE)
# "Same pricing as V3.2": a name something is compared with is not what the sentence is about.
_COMPARED = re.compile(r"\b(?:as|than|like|vs\.?|versus)\s+(?:the\s+)?$", re.IGNORECASE)
_FUTURE = re.compile(r"\b(?:will|shall|going to|coming|upcoming|scheduled|planned|plans? to"
                     r"|intends? to|soon)\b", re.IGNORECASE)
_NEGATED = re.compile(r"\b(?:not|never|no plans to|n't)\b(?:\s+\w+){0,2}\s*$", re.IGNORECASE)
# Retirement words joined into one predicate: "has been deprecated and removed".
_JOINED = re.compile(r"\W*(?:and|or|&|,)\W*(?:(?:has|have|been|be|is|are|was|were|then|also"
                     r"|fully)\W+){0,3}", re.IGNORECASE)
# "Support for using URL context with the X model ... discontinued": a feature of X ends.
_FEATURE_OF = re.compile(r"\bsupport\s+for\s+\S.*\b(?:with|on|in|using|via|through)\s+(?:the\s+)?$",
                         re.IGNORECASE)
_CONTEXT_PREP = re.compile(r"\b(?:for|with|on|in|using|via|of|by)\s+(?:the\s+)?$",
                           re.IGNORECASE)
_NOT_MODEL_NEXT = re.compile(
    r"\s*(?:parameters?|fields?|arguments?|endpoints?|headers?|flags?|methods?|options?"
    r"|settings?|propert(?:y|ies)|values?|attributes?|keys?|params?|requirements?)\b",
    re.IGNORECASE)
# What a replacement phrase names, up to the end of the sentence ("Kimi K2.6" keeps its dot).
_NAMED = r"(?P<x>(?:[^.;!?]|\.(?=\w)){1,100})"
REPLACEMENT_PHRASES = [re.compile(p, re.IGNORECASE) for p in (
    r"\b(?:use|using|try)\s+(?P<x>[^.;:!?]{1,100}?)\s+instead\b",
    r"\binstead,?\s+(?:please\s+)?(?:use|try)\s+" + _NAMED,
    r"\bin favou?r of\s+" + _NAMED,
    r"\breplace(?:d|ment)?\s+(?:by|with|is|model(?:\s+is)?:?)\s+" + _NAMED,
    r"\b(?:migrate|migrating|switch|switching|upgrade|upgrading|move|moving|transition"
    r"|transitioning)\s+(?:\w+\s+){0,2}?to\s+" + _NAMED,
    r"\brecommend(?:ed|s)?\s+(?:that\s+)?(?:you\s+|customers\s+|users\s+)?(?:to\s+)?"
    r"(?:use|using|switch(?:ing)? to|migrat(?:e|ing) to|upgrad(?:e|ing) to)\s+" + _NAMED,
    r"\b(?:recommended\s+)?(?:replacement|successor|alternative)s?(?:\s+model)?(?:\s+is|:)\s*"
    + _NAMED,
    r"\bredirect(?:ed|ing|s)?\s+to\s+" + _NAMED,
    r"\bplease\s+(?:use|switch\s+to|migrate\s+to|upgrade\s+to)\s+" + _NAMED,
    r"\bpoints?\s+to\s+" + _NAMED,
)]
# Display names: a capitalised word followed by words and version numbers (Gemini 1.0 Pro
# Vision, Claude 3 Opus, GPT-4, Imagen 4). Used only when a sentence names no identifier.
_WORD = r"[A-Z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*"
_NUM = r"(?:\d+(?:\.\d+)*[A-Za-z]?|v\d+(?:\.\d+)*)"
_DISPLAY = re.compile(rf"(?<![\w.-]){_WORD}(?:[ \u00a0](?:{_WORD}|{_NUM}))*(?![\w-])")
_DISPLAY_STOP = {
    "the", "a", "an", "support", "use", "deprecation", "deprecated", "released", "launched",
    "our", "new", "on", "in", "for", "all", "both", "see", "starting", "effective", "as", "we",
    "this", "these", "that", "model", "models", "and", "or", "with", "from", "to", "by", "of",
    "you", "if", "after", "before", "until", "since", "note", "update", "updates", "api", "then",
    "please", "access", "beginning", "following", "legacy", "version", "versions", "retired",
    "retiring", "removed", "removal", "shutdown", "migrate", "instead", "when", "at",
    "today", "now", "important", "reminder", "notice", "upcoming",
}
# a leading "Deprecating", "Retired", "Announced" is the verb, not part of the name
_VERB_TOKEN = re.compile(r"[A-Z][a-z]+(?:ing|ed)")
_MONTH_WORDS = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec", "q1", "q2", "q3", "q4",
}
_SNAPSHOT_SUFFIX = re.compile(r"\s\d{3}$")
_API_VERSION = re.compile(r"v\d+(?:alpha|beta)?\d*", re.IGNORECASE)
_SENTENCE_END = re.compile(r"\n+|(?<=[.!?])[\"')\]]*\s+(?=[A-Z0-9\"'`(\[" +
                           f"{chr(PUA_START)}-{chr(PUA_START + PUA_SIZE - 1)}])")
_YEAR_ROLL = timedelta(days=60)
_WINDOW = 300  # how far back a phrase ("support for ... with the") may reach, in characters


# ----------------------------------------------------------------------- one sentence at a time


@dataclass(frozen=True)
class Reading:
    """How one document is read."""

    vendor: str
    url: str = ""
    # The entry's own date is the day what it says "is now deprecated/shut down" stopped
    # working. True only for a vendor whose notes are written that way (see ``gemini.py``):
    # elsewhere the entry's date is the day the vendor wrote about it, not a shutdown date.
    entry_date_ends: bool = False


def sentences(text: str) -> list[str]:
    """Lines, then sentences; a period inside ``gemini-2.5`` never ends one (placeholders)."""
    out, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if text[start:match.start()].strip():
            out.append(text[start:match.start()].strip())
        start = match.end()
    if text[start:].strip():
        out.append(text[start:].strip())
    return out


def retirement_words(sentence: str) -> list[tuple[int, int, str]]:
    found = []
    for match in EVENT_WORDS.finditer(sentence):
        if _NEGATED.search(sentence[max(0, match.start() - 30):match.start()]):
            continue
        found.append((match.start(), match.end(), match.lastgroup))
    return found


def primary_event(keywords: list[tuple[int, int, str]]) -> str:
    classes = [cls for _, _, cls in keywords]
    return SHUTDOWN if SHUTDOWN in classes else DEPRECATE


def sentence_events(sentence: str, keywords: list[tuple[int, int, str]],
                     section: Section, reading: Reading) -> dict:
    """Each date to the nearest retirement word before it (else after it).

    A retirement said to have happened with no date of its own ("X has been retired") is
    marked ``RETIRED``: the entry's date is the day the vendor wrote about it, not a shutdown
    date (except for ``reading.entry_date_ends``); a deprecation without a date takes the
    entry's date, which is when it was announced.
    """
    events: dict = {}
    owned: set[int] = set()
    leading = []
    for when, precision, start, _ in sentence_dates(sentence, section):
        before = [k for k in keywords if k[1] <= start]
        if before:
            owned.add(before[-1][0])
            events.setdefault(before[-1][2], (when, precision))
        else:
            leading.append((when, precision, start))
    for when, precision, start in leading:
        # "Starting June 24, 2025, X is deprecated": the next word that has no date of its
        # own, and the words joined to it ("has been deprecated and removed")
        after = [k for k in keywords if k[0] >= start and k[0] not in owned]
        for i, keyword in enumerate(after):
            if i and not _JOINED.fullmatch(sentence[after[i - 1][1]:keyword[0]]):
                break
            owned.add(keyword[0])
            events.setdefault(keyword[2], (when, precision))
    for start, end, cls in keywords:
        if cls in events or cls == ANNOUNCE or not _is_done(sentence, start, end):
            continue
        if cls == SHUTDOWN and not reading.entry_date_ends:
            events[RETIRED] = (None, DAY)
        else:
            events[cls] = (section.when, section.precision)
    if RETIRED in events and SHUTDOWN in events:
        del events[RETIRED]
    return {cls: when for cls, when in events.items() if when[0] is not None or cls == RETIRED}


def _is_done(sentence: str, start: int, end: int) -> bool:
    """A participle or "is/has been X" that is not in a future clause."""
    word = sentence[start:end]
    before = sentence[max(0, start - _WINDOW):start]
    if not _DONE_FORM.fullmatch(word) and not _ANNOUNCED_NOUN.search(before):
        return False
    clause = re.split(r"[,;:]\s|\band\b|\bbut\b", before)[-1]
    if _FUTURE.search(clause):
        return False
    if word.lower().replace(" ", "") in ("shutdown", "sunset") and not _DONE_NOUN_OK.search(
            before):
        return False  # a noun ("the shutdown of X", "full sunset on August 31") says nothing
    return not _ADJECTIVE_OF.match(sentence, end)  # "migration guidance for discontinued models"


def heading_applies(sentence: str, keywords: list[tuple[int, int, str]], cls: str,
                     reading: Reading) -> bool:
    if cls == SHUTDOWN and not reading.entry_date_ends:
        return False  # the entry's date is not a shutdown date
    return any(c == cls and _is_done(sentence, s, e) for s, e, c in keywords)


def sentence_dates(sentence: str, section: Section) -> list[tuple[date, str, int, int]]:
    """Dates in a sentence; a year-less one takes the section's year, rolled past New Year.

    In an undated section, a year-less date takes the year of ``section.written_after`` only
    when that puts it on or after that day: "sunset on August 31" on a page that says
    something was discontinued on May 25, 2026 is 2026-08-31; "January 15" on it could be
    either year and is not read.
    """
    if section.when is None:
        return _undated_section_dates(sentence, section.written_after)
    with_year = {(s, e) for _, _, s, e in find_dates(sentence)}
    out = []
    for when, precision, start, end in find_dates(sentence, default_year=section.when.year):
        if (start, end) not in with_year and when < section.when - _YEAR_ROLL:
            try:
                when = when.replace(year=when.year + 1)
            except ValueError:
                continue
        out.append((when, precision, start, end))
    return out


def _undated_section_dates(sentence: str, after: date | None
                           ) -> list[tuple[date, str, int, int]]:
    with_year = find_dates(sentence)
    if after is None:
        return with_year
    spans = {(s, e) for _, _, s, e in with_year}
    return [(when, precision, start, end)
            for when, precision, start, end in find_dates(sentence, default_year=after.year)
            if (start, end) in spans or when >= after]


# "The kimi-k2 series models were officially discontinued on": a retirement told as past.
_PAST_AUX = re.compile(r"\b(?:was|were|has been|have been|had been)\s+(?:\w+\s+){0,2}$",
                       re.IGNORECASE)


def written_after(texts: list[str]) -> date | None:
    """The latest date, written with its year, that a sentence of ``texts`` says a model
    already stopped on ("X was discontinued on May 25, 2026"): the page is newer than it."""
    latest = None
    for text in texts:
        for sentence in sentences(text):
            keywords = [k for k in retirement_words(sentence) if k[2] == SHUTDOWN]
            for when, _, start, _ in find_dates(sentence):
                before = [k for k in keywords if k[1] <= start]
                if before and _past_retirement(sentence, *before[-1][:2]):
                    latest = max(latest or when, when)
    return latest


def _past_retirement(sentence: str, start: int, end: int) -> bool:
    between = sentence[max(0, start - _WINDOW):start]
    return bool(_PAST_AUX.search(between)) and _is_done(sentence, start, end)


def placeholders(text: str, node: Node) -> list[int]:
    return [i for i in (ord(c) - PUA_START for c in PUA_RE.findall(text)) if i < len(node.ids)]


def replacement_spans(sentence: str, node: Node) -> list[tuple[tuple[int, int], list[str]]]:
    spans = []
    for pattern in REPLACEMENT_PHRASES:
        for match in pattern.finditer(sentence):
            text = match.group("x")
            names = [node.ids[i] for i in placeholders(text, node) if is_model_id(node.ids[i])]
            if not names:
                names = [name for name, _ in display_names(text)]
            if names:
                spans.append((match.span("x"), names))
    return spans


def sentence_models(sentence: str, node: Node, spans, *, names: bool = True
                     ) -> list[tuple[str, str]]:
    """Retired models named in a sentence: identifiers, else (``names``) display names."""
    out: list[tuple[str, str]] = []
    feature_subject = False  # "The `temperature` parameter is deprecated for `model-x`"
    seen: set[str] = set()
    for match in PUA_RE.finditer(sentence):
        pos, index = match.start(), ord(match.group()) - PUA_START
        if index >= len(node.ids):
            continue
        ident = node.ids[index]
        if any(s <= pos < e for (s, e), _ in spans):
            continue
        if not is_model_id(ident) or _NOT_MODEL_NEXT.match(sentence, pos + 1):
            feature_subject = True
            continue
        before = sentence[max(0, pos - _WINDOW):pos]
        if _FEATURE_OF.search(before) or (feature_subject and _CONTEXT_PREP.search(before)):
            continue
        if _object_of_other_thing(sentence, pos):
            continue
        if ident not in seen:
            seen.add(ident)
            out.append((ident, ""))
    if out or placeholders(sentence, node) or not names:
        return out
    covered = [(s, e) for (s, e), _ in spans]
    for name, start in display_names(sentence):
        before = sentence[max(0, start - _WINDOW):start]
        if (any(s <= start < e for s, e in covered) or _FEATURE_OF.search(before)
                or _COMPARED.search(before)
                or _NOT_MODEL_NEXT.match(sentence, start + len(name))):
            continue
        out.append(display_model(name))
    return out


def _object_of_other_thing(sentence: str, pos: int) -> bool:
    """"We removed the beta header requirement for X": what ends is something else, named
    between the retirement word and the preposition; "Deprecation for X" is about X."""
    before = sentence[max(0, pos - _WINDOW):pos]
    prep = _CONTEXT_PREP.search(before)
    if not prep:
        return False
    words = None
    for match in EVENT_WORDS.finditer(before[:prep.start()]):
        words = before[match.end():prep.start()].split()
    return words is not None and len([w for w in words if w.lower() not in ("the", "a")]) >= 2


def display_names(text: str) -> list[tuple[str, int]]:
    dates = [(s, e) for _, _, s, e in find_dates(text, default_year=2000)]
    out = []
    for match in _DISPLAY.finditer(text):
        tokens = match.group().split()
        start = match.start()
        while tokens and (tokens[0].lower() in _DISPLAY_STOP or tokens[0].isdigit()
                          or _VERB_TOKEN.fullmatch(tokens[0])):
            start = text.index(tokens[0], start) + len(tokens[0])
            tokens.pop(0)
        while tokens and tokens[-1].lower() in _DISPLAY_STOP:
            tokens.pop()
        if not tokens or not any(ch.isdigit() for ch in " ".join(tokens)):
            continue
        if tokens[0].lower().rstrip(".") in _MONTH_WORDS or not tokens[0][0].isalpha():
            continue
        first = text.index(tokens[0], start)
        if any(s <= first < e for s, e in dates):
            continue
        out.append((" ".join(tokens).rstrip("."), first))
    return out


def display_model(name: str) -> tuple[str, str]:
    """``Gemini 1.5 Flash 001`` names one snapshot: its identifier is the slug; family names
    such as ``Gemini 1.0 Pro`` stay as written (which identifier they mean is not said)."""
    if _SNAPSHOT_SUFFIX.search(name):
        return re.sub(r"\s+", "-", name.lower()), name
    return name, ""


def is_model_id(text: str, *, loose: bool = False) -> bool:
    """Rules out endpoints, headers, parameters and API versions written as code."""
    if not 2 <= len(text) <= 100 or re.search(r"\s|=|://|^[/-]", text):
        return False
    if not re.search(r"[A-Za-z]", text) or _API_VERSION.fullmatch(text):
        return False
    if find_dates(text) and re.fullmatch(r"[\d\W]+", text):
        return False
    return bool(re.search(r"\d|-", text) or (loose and re.fullmatch(r"[A-Za-z][\w.]*", text)
                                              and "_" not in text))
