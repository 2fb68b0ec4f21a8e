"""Generic changelog parser: model retirements announced in prose under dated headings.

Release notes and changelogs (HTML, Markdown or plain text) are mostly about launches; here and
there a bullet says "The following models will be deprecated: November 12: ...", "X will be
shut down on DATE", "X is no longer supported", "use Y instead". The stages, one module each:
``section_reader`` turns the document into dated sections of blocks; ``sentence_reader`` reads
what one sentence says (its retirement words and their dates, the models it names, what
replaces them); this module, the parser, turns each block's and each section's sentences into
``Record``s; ``record_merging`` joins what the document says more than once about a model:

* identifiers come from ``<code>``/backticks, or from model-like tokens (``gpt-4o-mini``), or,
  when a sentence names no identifier, from display names with a version (``Gemini 1.0 Pro``);
* each date in a retirement sentence belongs to the nearest retirement word before it
  (``deprecated on A and removed on B``); a present or past "is deprecated" takes the heading's
  date as its deprecation date;
* a shutdown date is only ever a date the text ties to the shutdown: "X has been retired" under
  a dated heading gives a record with no shutdown date (it waits for review), never the entry's
  own date, which is the day the vendor wrote about it;
* a year-less date ("full platform sunset on August 31") takes its entry's year; on a page
  with no dated headings, the year of the latest retirement the page says already happened
  ("was discontinued on May 25, 2026"), only when that puts it on or after that day;
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
from datetime import date

from deprecations.sources.parsers.record_merging import (
    dedupe,
    listed_ids,
    merge_deprecation_then_removal,
    named_by_links,
    paired_replacements,
    prose_nodes,
    series_members,
)
from deprecations.sources.parsers.registry import register
from deprecations.sources.parsers.section_reader import (
    PUA_RE,
    SOURCE_TEXT,
    Node,
    Section,
    sections_from,
)
from deprecations.sources.parsers.sentence_reader import (
    ANNOUNCE,
    DEPRECATE,
    REPLACEMENT_PHRASES,
    RETIRED,
    SHUTDOWN,
    Reading,
    display_model,
    display_names,
    heading_applies,
    is_model_id,
    placeholders,
    primary_event,
    replacement_spans,
    retirement_words,
    sentence_dates,
    sentence_events,
    sentence_models,
    sentences,
    written_after,
)
from deprecations.sources.parsers.table_columns import with_replacements
from deprecations.sources.parsers.text import (
    EVENT_WORDS,
    check_text,
    decode,
    guess_vendor,
    kind_of,
)
from deprecations.sources.records import DAY, Record

_LEAD = re.compile(r"\bfollowing\b|:\s*$", re.IGNORECASE)
_MODELS_WORD = re.compile(r"\bmodels?\b", re.IGNORECASE)
_PRONOUN = re.compile(r"^\W*(?:it|they|these|this|those|both|the (?:model|models|snapshots?)"
                      r"|all of them|each)\b", re.IGNORECASE)
_TUNING = re.compile(r"\b(?:fine[\s-]?)?tun(?:ing|ed)\b", re.IGNORECASE)
_STABLE_RELEASE = re.compile(r"\b(?:released|launched|introduc\w+|now available)\b.*"
                             r"\b(?:stable|generally available|GA)\b", re.IGNORECASE)


def extract(sections: list[Section], *, vendor: str, url: str = "",
            entry_date_ends: bool = False) -> list[Record]:
    """Retirement records from dated sections, in document order, merged per model."""
    reading = Reading(vendor, url, entry_date_ends)
    sections = _undated_written_after(sections)
    records: list[Record] = []
    for section in sections:
        found: list[Record] = []
        for block in section.blocks:
            found.extend(_block_records(block, section, reading))
        found.extend(_group_records(section, reading))
        records.extend(paired_replacements(found, section))
    records = named_by_links(records, sections[0].links if sections else {})
    records = series_members(records, listed_ids(sections))
    return merge_deprecation_then_removal(dedupe(records))


def _undated_written_after(sections: list[Section]) -> list[Section]:
    """Undated sections told the latest day the page says a model already stopped on (see
    ``sentence_dates``): a page with no dated headings writes "sunset on August 31"."""
    if all(section.when is not None for section in sections):
        return sections
    after = written_after([node.text for section in sections
                           for node in prose_nodes(section.blocks)])
    return [replace(section, written_after=after) if section.when is None else section
            for section in sections]


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
    records = extract_records(text, vendor=vendor or guess_vendor(text, url), url=url)
    return with_replacements(records, text)


# ------------------------------------------------------------------------------ blocks to records


@dataclass
class _Notice:
    """What one block says about one model, gathered before it becomes a Record."""

    model: str
    name: str = ""
    kind: str = "model"
    events: dict = field(default_factory=dict)  # class -> (date, precision)
    replacements: tuple[str, ...] = ()
    text: str = ""


def _block_records(block: Node, section: Section, reading: Reading) -> list[Record]:
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
        for sentence in sentences(block.text):
            for _, names in replacement_spans(sentence, block):
                replacements.extend(n for n in names if n not in replacements)
            if _STABLE_RELEASE.search(sentence) and not EVENT_WORDS.search(sentence):
                stable.extend(block.ids[i] for i in placeholders(sentence, block))
        return cls(tuple(replacements), tuple(stable))


def _node_notices(node: Node, section: Section, notices: dict[str, _Notice],
                  inherited: tuple | None, reading: Reading) -> None:
    consumed = False
    last_models: list[str] = []
    last_events: dict = {}
    for sentence in sentences(node.text):
        keywords = retirement_words(sentence)
        if not any(cls in (SHUTDOWN, DEPRECATE) for _, _, cls in keywords):
            followed = _followed(sentence, section, last_events)
            if followed:  # "`b` followed on April 1": what happened to `a`, on that date
                for model, name in sentence_models(sentence, node, []):
                    _add(notices, model, name, followed, (), node.restore(sentence), False)
            elif not keywords:  # a sentence about something else names the block's subject
                last_models = _subject_models(sentence, node) or last_models
            continue
        events = last_events = sentence_events(sentence, keywords, section, reading)
        quoted = node.restore(sentence)
        tuning = bool(_TUNING.search(sentence))
        spans = replacement_spans(sentence, node)
        own_replacements = tuple(n for _, names in spans for n in names)
        is_lead = bool(node.children and _LEAD.search(sentence))
        models = sentence_models(sentence, node, spans, names=not is_lead)
        if not models and is_lead:
            consumed = True
            primary = primary_event(keywords)
            loose = bool(_MODELS_WORD.search(sentence))
            for model, name, when, path in _listed_models(node.children, section, inherited,
                                                          loose=loose):
                ev = dict(events)
                if when:
                    ev[primary] = when
                elif primary not in ev and heading_applies(sentence, keywords, primary,
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
    models = sentence_models(sentence, node, [])
    if len(models) != 1:
        return []
    model, name = models[0]
    return [model] if node.restore(sentence).lstrip(" *_").startswith(name or model) else []


_FOLLOWED = re.compile(r"\bfollow(?:ed|s)\b(?:\s+suit)?(?:\s+on)?\s*$", re.IGNORECASE)


def _followed(sentence: str, section: Section, last_events: dict) -> dict:
    """"`google/gemini-2.5-pro` followed on April 1": the dated events of the sentence before
    (deprecated and removed), on this sentence's date."""
    dates = sentence_dates(sentence, section)
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


