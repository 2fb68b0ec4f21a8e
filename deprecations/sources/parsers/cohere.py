"""Parser for Cohere's deprecations page, read from its MDX source (Fern docs).

Under ``## Deprecation History`` each announcement is a ``### YYYY-MM-DD: title`` section.
Some sections hold a Markdown table (read by the shared table reader); most are prose with
bullet lists: "Effective April 4th, 2026, the following models will be retired:" then one
model per bullet, and replacements either as a bullet list ("Embedding tasks alternatives:")
or in a sentence ("For command model replacements, we recommend you use `a`, `b`, or `c`").

The heading date is not always the announcement: in "Effective ..." sections it is the date
the change takes effect, so dates come from the sentence that introduces each list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from deprecations.sources.parsers.dates import find_dates
from deprecations.sources.parsers.registry import ParseError, page_score, register
from deprecations.sources.parsers.table_columns import split_models
from deprecations.sources.parsers.table_reader import (
    Heading,
    markdown_cell,
    markdown_heading,
    unlink,
)
from deprecations.sources.parsers.tables import Context, heading_date, records_from_text
from deprecations.sources.parsers.text import (
    DEPRECATION_STEM,
    SHUTDOWN_STEM,
    clean_text,
    decode,
    first_role,
    kind_of,
    looks_like_html,
)
from deprecations.sources.records import Record

VENDOR = "Cohere"
_URL = re.compile(r"^https?://(?:docs\.cohere\.com/.*deprecations|"
                  r"raw\.githubusercontent\.com/cohere-ai/.*deprecations\.mdx)", re.I)
_BULLET = re.compile(r"^(\s*)[-*+]\s+(.*)$")
_REPLACEMENT = re.compile(r"alternativ|recommend|replac|migrate to|instead|upgrade to", re.I)
_LIST_ROLES = (("replacement", _REPLACEMENT), ("shutdown", SHUTDOWN_STEM),
               ("deprecated", DEPRECATION_STEM))
_NO_REPLACEMENT = re.compile(r"alternativ|migration|guide|replac", re.I)
_FINE_TUNED = re.compile(r"\b(sunset|retire|shut down|remove|deprecate)\s+all\s+(?:models|"
                         r"fine-tunes)\s+fine-tuned\s+(?:with|on|from)\s+(?:the\s+)?"
                         r"`?([A-Za-z0-9][\w.:-]*[A-Za-z0-9])`?", re.I)
_POWERED_BY = re.compile(r"fine-tunes?\s+(?:are|will be)\s+now\s+powered\s+by\s+(?:the\s+)?"
                         r"`?([A-Za-z0-9][\w.:-]*[A-Za-z0-9])`?", re.I)
_STOPWORDS = frozenset("""
    for we you use recommend recommended replacement replacements model models task tasks
    alternative alternatives our latest the and with which offer enhanced performance
    improved accuracy expanded capabilities migrate encourage instead following these
    please newer new your
