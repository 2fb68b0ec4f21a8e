"""Generic changelog parser: model retirements announced in prose under dated headings.

Release notes and changelogs (HTML, Markdown or plain text) are mostly about launches; here and
there a bullet says "The following models will be deprecated: November 12: ...", "X will be
shut down on DATE", "X is no longer supported", "use Y instead". ``section_reader`` turns the
document into dated sections of blocks; this module reads their sentences and turns the
retirements into ``Record``s:

* identifiers come from ``<code>``/backticks, or from model-like tokens (``gpt-4o-mini``), or,
  when a sentence names no identifier, from display names with a version (``Gemini 1.0 Pro``);
* each date in a retirement sentence belongs to the nearest retirement word before it
  (``deprecated on A and removed on B``); a present or past "is deprecated" takes the heading's
  date as its deprecation date;
* a shutdown date is only ever a date the text ties to the shutdown: "X has been retired" under
  a dated heading gives a record with no shutdown date (it waits for review), never the entry's
  own date, which is the day the vendor wrote about it;
* "Several models will be decommissioned on DATE" followed by a list of models gives each of
  them that date; "the X series was discontinued on DATE" gives it to every ``X-...``
  identifier the page lists;
* replacements only from explicit phrases (``use Y instead``, ``in favour of Y``, ``migrate
  to Y``) in the same sentence or block, or from a stable release of the same family announced
  in the same block ("Released X, the stable version ...").

Words are kept as the vendor wrote them: "deprecated" fills ``deprecated``, "shut down" /
"retired" / "removed" fill ``shutdown``; a vendor that says "deprecated" for the end of service
maps that in its own thin parser (see ``gemini.py``). Pages with no retirements give nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from deprecations.sources.parsers.dates import find_dates
from deprecations.sources.parsers.registry import register
from deprecations.sources.parsers.section_reader import (
    PUA_RE,
    PUA_SIZE,
    PUA_START,
    SOURCE_TEXT,
    Node,
    Section,
    sections_from,
)
from deprecations.sources.parsers.text import (
    EVENT_WORDS,
    check_text,
    decode,
    guess_vendor,
    kind_of,
)
from deprecations.sources.records import DAY, Record

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
_LEAD = re.compile(r"\bfollowing\b|:\s*$", re.IGNORECASE)
# Retirement words joined into one predicate: "has been deprecated and removed".
_JOINED = re.compile(r"\W*(?:and|or|&|,)\W*(?:(?:has|have|been|be|is|are|was|were|then|also"
                     r"|fully)\W+){0,3}", re.IGNORECASE)
_MODELS_WORD = re.compile(r"\bmodels?\b", re.IGNORECASE)
_PRONOUN = re.compile(r"^\W*(?:it|they|these|this|those|both|the (?:model|models|snapshots?)"
                      r"|all of them|each)\b", re.IGNORECASE)
_TUNING = re.compile(r"\b(?:fine[\s-]?)?tun(?:ing|ed)\b", re.IGNORECASE)
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
_REPLACEMENT = [re.compile(p, re.IGNORECASE) for p in (
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
_STABLE_RELEASE = re.compile(r"\b(?:released|launched|introduc\w+|now available)\b.*"
                             r"\b(?:stable|generally available|GA)\b", re.IGNORECASE)

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


# --------------------------------------------------------------------------- document model


@dataclass(frozen=True)
class _Reading:
    """How one document is read."""

    vendor: str
    url: str = ""
    # The entry's own date is the day what it says "is now deprecated/shut down" stopped
    # working. True only for a vendor whose notes are written that way (see ``gemini.py``):
    # elsewhere the entry's date is the day the vendor wrote about it, not a shutdown date.
    entry_date_ends: bool = False


def extract(sections: list[Section], *, vendor: str, url: str = "",
            entry_date_ends: bool = False) -> list[Record]:
    """Retirement records from dated sections, in document order, merged per model."""
    reading = _Reading(vendor, url, entry_date_ends)
    records: list[Record] = []
    for section in sections:
        found: list[Record] = []
        for block in section.blocks:
            found.extend(_block_records(block, section, reading))
        found.extend(_group_records(section, reading))
        records.extend(_paired_replacements(found, section))
    records = _named_by_links(records, sections[0].links if sections else {})
    records = _series_members(records, _listed_ids(sections))
    return merge_deprecation_then_removal(_dedupe(records))


def extract_records(data: bytes | str, *, vendor: str = "", url: str = "",
                    when: date | None = None, precision: str = DAY,
                    anchor: str = "") -> list[Record]:
    """``sections_from`` then ``extract``: the one call other parsers use."""
    return extract(sections_from(data, when=when, precision=precision, anchor=anchor),
                   vendor=vendor, url=url)


def sniff(data: bytes, url: str = "") -> float:
    """Low scores, below a recognised deprecation table (0.2): prose with retirement words
    under dated headings 0.15, retirement words and dates anywhere 0.1; nothing for feeds."""
    head = decode(data[:300000])
    if re.search(r"<(?:rss|feed|rdf:RDF)\b", head[:3000]):
        return 0.0
    words = EVENT_WORDS.search(head)
    dates = re.search(r"\b(?:19|20)\d\d\b", head)
    if not (words and dates):
        return 0.02 if dates else 0.0
    dated_heading = re.search(
        r"(?:<h[1-6][^>]*>|^#{1,6}[ \t])[^<\n]{0,40}\b(?:19|20)\d\d\b", head, re.MULTILINE)
    return 0.15 if dated_heading else 0.1


@register("changelog", sniff=sniff, generic=True)
def parse(data: bytes, *, url: str = "", vendor: str | None = None) -> list[Record]:
    """Generic changelog / release notes: retirements in prose under dated headings."""
    text = decode(data)
    check_text(text)
    from deprecations.sources.parsers import tables  # it reads prose through this module

    records = extract_records(text, vendor=vendor or guess_vendor(text, url), url=url)
    return tables.with_replacements(records, text)


# ---------------------------------------------------------------- HTML to sections and blocks


@dataclass
class _Notice:
    """What one block says about one model, gathered before it becomes a Record."""

    model: str
    name: str = ""
    kind: str = "model"
    events: dict = field(default_factory=dict)  # class -> (date, precision)
    replacements: tuple[str, ...] = ()
    text: str = ""


def _sentences(text: str) -> list[str]:
    """Lines, then sentences; a period inside ``gemini-2.5`` never ends one (placeholders)."""
    out, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if text[start:match.start()].strip():
            out.append(text[start:match.start()].strip())
        start = match.end()
    if text[start:].strip():
        out.append(text[start:].strip())
    return out


def _block_records(block: Node, section: Section, reading: _Reading) -> list[Record]:
    if block.table_row:
        return []
    notices: dict[str, _Notice] = {}
    context = _BlockContext.of(block)
    _node_notices(block, section, notices, None, reading)
    records = []
    for notice in notices.values():
        record = _record(notice, section, context, reading)
        if record:
            records.append(record)
    return records


@dataclass
class _BlockContext:
    """Replacements and stable releases stated anywhere in a top-level block."""

    replacements: tuple[str, ...] = ()
    stable: tuple[str, ...] = ()

    @classmethod
    def of(cls, block: Node) -> _BlockContext:
        replacements: list[str] = []
        stable: list[str] = []
        for sentence in _sentences(block.text):
            for _, names in _replacement_spans(sentence, block):
                replacements.extend(n for n in names if n not in replacements)
            if _STABLE_RELEASE.search(sentence) and not EVENT_WORDS.search(sentence):
                stable.extend(block.ids[i] for i in _placeholders(sentence, block))
        return cls(tuple(replacements), tuple(stable))


def _node_notices(node: Node, section: Section, notices: dict[str, _Notice],
                  inherited: tuple | None, reading: _Reading) -> None:
    consumed = False
    last_models: list[str] = []
    last_events: dict = {}
    for sentence in _sentences(node.text):
        keywords = _keywords(sentence)
        if not any(cls in (SHUTDOWN, DEPRECATE) for _, _, cls in keywords):
            followed = _followed(sentence, section, last_events)
            if followed:  # "`b` followed on April 1": what happened to `a`, on that date
                for model, name in _sentence_models(sentence, node, []):
                    _add(notices, model, name, followed, (), node.restore(sentence), False)
            elif not keywords:  # a sentence about something else names the block's subject
                last_models = _subject_models(sentence, node) or last_models
            continue
        events = last_events = _sentence_events(sentence, keywords, section, reading)
        quoted = node.restore(sentence)
        tuning = bool(_TUNING.search(sentence))
        spans = _replacement_spans(sentence, node)
        own_replacements = tuple(n for _, names in spans for n in names)
        is_lead = bool(node.children and _LEAD.search(sentence))
        models = _sentence_models(sentence, node, spans, names=not is_lead)
        if not models and is_lead:
            consumed = True
            primary = _primary(keywords)
            loose = bool(_MODELS_WORD.search(sentence))
            for model, name, when, path in _listed_models(node.children, section, inherited,
                                                          loose=loose):
                ev = dict(events)
                if when:
                    ev[primary] = when
                elif primary not in ev and _heading_applies(sentence, keywords, primary,
                                                            reading):
                    ev[primary] = (section.when, section.precision)
                _add(notices, model, name, ev, own_replacements, f"{quoted} {path}", tuning)
            continue
        if not models and (_PRONOUN.search(sentence) or _elliptic(sentence, events)):
            models = [(m, notices[m].name if m in notices else "") for m in last_models]
        for model, name in models:
            _add(notices, model, name, events, own_replacements, quoted, tuning)
        if models:
            last_models = [_qualified(m, tuning) for m, _ in models]
    if not consumed:
        for child in node.children:
            _node_notices(child, section, notices, inherited, reading)


def _subject_models(sentence: str, node: Node) -> list[str]:
    """The one model a sentence starts with ("X is served via a temporary endpoint"): a later
    sentence of the block with no subject of its own is about it."""
    models = _sentence_models(sentence, node, [])
    if len(models) != 1:
        return []
    model, name = models[0]
    return [model] if node.restore(sentence).lstrip(" *_").startswith(name or model) else []


_FOLLOWED = re.compile(r"\bfollow(?:ed|s)\b(?:\s+suit)?(?:\s+on)?\s*$", re.IGNORECASE)


def _followed(sentence: str, section: Section, last_events: dict) -> dict:
    """"`google/gemini-2.5-pro` followed on April 1": the dated events of the sentence before
    (deprecated and removed), on this sentence's date."""
    dates = _dates(sentence, section)
    if not dates or not last_events or not _FOLLOWED.search(sentence[:dates[0][2]]):
        return {}
    return {cls: dates[0][:2] for cls in last_events if cls in (SHUTDOWN, DEPRECATE)}