def _listed_models(children: list[Node], section: Section, inherited: tuple | None,
                   path: str = "", *, loose: bool = False):
    """(model, name, date, text) for every item of a "The following models ...:" list.

    ``loose``: the lead says these are models, so a one-word code name (``command``) counts.
    """
    for child in children:
        found = sentence_dates(child.text, section)
        when = (found[0][0], found[0][1]) if found else inherited
        text = f"{path} {child.restore(child.text)}".strip()[:SOURCE_TEXT]
        ids = [i for i in child.ids if is_model_id(i, loose=loose)]
        if ids:
            for ident in ids:
                yield ident, "", when, text
        elif not child.children and not found:
            for name, _ in display_names(child.text):
                yield (*display_model(name), when, text)
        yield from _listed_models(child.children, section, when, text if found else path,
                                  loose=loose)


def _record(notice: _Notice, section: Section, context: _BlockContext,
            reading: Reading) -> Record | None:
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


def _group_records(section: Section, reading: Reading) -> list[Record]:
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
        keywords = retirement_words(sentence)
        spans = replacement_spans(sentence, node)
        named = sentence_models(sentence, node, spans)
        if any(cls == SHUTDOWN for _, _, cls in keywords):
            events = sentence_events(sentence, keywords, section, reading)
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
    for pattern in REPLACEMENT_PHRASES:
        found = pattern.search(sentence)
        if found and not _LISTED_ONES.search(sentence[:found.start()]):
            return True
    return False


def _section_sentences(section: Section):
    """(node, sentence) for every sentence of a section, list items after their block."""
    def walk(node: Node):
        for sentence in sentences(node.text):
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
    spans = replacement_spans(sentence, node)
    if rest.strip(" .)") and not spans:
        return None
    replacements = [n for _, names in spans for n in names]
    ids = [node.ids[i] for i in placeholders(head, node)]
    if ids and not PUA_RE.sub("", head).strip(" ,;/&") and all(
            is_model_id(i, loose=True) for i in ids):
        return [(i, "") for i in ids], replacements
    if not ids and _ITEM_NAME.fullmatch(head) and re.search(r"\d", head):
        return [(head, "")], replacements
    return None