""".split())


def sniff(data: bytes, url: str) -> float:
    return page_score(data, url, url_pattern=_URL, window=300_000,
                      markers=(b"cohere", b"deprecation history", b"\n### "))


@dataclass
class _Group:
    """Replacement models offered together, with the words that say what they replace."""

    label: str
    items: list[str] = field(default_factory=list)

    def keys(self) -> set[str]:
        words = re.findall(r"[a-z][a-z0-9]+", self.label.lower())
        return {w[:5] for w in words if w not in _STOPWORDS and len(w) >= 3}


@dataclass
class _Section:
    heading: Heading
    lines: list[str]


@register("cohere", sniff=sniff)
def parse_cohere(data: bytes, *, url: str = "", vendor: str | None = None) -> list[Record]:
    """Cohere deprecations (MDX source): models and endpoints retired or deprecated."""
    text = decode(data)
    if looks_like_html(text):
        raise ParseError("the Cohere parser reads the page's MDX source, not rendered HTML")
    if not re.search(r"^#{1,6}\s+deprecation", text, re.I | re.M):
        raise ParseError("not Cohere's deprecations page (no deprecation heading)")
    ctx = Context(vendor or VENDOR, url, "auto")
    records = records_from_text(text, ctx)  # the sections that are Markdown tables
    for section in _sections(text):
        records.extend(_section_records(section, ctx))
    return records


def _sections(text: str) -> list[_Section]:
    """Sections under a heading that starts with a date, with their body lines."""
    out: list[_Section] = []
    current: _Section | None = None
    for line in text.splitlines():
        heading = markdown_heading(line)
        if heading:
            if current and heading.level <= current.heading.level:
                current = None
            if heading_date([heading]):
                current = _Section(heading, [])
                out.append(current)
            continue
        if current:
            current.lines.append(line)
    return out


def _section_records(section: _Section, ctx: Context) -> list[Record]:
    blocks = _blocks(section.lines)
    prose = " ".join(b for b in blocks if isinstance(b, str))
    event = _first_date(prose) or heading_date([section.heading])
    announced = _announced(prose)
    groups = _replacement_groups(blocks)
    records: list[Record] = []
    intro = ""
    for block in blocks:
        if isinstance(block, str):
            intro = block
            continue
        role = _list_role(intro)
        if role not in ("shutdown", "deprecated"):
            continue
        when = _first_date(_last_sentence(intro)) or event
        for item, _children in block:
            records.extend(_item_records(item, role, when, announced, groups, section, ctx))
    records.extend(_fine_tuned_records(prose, " ".join(section.lines), section, ctx))
    records.extend(_fine_tuning_records(prose, event, announced, section, ctx))
    return records


_FINE_TUNING_FOR = re.compile(
    r"Fine-tuning for (?:the )?(?P<models>(?:`[^`]+`[,\s]*(?:and\s+)?)+)models?\s+"
    r"(?:is|are) being (?P<verb>retired|removed|sunset|deprecated)", re.IGNORECASE)


def _fine_tuning_records(prose: str, event: date | None, announced: date | None,
                         section: _Section, ctx: Context) -> list[Record]:
    """"Fine-tuning for the `command`, `classify` ... models is being retired", in a section
    that says "Effective DATE, the following deprecations will roll out": one feature record
    per model, ending on that date."""
    out = []
    for m in _FINE_TUNING_FOR.finditer(prose):
        retire = m.group("verb").lower() != "deprecated"
        for model in re.findall(r"`([^`]+)`", m.group("models")):
            out.append(Record(
                vendor=ctx.vendor, model=f"fine-tuning for {model}", kind="feature",
                announced=announced or heading_date([section.heading]),
                shutdown=event if retire else None, deprecated=None if retire else event,
                source_url=ctx.url, anchor=section.heading.anchor,
                source_text=markdown_cell(m.group(0)).text, notes=section.heading.text,
            ))
    return out


def _blocks(lines: list[str]) -> list[str | list[tuple[str, list[str]]]]:
    """Paragraph strings and bullet lists (items with their nested items), in order."""
    blocks: list[str | list[tuple[str, list[str]]]] = []
    items: list[tuple[str, list[str]]] | None = None
    base = 0
    for line in lines:
        bullet = _BULLET.match(line)
        if bullet:
            indent = len(bullet.group(1).expandtabs(4))
            if items is None:
                items, base = [], indent
                blocks.append(items)
            if indent > base and items:
                items[-1][1].append(bullet.group(2).strip())
            else:
                items.append((bullet.group(2).strip(), []))
        elif line.strip():
            items = None
            blocks.append(line.strip())
    return blocks


def _last_sentence(text: str) -> str:
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text.strip())
    return parts[-1] if parts else ""


def _list_role(intro: str) -> str | None:
    """What a bullet list is, from the sentence that introduces it."""
    return first_role(_last_sentence(intro), _LIST_ROLES)


def _first_date(text: str) -> date | None:
    found = find_dates(text)
    return found[0][0] if found else None


def _announced(prose: str) -> date | None:
    for sentence in re.split(r"(?<=[.!?])\s+", prose):
        if re.search(r"\bannounc", sentence, re.I):
            return _first_date(sentence)
    return None


def _replacement_groups(blocks) -> list[_Group]:
    """Replacement lists ("Embedding tasks alternatives:" + items) and sentences naming them."""
    groups: list[_Group] = []
    intro = ""
    for block in blocks:
        if isinstance(block, str):
            intro = block
            groups.extend(_sentence_groups(block))
            continue
        if _list_role(intro) != "replacement":
            continue
        flat = _Group(intro)
        for item, children in block:
            if children:  # a labelled sub-list: "Chat tasks alternatives:"
                groups.append(_Group(markdown_cell(item).text,
                                     [c for child in children for c in _codes(child)]))
            else:
                flat.items.extend(_codes(item))
        if flat.items:
            groups.append(flat)
    return groups


def _sentence_groups(paragraph: str) -> list[_Group]:
    """"For command model replacements, we recommend you use `a`, `b`, or `c`" -> a group."""
    out = []
    for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z])", paragraph):
        codes = _codes(re.sub(r"\([^)]*\)", "", sentence))
        if codes and _REPLACEMENT.search(sentence):
            out.append(_Group(markdown_cell(sentence.split("`", 1)[0]).text, codes))
    return out


def _codes(markdown: str) -> list[str]:
    return [c for c in markdown_cell(markdown).codes if c]


def _replacements_for(model: str, groups: list[_Group], models: list[str]) -> tuple[str, ...]:
    """Groups whose label words occur in the model name; else the groups that fit no model."""
    name = model.lower()
    chosen = [g for g in groups if any(k in name for k in g.keys())]
    if not chosen:
        chosen = [g for g in groups
                  if not any(k in m.lower() for m in models for k in g.keys())]
    return tuple(dict.fromkeys(i for g in chosen for i in g.items))


def _item_records(item: str, role: str, when: date | None, announced: date | None,
                  groups: list[_Group], section: _Section, ctx: Context) -> list[Record]:
    cell = markdown_cell(item)
    models = _parameters(cell) or split_models(cell)
    # "(Refer to the migration guide for alternatives)": the vendor names no model to use.
    remark = markdown_cell(" ".join(r for r in re.findall(r"\(([^()]*)\)", unlink(item))
                                    if "`" not in r)).text
    no_replacement = bool(remark and _NO_REPLACEMENT.search(remark))
    all_models = _section_models(section)
    out = []
    for model in models:
        replacements = () if no_replacement else _replacements_for(model, groups, all_models)
        out.append(Record(
            vendor=ctx.vendor, model=model, announced=announced,
            deprecated=when if role == "deprecated" else None,
            shutdown=when if role == "shutdown" else None,
            replacements=replacements, kind=kind_of(model), source_url=ctx.url,
            anchor=section.heading.anchor, source_text=clean_text(cell.text),
            notes=f"{section.heading.text}: {remark}" if remark else section.heading.text,
        ))
    return out


def _parameters(cell) -> list[str]:
    """"/v1/chat parameters: `connectors`, `search_queries_only`" -> one name per parameter."""
    m = re.match(r"(\S+) parameters?:", cell.text)
    return [f"{m.group(1)} parameter: {code}" for code in cell.codes if code != m.group(1)] \
        if m else []


def _section_models(section: _Section) -> list[str]:
    """Every model a section retires or deprecates (to tell which replacement group fits)."""
    names: list[str] = []
    intro = ""
    for block in _blocks(section.lines):
        if isinstance(block, str):
            intro = block
        elif _list_role(intro) in ("shutdown", "deprecated"):
            for item, _ in block:
                names.extend(split_models(markdown_cell(item)))
    return names


def _fine_tuned_records(prose: str, body: str, section: _Section, ctx: Context
                        ) -> list[Record]:
    """"we will sunset all models fine-tuned with Command-R-03-2024" -> one record."""
    out = []
    powered = _POWERED_BY.search(body)  # often in a bullet: "All fine-tunes are now powered by"
    for m in _FINE_TUNED.finditer(prose):
        sentence_start = max(prose.rfind(". ", 0, m.start()), 0)
        sentence_end = prose.find(". ", m.end())
        sentence = prose[sentence_start:sentence_end if sentence_end > 0 else len(prose)]
        when = _first_date(sentence)
        if not when:
            continue
        # Cohere's model identifiers are lower case; the prose capitalises them.
        model = f"models fine-tuned with {m.group(2).lower()}"
        retire = m.group(1).lower() != "deprecate"
        out.append(Record(
            vendor=ctx.vendor, model=model, shutdown=when if retire else None,
            deprecated=None if retire else when,
            replacements=(powered.group(1).lower(),) if powered else (),
            kind="model", source_url=ctx.url, anchor=section.heading.anchor,
            source_text=clean_text(sentence.strip(" .")), notes=section.heading.text,
        ))
    return out