def _elliptic(sentence: str, events: dict) -> bool:
    """"Same pricing, no tool calls, available until Dec 15th, 2025": a dated shutdown with
    no subject, and not about models in general."""
    return SHUTDOWN in events and not _MODELS_WORD.search(sentence)


def _add(notices: dict[str, _Notice], model: str, name: str, events: dict,
         replacements: tuple[str, ...], text: str, tuning: bool) -> None:
    key = _qualified(model, tuning)
    notice = notices.get(key)
    if notice is None:
        kind = "feature" if key != model else kind_of(model)
        notice = notices[key] = _Notice(key, name=name, kind=kind, text=text)
    for cls, when in events.items():
        notice.events.setdefault(cls, when)
    if replacements and not notice.replacements:
        notice.replacements = tuple(r for r in replacements if r != model)


def _qualified(model: str, tuning: bool) -> str:
    # "The last available tuning model, X, has been shut down": tuning on X ends, not X.
    return f"{model} (tuning)" if tuning and "(" not in model else model


def _keywords(sentence: str) -> list[tuple[int, int, str]]:
    found = []
    for match in EVENT_WORDS.finditer(sentence):
        if _NEGATED.search(sentence[max(0, match.start() - 30):match.start()]):
            continue
        found.append((match.start(), match.end(), match.lastgroup))
    return found


