"""A document's prose records merged: the last stage of the prose parsers.

What ``changelog`` reads block by block is said more than once: a replacement named in another
sentence of the section (``paired_replacements``), a display name the page links to a model
page (``named_by_links``), a series whose members the page lists (``series_members``), the same
fact in a heading and its bullet (``dedupe``), and "X deprecated" then, later, "X removed"
(``merge_deprecation_then_removal``).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from deprecations.sources.parsers.section_reader import Node, Section
from deprecations.sources.parsers.sentence_reader import (
    is_model_id,
    replacement_spans,
    retirement_words,
    sentence_models,
    sentences,
)
from deprecations.sources.records import Record


def paired_replacements(records: list[Record], section: Section) -> list[Record]:
    """Records of a section given the replacement a sentence of their own pairs with them
    elsewhere in it ("Kimi K2.5 — migrate to Kimi K2.6" under "Recommended migrations"):
    the sentence names one model and what to move to, and says nothing is retired."""
    if not any(not r.replacements for r in records):
        return records
    pairs: dict[str, list[str]] = {}
    for node in prose_nodes(section.blocks):
        for sentence in sentences(node.text):
            spans = replacement_spans(sentence, node)
            if not spans or retirement_words(sentence):
                continue
            (start, _), names = min(spans)  # the first phrase of the sentence
            subject = sentence_models(sentence[:start], node, [])
            if len(subject) == 1:
                for key in filter(None, subject[0]):
                    pairs.setdefault(key, names)
    return [replace(r, replacements=tuple(n for n in pairs[r.model] if n != r.model))
            if not r.replacements and r.model in pairs else r for r in records]


def prose_nodes(nodes: list[Node]):
    """Every node of ``nodes`` and their children but table rows, in document order."""
    for node in nodes:
        if not node.table_row:
            yield node
            yield from prose_nodes(node.children)


def named_by_links(records: list[Record], links: dict[str, str]) -> list[Record]:
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


def listed_ids(sections: list[Section]) -> list[str]:
    """Every identifier the document names, in order."""
    def walk(node: Node):
        yield from node.ids
        for child in node.children:
            yield from walk(child)
    found = (i for s in sections for b in s.blocks for i in walk(b))
    return [i for i in dict.fromkeys(found) if is_model_id(i)]


def series_members(records: list[Record], listed: list[str]) -> list[Record]:
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




def dedupe(records: list[Record]) -> list[Record]:
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