def _primary(keywords: list[tuple[int, int, str]]) -> str:
    classes = [cls for _, _, cls in keywords]
    return SHUTDOWN if SHUTDOWN in classes else DEPRECATE


def _sentence_events(sentence: str, keywords: list[tuple[int, int, str]],
                     section: Section, reading: _Reading) -> dict:
    """Each date to the nearest retirement word before it (else after it).

    A retirement said to have happened with no date of its own ("X has been retired") is
    marked ``RETIRED``: the entry's date is the day the vendor wrote about it, not a shutdown
    date (except for ``reading.entry_date_ends``); a deprecation without a date takes the
    entry's date, which is when it was announced.
    """
    events: dict = {}
    owned: set[int] = set()
    leading = []
    for when, precision, start, _ in _dates(sentence, section):
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


def _heading_applies(sentence: str, keywords: list[tuple[int, int, str]], cls: str,
                     reading: _Reading) -> bool:
    if cls == SHUTDOWN and not reading.entry_date_ends:
        return False  # the entry's date is not a shutdown date
    return any(c == cls and _is_done(sentence, s, e) for s, e, c in keywords)


def _dates(sentence: str, section: Section) -> list[tuple[date, str, int, int]]:
    """Dates in a sentence; a year-less one takes the section's year, rolled past New Year."""
    if section.when is None:
        return find_dates(sentence)
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


def _placeholders(text: str, node: Node) -> list[int]:
    return [i for i in (ord(c) - PUA_START for c in PUA_RE.findall(text)) if i < len(node.ids)]


def _replacement_spans(sentence: str, node: Node) -> list[tuple[tuple[int, int], list[str]]]:
    spans = []
    for pattern in _REPLACEMENT:
        for match in pattern.finditer(sentence):
            text = match.group("x")
            names = [node.ids[i] for i in _placeholders(text, node) if _is_model_id(node.ids[i])]
            if not names:
                names = [name for name, _ in _display_names(text)]
            if names:
                spans.append((match.span("x"), names))
    return spans


def _sentence_models(sentence: str, node: Node, spans, *, names: bool = True
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
        if not _is_model_id(ident) or _NOT_MODEL_NEXT.match(sentence, pos + 1):
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
    if out or _placeholders(sentence, node) or not names:
        return out
    covered = [(s, e) for (s, e), _ in spans]
    for name, start in _display_names(sentence):
        before = sentence[max(0, start - _WINDOW):start]
        if (any(s <= start < e for s, e in covered) or _FEATURE_OF.search(before)
                or _COMPARED.search(before)
                or _NOT_MODEL_NEXT.match(sentence, start + len(name))):
            continue
        out.append(_display_model(name))
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


def _display_names(text: str) -> list[tuple[str, int]]:
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


def _display_model(name: str) -> tuple[str, str]:
    """``Gemini 1.5 Flash 001`` names one snapshot: its identifier is the slug; family names
    such as ``Gemini 1.0 Pro`` stay as written (which identifier they mean is not said)."""
    if _SNAPSHOT_SUFFIX.search(name):
        return re.sub(r"\s+", "-", name.lower()), name
    return name, ""


def _is_model_id(text: str, *, loose: bool = False) -> bool:
    """Rules out endpoints, headers, parameters and API versions written as code."""
    if not 2 <= len(text) <= 100 or re.search(r"\s|=|://|^[/-]", text):
        return False
    if not re.search(r"[A-Za-z]", text) or _API_VERSION.fullmatch(text):
        return False
    if find_dates(text) and re.fullmatch(r"[\d\W]+", text):
        return False
    return bool(re.search(r"\d|-", text) or (loose and re.fullmatch(r"[A-Za-z][\w.]*", text)
                                              and "_" not in text))


def _listed_models(children: list[Node], section: Section, inherited: tuple | None,
                   path: str = "", *, loose: bool = False):
    """(model, name, date, text) for every item of a "The following models ...:" list.

    ``loose``: the lead says these are models, so a one-word code name (``command``) counts.
    """
    for child in children:
        found = _dates(child.text, section)
        when = (found[0][0], found[0][1]) if found else inherited
        text = f"{path} {child.restore(child.text)}".strip()[:SOURCE_TEXT]
        ids = [i for i in child.ids if _is_model_id(i, loose=loose)]
        if ids:
            for ident in ids:
                yield ident, "", when, text
        elif not child.children and not found:
            for name, _ in _display_names(child.text):
                yield (*_display_model(name), when, text)
        yield from _listed_models(child.children, section, when, text if found else path,
                                  loose=loose)


def _record(notice: _Notice, section: Section, context: _BlockContext,
            reading: _Reading) -> Record | None:
    events = notice.events
    if not events.keys() & {SHUTDOWN, DEPRECATE, RETIRED}:
        return None  # a future retirement with no date: nothing to put on a calendar
    replacements = notice.replacements or context.replacements or _successor(notice.model,
                                                                             context.stable)
    announced = events.get(ANNOUNCE, (section.when, section.precision))[0]
    shutdown, precision = events.get(SHUTDOWN, (None, DAY))
    deprecated, deprecated_precision = events.get(DEPRECATE, (None, DAY))
    return Record(
        vendor=reading.vendor, model=notice.model, name=notice.name, kind=notice.kind,
        announced=announced, deprecated=deprecated, shutdown=shutdown,
        shutdown_precision=precision,
        replacements=tuple(r for r in replacements if r != notice.model),
        source_url=reading.url, anchor=section.anchor, source_text=notice.text[:SOURCE_TEXT],
        extra={"deprecated_precision": deprecated_precision,
               "announced_precision": section.precision},
    )


def _successor(model: str, stable: tuple[str, ...]) -> tuple[str, ...]:
    """A stable release of the same family in the same block (``gemini-embedding-001`` for
    ``gemini-embedding-exp-03-07``): at least two leading name parts in common."""
    parts = re.split(r"[-_]", model.lower())
    for candidate in stable:
        other = re.split(r"[-_]", candidate.lower())
        common = 0
        for a, b in zip(parts, other, strict=False):
            if a != b:
                break
            common += 1
        if candidate != model and common >= 2:
            return (candidate,)
    return ()


# ----------------------------------------------------- "these models retire on DATE:" lists


def _group_records(section: Section, reading: _Reading) -> list[Record]:
    """Models listed after a statement about models in general.

    "Several legacy models will be decommissioned on May 14, 2026" (or "as of May 14, several
    models ... will no longer be accessible. The following model names ...:") gives its date
    to the models listed after it in the same entry: in the sentence that leads the list,
    lines that are only identifiers, and list items that name a model and at most its
    replacement ("DeepSeek V3.1 — migrate to Kimi K2.6"). A sentence recommending other named
    models ends the list.
    """
    out: list[Record] = []
    when = None  # the shutdown date of the last statement about models in general
    listing = False
    for node, sentence in _section_sentences(section):
        keywords = _keywords(sentence)
        spans = _replacement_spans(sentence, node)
        named = _sentence_models(sentence, node, spans)
        if any(cls == SHUTDOWN for _, _, cls in keywords):
            events = _sentence_events(sentence, keywords, section, reading)
            if SHUTDOWN in events:
                if not named and _MODELS_WORD.search(sentence):
                    when, listing = events[SHUTDOWN], True
                continue
            if when is None or not _LEAD.search(sentence):
                continue
            listing = True  # "The following model names will no longer be available:"
            item = (named, []) if named else None
        else:
            item = _list_item(sentence, node) if listing else None
        if item:
            out.extend(Record(
                vendor=reading.vendor, model=model, name=name, kind=kind_of(model),
                announced=section.when, shutdown=when[0], shutdown_precision=when[1],
                replacements=tuple(r for r in item[1] if r != model),
                source_url=reading.url, anchor=section.anchor,
                source_text=node.restore(sentence)[:SOURCE_TEXT],
            ) for model, name in item[0])
        elif _recommends_others(sentence, node):
            listing = False  # "We recommend switching to models in the Llama-3.1 family:"
    return out


# "If you use any of the models below, migrate to a replacement": about the listed models.
_LISTED_ONES = re.compile(r"\b(?:models?|model names)\s+(?:below|listed)\b|\bfollowing\s+models?"
                          r"|\bthese\s+models\b", re.IGNORECASE)


def _recommends_others(sentence: str, node: Node) -> bool:
    """A sentence that points to other models ("We encourage you to migrate to our latest
    models:"), unless it speaks of the listed ones ("If you use any of the models below,
    migrate to a recommended replacement")."""
    for pattern in _REPLACEMENT:
        found = pattern.search(sentence)
        if found and not _LISTED_ONES.search(sentence[:found.start()]):
            return True
    return False


def _section_sentences(section: Section):
    """(node, sentence) for every sentence of a section, list items after their block."""
    def walk(node: Node):
        for sentence in _sentences(node.text):
            yield node, sentence
        for child in node.children:
            yield from walk(child)
    for block in section.blocks:
        if not block.table_row:
            yield from walk(block)


_ITEM_SEPARATOR = re.compile(r"\s+[—–-]\s+|:\s+|\s*\(")
_ITEM_NAME = re.compile(r"[A-Z][\w.+-]*(?:[ \u00a0][\w.+-]+){0,7}")


def _list_item(sentence: str, node: Node) -> tuple[list[tuple[str, str]], list[str]] | None:
    """((model, name) pairs, replacements) of a line that only names models, optionally
    followed by a replacement ("`llama-3-8b-instruct`", "**GLM 4.7** — migrate to GLM 5.1")."""
    head, rest = [*_ITEM_SEPARATOR.split(sentence.strip(" *_\t-"), maxsplit=1), ""][:2]
    head = head.strip(" *_")
    spans = _replacement_spans(sentence, node)
    if rest.strip(" .)") and not spans:
        return None
    replacements = [n for _, names in spans for n in names]
    ids = [node.ids[i] for i in _placeholders(head, node)]
    if ids and not PUA_RE.sub("", head).strip(" ,;/&") and all(
            _is_model_id(i, loose=True) for i in ids):
        return [(i, "") for i in ids], replacements
    if not ids and _ITEM_NAME.fullmatch(head) and re.search(r"\d", head):
        return [(head, "")], replacements
    return None



# -------------------------------------------------------------------------- post-processing


def _paired_replacements(records: list[Record], section: Section) -> list[Record]:
    """Records of a section given the replacement a sentence of their own pairs with them
    elsewhere in it ("Kimi K2.5 — migrate to Kimi K2.6" under "Recommended migrations"):
    the sentence names one model and what to move to, and says nothing is retired."""
    if not any(not r.replacements for r in records):
        return records
    pairs: dict[str, list[str]] = {}
    for node in _nodes(section.blocks):
        for sentence in _sentences(node.text):
            spans = _replacement_spans(sentence, node)
            if not spans or _keywords(sentence):
                continue
            (start, _), names = min(spans)  # the first phrase of the sentence
            subject = _sentence_models(sentence[:start], node, [])
            if len(subject) == 1:
                for key in filter(None, subject[0]):
                    pairs.setdefault(key, names)
    return [replace(r, replacements=tuple(n for n in pairs[r.model] if n != r.model))
            if not r.replacements and r.model in pairs else r for r in records]


def _nodes(nodes: list[Node]):
    for node in nodes:
        if not node.table_row:
            yield node
            yield from _nodes(node.children)


def _named_by_links(records: list[Record], links: dict[str, str]) -> list[Record]:
    """Display names the document links to a model page get that page's identifier."""
    if not links:
        return records
    out = []
    for record in records:
        model = links.get(record.model)
        replacements = tuple(links.get(r, r) for r in record.replacements)
        if model:
            record = replace(record, model=model, name=record.model)
        out.append(replace(record, replacements=replacements))
    return out


def _listed_ids(sections: list[Section]) -> list[str]:
    """Every identifier the document names, in order."""
    def walk(node: Node):
        yield from node.ids
        for child in node.children:
            yield from walk(child)
    found = (i for s in sections for b in s.blocks for i in walk(b))
    return [i for i in dict.fromkeys(found) if _is_model_id(i)]


def _series_members(records: list[Record], listed: list[str]) -> list[Record]:
    """"The `kimi-k2` series models were discontinued on DATE": every ``kimi-k2-...``
    identifier the page lists, rather than a model called ``kimi-k2``."""
    out = []
    for record in records:
        series = re.search(rf"(?<![\w.-]){re.escape(record.model)}\W{{0,2}}\s+(?:series|family)\b",
                           record.source_text)
        members = [i for i in listed if i.startswith(record.model + "-")] if series else []
        out.extend(replace(record, model=m, name="") for m in members)
        if not members:
            out.append(record)
    return out




def _dedupe(records: list[Record]) -> list[Record]:
    """The same fact said twice (a heading and its bullet) is one record."""
    seen: dict[tuple, int] = {}
    out: list[Record] = []
    for record in records:
        key = (record.model, record.announced, record.deprecated, record.shutdown)
        if key in seen:
            kept = out[seen[key]]
            if record.replacements and not kept.replacements:
                out[seen[key]] = replace(kept, replacements=record.replacements)
            continue
        seen[key] = len(out)
        out.append(record)
    return _drop_restated(out)


def _drop_restated(records: list[Record]) -> list[Record]:
    """An undated mention of a model that the same entry also dates ("`X` Removed" above "As
    of December 15, X has been removed") adds nothing; nor does a display name that spells
    an identifier of the same entry ("Gemini 3.1 Flash Lite Preview" and
    ``google/gemini-3.1-flash-lite-preview``)."""
    dated = {(r.model, r.announced) for r in records if r.shutdown or r.deprecated}
    ids = {(_slug(r.model).rsplit("/", 1)[-1], r.announced) for r in records
           if " " not in r.model}
    return [r for r in records
            if not (not (r.shutdown or r.deprecated) and (r.model, r.announced) in dated)
            and not (" " in r.model and (_slug(r.model), r.announced) in ids)]


def _slug(name: str) -> str:
    return re.sub(r"\s+", "-", name.strip().lower())


def merge_deprecation_then_removal(records: list[Record]) -> list[Record]:
    """"X deprecated" then, in a later entry, "X removed": one record with both facts.

    Only a notice with a deprecation date alone and a later one with a shutdown date alone are
    joined; notices that each carry a shutdown (a date moved) are both kept. A later "X has
    been removed" that gives no date adds its words to the deprecation record, whose shutdown
    date stays unknown.
    """
    out: list[Record | None] = list(records)
    by_model: dict[str, list[int]] = {}
    for index, record in enumerate(records):
        by_model.setdefault(record.model, []).append(index)
    for i, late in enumerate(records):
        undated = late.shutdown is None and late.deprecated is None
        if (late.shutdown is None and not undated) or late.deprecated is not None:
            continue
        for j in by_model[late.model]:
            early = out[j]
            if (early is not None and j != i and early.deprecated and early.shutdown is None
                    and (undated or early.deprecated <= late.shutdown)
                    and (early.announced or date.min) <= (late.announced or date.max)):
                out[j] = replace(early, shutdown=late.shutdown,
                                 shutdown_precision=late.shutdown_precision,
                                 replacements=early.replacements or late.replacements,
                                 source_text=f"{early.source_text} / {late.source_text}")
                out[i] = None
                break
    return [r for r in out if r is not None]
