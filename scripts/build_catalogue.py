#!/usr/bin/env python
"""Build the shipped catalogue (``deprecations/data/catalogue.json``) from stored source documents.

Usage::

    python scripts/build_catalogue.py SOURCES_DIR > deprecations/data/catalogue.json
    python scripts/build_catalogue.py SOURCES_DIR --expected-pairs \
        tests/fixtures/catalogue_expected_pairs.json > deprecations/data/catalogue.json

SOURCES_DIR holds the vendor documents with their hand-checked ``*.expected.json`` rows and
``*.meta.json`` provenance (see its README), plus a peer tracker's records
(``aggregator/*_records_*.json``). The expected rows are the ground truth for the four vendor
documents; the documents themselves are read only for section anchors, model IDs and a few
facts the rows leave out. Peer records fill the vendors we hold no document for (Anthropic,
Google Vertex, Azure) and the OpenAI notices newer than the stored OpenAI page; each one is
sanity-checked and repaired by the rules in ``peer_entries``.

The output is deterministic: the same inputs give the same bytes.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import OrderedDict
from datetime import date, datetime
from pathlib import Path

from bs4 import BeautifulSoup

FEED_URL = "https://deprecations.info/rss/v1/feed.xml"
FEED_TITLE = "via deprecations.info"

VENDORS = [
    {"slug": "anthropic", "name": "Anthropic",
     "website": "https://docs.anthropic.com/en/docs/about-claude/model-deprecations",
     "is_platform": False},
    {"slug": "aws-bedrock", "name": "Amazon Bedrock",
     "website": "https://docs.aws.amazon.com/bedrock/latest/userguide/model-lifecycle.html",
     "is_platform": True},
    {"slug": "azure", "name": "Azure OpenAI / AI Foundry",
     "website": "https://learn.microsoft.com/en-us/azure/ai-foundry/concepts/"
                "model-lifecycle-retirement",
     "is_platform": True},
    {"slug": "cohere", "name": "Cohere", "website": "https://docs.cohere.com/docs/deprecations",
     "is_platform": False},
    {"slug": "google-gemini", "name": "Google Gemini API",
     "website": "https://ai.google.dev/gemini-api/docs/deprecations", "is_platform": False},
    {"slug": "google-vertex", "name": "Google Vertex AI",
     "website": "https://cloud.google.com/vertex-ai/generative-ai/docs/deprecations",
     "is_platform": True},
    {"slug": "openai", "name": "OpenAI", "website": "https://platform.openai.com/docs/deprecations",
     "is_platform": False},
]

# vendor strings of the expected files / provider strings of the peer records -> slugs
EXPECTED_VENDOR = {"OpenAI": "openai", "AWS Bedrock": "aws-bedrock",
                   "Google Gemini API": "google-gemini", "Cohere": "cohere"}
PEER_VENDOR = {"OpenAI": "openai", "Anthropic": "anthropic", "Google Vertex": "google-vertex",
               "Azure": "azure", "Cohere": "cohere"}

# the vendor documents: folder in SOURCES_DIR, glob of the document, source title
DOCUMENTS = {
    "openai": ("openai", "deprecations_*.html", "OpenAI API deprecations"),
    "aws-bedrock": ("aws", "bedrock_model_lifecycle_*.html", "Amazon Bedrock model lifecycle"),
    "google-gemini": ("google", "gemini_api_release_notes_*.html", "Gemini API release notes"),
    "cohere": ("cohere", "deprecations.mdx", "Cohere deprecations"),
}
PEER_TITLES = {
    "openai": "OpenAI API deprecations",
    "anthropic": "Anthropic model deprecations",
    "google-vertex": "Vertex AI deprecations",
    "azure": "Azure AI Foundry model retirements",
    "cohere": "Cohere deprecations",
}

NOT_A_REPLACEMENT = {"View transition guide"}
MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1)}

# A dated snapshot: -2024-10-01, -20240229, -0613 (MMDD), -05-20 (MM-DD), -03-2024 (MM-YYYY),
# -2411 (YYMM, Mistral).
SNAPSHOT = re.compile(
    r"(?:^|[-.@])(?:"
    r"(?:19|20)\d{2}-?(?:0[1-9]|1[0-2])-?(?:0[1-9]|[12]\d|3[01])"
    r"|(?:0[1-9]|1[0-2])-?(?:0[1-9]|[12]\d|3[01])"
    r"|(?:0[1-9]|1[0-2])-20\d{2}"
    r"|2[3-9](?:0[1-9]|1[0-2])"
    r")(?=$|[-:.])"
)


# ----------------------------------------------------------------------------- helpers

def iso(value: str | None) -> str | None:
    return date.fromisoformat(value).isoformat() if value else None


def snapshot_date(meta: dict) -> str:
    return meta["snapshot_date"][:10]


def as_list(value) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [v for v in items if v and v not in NOT_A_REPLACEMENT]


def merge_unique(*lists) -> list[str]:
    out: list[str] = []
    for items in lists:
        for item in items:
            if item not in out:
                out.append(item)
    return out


def kind_of(identifier: str) -> str:
    lowered = identifier.lower()
    if identifier.startswith("/") or lowered.endswith(" api"):
        return "endpoint"
    if (identifier.startswith("OpenAI-Beta:") or "fine-tuning" in lowered
            or "tuning" in lowered or " module " in lowered or " endpoint " in lowered):
        return "feature"
    name = identifier.split(".", 1)[1] if identifier.startswith(("anthropic.", "stability.")) \
        else identifier
    return "snapshot" if SNAPSHOT.search(name) else "model"


def long_date(value: str) -> str:
    d = date.fromisoformat(value)
    return f"{d.day} {d.strftime('%B')} {d.year}"


def find_one(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern))
    if not found:
        raise SystemExit(f"build_catalogue: no {pattern} in {folder}")
    return found[-1]


def meta_for(document: Path) -> dict:
    name = document.name
    for suffix in (".html", ".mdx", ".xml", ".json"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    with open(document.with_name(name + ".meta.json"), encoding="utf-8") as fh:
        return json.load(fh)


def expected_path(document: Path) -> Path:
    return document.with_name(document.name.rsplit(".", 1)[0] + ".expected.json")


def expected_for(document: Path) -> list[dict]:
    with open(expected_path(document), encoding="utf-8") as fh:
        return json.load(fh)


def source(url: str, title: str, retrieved_on: str) -> dict:
    return {"url": url, "title": title, "retrieved_on": retrieved_on}


# ----------------------------------------------------------------------------- documents

def openai_sections(html: str) -> list[tuple[str, str, str]]:
    """(anchor, announcement date, text) for every dated <h3> section."""
    soup = BeautifulSoup(html, "lxml")
    out = []
    for h3 in soup.find_all("h3"):
        anchor = h3.get("id") or ""
        if not re.match(r"\d{4}-\d{2}-\d{2}-", anchor):
            continue
        parts = []
        for node in h3.find_all_next():
            if node.name in ("h2", "h3"):
                break
            if node.name in ("p", "td"):
                parts.append(node.get_text(" ", strip=True))
        out.append((anchor, anchor[:10], "\n".join(parts)))
    return out


def gemini_sections(html: str) -> dict[str, tuple[str, str]]:
    """announcement date -> (anchor, text) for every <h2> of the release notes."""
    soup = BeautifulSoup(html, "lxml")
    out = {}
    for h2 in soup.find_all("h2"):
        m = re.match(r"([A-Za-z]+) (\d{1,2}), (\d{4})$", h2.get_text(" ", strip=True))
        if not m or not h2.get("id") or m.group(1).lower() not in MONTHS:
            continue
        day = date(int(m.group(3)), MONTHS[m.group(1).lower()], int(m.group(2))).isoformat()
        parts = []
        for node in h2.find_next_siblings():
            if node.name == "h2":
                break
            parts.append(node.get_text(" ", strip=True))
        out[day] = (h2["id"], " ".join(parts))
    return out


REGION = re.compile(r"[a-z]{2}(?:-gov)?-[a-z]+-\d")

# Legacy/EOL rows name a model the way the Active table or a replacement cell of the same page
# spells it differently; these are the pairs the page itself supports.
BEDROCK_SAME_MODEL = {
    "Claude Opus 4": "Claude Opus 4.0",
    "Stability Image Core v1": "Stable Image Core 1.0",
    "Stability Image Ultra v1": "Stable Image Ultra 1.0",
    "Stability 3 Large": "SD3 Large 1.0",
    "Stable Diffusion XL 1.0": "Stable Diffusion XL 1.x",
}


def bedrock_ids(html: str) -> tuple[dict[str, str], dict[str, list[str]], dict[str, str]]:
    """Model IDs the page gives: display name -> ID, ID -> Active-table regions, section anchors."""
    soup = BeautifulSoup(html, "lxml")
    ids: dict[str, str] = {}
    active_regions: dict[str, list[str]] = {}
    anchors = {}
    for h2 in soup.find_all("h2"):
        text = h2.get_text(" ", strip=True)
        if text.startswith("Legacy"):
            anchors["legacy"] = h2.get("id", "")
        elif text.startswith("End-of-Life"):
            anchors["eol"] = h2.get("id", "")
    for table in soup.find_all("table"):
        header = [th.get_text(" ", strip=True) for th in table.find_all("th")]
        rows = [[td.get_text(" ", strip=True) for td in tr.find_all("td")]
                for tr in table.find_all("tr")]
        if "Model ID" in header:
            name_at, id_at = header.index("Model name"), header.index("Model ID")
            region_at = header.index("Regions supported")
            for cells in rows:
                if len(cells) > max(name_at, id_at, region_at):
                    ids.setdefault(cells[name_at], cells[id_at])
                    active_regions.setdefault(cells[id_at], REGION.findall(cells[region_at]))
        elif "Recommended model ID" in header:
            name_at = header.index("Recommended model version replacement")
            id_at = header.index("Recommended model ID")
            for cells in rows:
                if len(cells) > max(name_at, id_at) and "," not in cells[name_at]:
                    model_ids = re.findall(r"[a-z0-9]+\.[a-z0-9.:-]+", cells[id_at])
                    if len(model_ids) == 1:
                        ids.setdefault(cells[name_at], model_ids[0])
    return ids, active_regions, anchors


# ----------------------------------------------------------------------------- notes

def bedrock_row_note(row: dict) -> list[str]:
    notes = row.get("notes") or ""
    parts = []
    m = re.search(r"public extended access date (\d{4}-\d{2}-\d{2})", notes)
    if m:
        parts.append(f"Public extended access from {m.group(1)}: existing users only, at higher "
                     "prices set by the provider.")
    m = re.search(r"legacy date qualifier \(([^)]*)\)", notes)
    if m and not m.group(1).startswith("only in"):
        where = re.sub(r",?\s*(and\s+)?(R|r)egions?$", "", m.group(1)).strip()
        if where.lower() in ("all", ""):
            parts.append("Dates apply to all Regions.")
        else:
            where = re.sub(r",?\s+and\s+", ", ", where)
            parts.append(f"Dates apply to these Regions: {where}.")
    m = re.search(r"replacement display name: (.*)$", notes)
    if m:
        parts.append(f"Bedrock recommends {m.group(1).strip().replace(', ', ' or ')}.")
    return parts


def bedrock_regions_note(rows: list[dict]) -> str:
    pieces = []
    for row in sorted(rows, key=lambda r: r["shutdown"]):
        m = re.search(r"only in ([a-z0-9-]+)", row.get("notes") or "")
        region = m.group(1) if m else "other Regions"
        pieces.append(f"in {region} it went legacy on {row['deprecated']} and reached end of "
                      f"life on {row['shutdown']}")
    return ("Retired Region by Region: " + "; ".join(pieces)
            + ". The dates above are the last ones, when it was gone everywhere.")


def gemini_row_note(row: dict) -> list[str]:
    model, ann, shut = row["model"], row["announced"], row["shutdown"]
    notes = row.get("notes") or ""
    parts = []
    if model == "Gemini 1.0 Pro Vision":
        parts.append(f"Deprecated on {row['deprecated']}; support removed from Google AI services "
                     f"on {shut} (here 'deprecated' did not yet mean switched off).")
    elif "(tuning)" in model:
        parts.append(f"The {ann} release notes: Gemini 1.5 Flash 001, the last model that could "
                     "be tuned, has been shut down; tuning is no longer supported on any model.")
    elif model == "Gemini 1.0 Pro":
        parts.append(f"The {ann} release notes say Gemini 1.0 Pro is no longer supported; they "
                     "name it only by its display name.")
    elif "month only" in notes:
        parts.append(f"The {ann} release notes say it will be deprecated in October, 2025 (month "
                     "only); Google's release notes use 'deprecated' for the day a model stops "
                     "working.")
    elif shut == ann:
        parts.append(f"The {ann} release notes say it is now deprecated; Google's release notes "
                     "use 'deprecated' for a model that no longer works.")
    else:
        parts.append(f"The {ann} release notes list it as deprecated on {shut}; Google's release "
                     "notes use 'deprecated' for the day a model stops working.")
    if model == "gemini-embedding-exp":
        parts.append("Alias of gemini-embedding-exp-03-07.")
    if model in ("gemini-2.5-pro-preview-05-06", "gemini-2.5-pro-preview-03-25"):
        parts.append("Since 2025-06-26 this name has redirected to gemini-2.5-pro.")
    return parts


COHERE_NOTES = {
    "command-r": "Alias of command-r-03-2024.",
    "command-r-plus": "Alias of command-r-plus-04-2024.",
    "summarize": "Cohere points to a migration guide (summarizing through the Chat endpoint) "
                 "instead of a replacement model; the /v1/summarize endpoint was deprecated on "
                 "the same day.",
    "command-r-03-2024 fine-tuned models": "All models fine-tuned on command-r-03-2024 stopped "
                                           "working on 2025-03-08; fine-tuning now uses "
                                           "command-r-08-2024.",
}


def cohere_row_note(row: dict) -> list[str]:
    model = row["model"]
    parts = []
    if row["shutdown"] and "Effective April 4th" in (row.get("notes") or ""):
        parts.append(f"Retired effective {row['shutdown']}; the section is dated with that "
                     "effective date and gives no announcement date.")
    if row["deprecated"] == "2025-09-15":
        parts.append("Deprecated effective 2025-09-15 (no longer available to new customers).")
        if model in ("command-light", "command", "command-r"):
            parts.append("Fine-tuning on it was retired the same day.")
    if model in COHERE_NOTES:
        parts.append(COHERE_NOTES[model])
    if model.startswith("rerank-") and model.endswith("-v2.0"):
        parts.append("Fine-tuned models created from the v2.0 rerank models are not affected.")
    return parts


OPENAI_NOTES = {
    "gpt-4-0125-preview": "gpt-4-turbo-preview and gpt-4-turbo-preview-completions point to this "
                          "snapshot and go with it (separate entries).",
    "gpt-4-turbo-preview": "Alias that points to gpt-4-0125-preview.",
    "gpt-4-turbo-preview-completions": "Alias that points to gpt-4-0125-preview.",
    "OpenAI-Beta: realtime=v1": "The beta interface of the Realtime API (header "
                                "OpenAI-Beta: realtime=v1); move to the generally available "
                                "Realtime API.",
    "Assistants API": "The section is dated 2025-08-20, but its text says developers were "
                      "notified on 2025-08-26; removal one year later, on 2026-08-26.",
    "OpenAI-Beta: assistants=v1": "The v1 beta of the Assistants API; use the v2 beta header.",
    "/v1/fine-tunes": "Models fine-tuned with the /v1/fine-tunes API stopped working with it.",
}
OPENAI_DUPLICATES = {
    "gpt-4-0314": "The 2023-06-13 notice listed it as a legacy model to be shut down at the "
                  "earliest on 2024-06-13 (replacement gpt-4o); the 2025-09-26 notice set the "
                  "shutdown to 2026-03-26, which stands.",
    "code-davinci-002": "The 2023-03-20 Codex notice gave 2023-03-23 (replacement gpt-4o); the "
                        "2023-07-06 notice listed it again with 2024-01-04, which stands.",
    "gpt-4-32k-0314": "First deprecated in the 2023-06-13 notice; the 2024-06-06 notice repeats "
                      "it with the same shutdown date, 2025-06-06.",
}


def openai_row_note(row: dict, section_text: str) -> list[str]:
    model = row["model"]
    parts = []
    if model in OPENAI_NOTES:
        parts.append(OPENAI_NOTES[model])
    if model.startswith("New fine-tuning training on"):
        parts.append("Only new fine-tuning runs stop; fine-tuned models already created are "
                     "not affected.")
    if "View transition guide" in as_list_raw(row.get("replacement")):
        parts.append("OpenAI links a transition guide instead of naming a replacement.")
    repl = as_list(row.get("replacement"))
    if row["announced"] == "2025-09-26" and len(repl) == 2:
        parts.append(f"OpenAI suggests {repl[1]} for latency-sensitive tasks that don't need "
                     "reasoning.")
    m = re.search(r"As of (\w+ \d{1,2}, \d{4}), only existing users", section_text)
    if m:
        when = datetime.strptime(m.group(1), "%B %d, %Y").date().isoformat()
        parts.append(f"From {when} only existing users could keep using it.")
    return parts


def as_list_raw(value) -> list[str]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


# ----------------------------------------------------------------------------- vendor rows

def entry(vendor, identifier, *, display_name="", kind=None, aliases=(), announced=None,
          deprecated=None, shutdown=None, precision="day", replacements=(), notes=(),
          sources=()) -> dict:
    return OrderedDict([
        ("vendor", vendor),
        ("identifier", identifier),
        ("display_name", display_name),
        ("kind", kind or kind_of(identifier)),
        ("aliases", list(aliases)),
        ("announced", iso(announced)),
        ("deprecated", iso(deprecated)),
        ("shutdown", iso(shutdown)),
        ("shutdown_precision", precision),
        ("replacements", list(replacements)),
        ("notes", list(notes)),
        ("sources", list(sources)),
    ])


def group_rows(rows: list[dict]) -> OrderedDict:
    groups: OrderedDict = OrderedDict()
    for row in rows:
        groups.setdefault(row["model"], []).append(row)
    return groups


def standing_row(rows: list[dict]) -> dict:
    """The row whose date stands: the latest announcement, then the latest shutdown."""
    return max(rows, key=lambda r: (r["announced"] or "", r["shutdown"] or ""))


def replacements_for(rows: list[dict], standing: dict) -> list[str]:
    same_notice = all((r["announced"], r["shutdown"]) == (standing["announced"],
                                                         standing["shutdown"]) for r in rows)
    if same_notice:
        return merge_unique(*(as_list(r.get("replacement")) for r in rows))
    repl = as_list(standing.get("replacement"))
    if not repl:  # the newest notice names none: keep the last one that did
        for row in sorted(rows, key=lambda r: r["announced"] or "", reverse=True):
            if as_list(row.get("replacement")):
                return as_list(row.get("replacement"))
    return repl


def openai_entries(path: Path) -> list[dict]:
    meta, rows = meta_for(path), expected_for(path)
    retrieved, base, title = snapshot_date(meta), meta["source_url"], DOCUMENTS["openai"][2]
    sections = openai_sections(path.read_text(encoding="utf-8"))

    def section_of(row):
        needle = row["model"].replace("New fine-tuning training on ", "")
        for anchor, day, text in sections:
            if day == row["announced"] and needle in text:
                return anchor, text
        raise SystemExit(f"build_catalogue: no OpenAI section for {row['model']}")

    out = []
    for model, group in group_rows(rows).items():
        standing = standing_row(group)
        ordered = [standing] + [r for r in group if r is not standing]
        notes, srcs = [], []
        for row in ordered:
            anchor, text = section_of(row)
            if row is standing:
                notes += openai_row_note(row, text)
            src = source(f"{base}#{anchor}", title, retrieved)
            if src not in srcs:
                srcs.append(src)
        if len(group) > 1:
            if model in OPENAI_DUPLICATES:
                notes.append(OPENAI_DUPLICATES[model])
            else:
                notes.append(f"Listed twice in the {standing['announced']} notice, in the "
                             f"base-model table and in the fine-tuning table (fine-tuned "
                             f"{model} models), both with {standing['shutdown']}.")
        out.append(entry("openai", model, announced=standing["announced"],
                         deprecated=standing["deprecated"], shutdown=standing["shutdown"],
                         replacements=replacements_for(group, standing), notes=notes,
                         sources=srcs))
    return out


def bedrock_entries(path: Path) -> list[dict]:
    meta, rows = meta_for(path), expected_for(path)
    retrieved, base, title = snapshot_date(meta), meta["source_url"], DOCUMENTS["aws-bedrock"][2]
    ids, active_regions, anchors = bedrock_ids(path.read_text(encoding="utf-8"))
    out = []
    for model, group in group_rows(rows).items():
        standing = standing_row(group)
        model_id = ids.get(model) or ids.get(BEDROCK_SAME_MODEL.get(model, ""))
        notes = bedrock_row_note(standing)
        if len(group) > 1:
            notes.insert(0, bedrock_regions_note(group))
        if model_id and model_id in active_regions:
            regions = active_regions[model_id]
            where = f" ({', '.join(regions)})" if regions else ""
            notes.append(f"The Active models table of the same page still lists {model_id}"
                         f"{where}.")
        section = "legacy" if "Legacy versions" in (standing.get("notes") or "") else "eol"
        anchor = anchors.get(section)
        srcs = [source(f"{base}#{anchor}" if anchor else base, title, retrieved)]
        out.append(entry("aws-bedrock", model_id or model,
                         display_name=model if model_id else "",
                         announced=standing["announced"], deprecated=standing["deprecated"],
                         shutdown=standing["shutdown"],
                         replacements=replacements_for(group, standing), notes=notes,
                         sources=srcs))
    return out


GEMINI_DUPLICATES = {
    "veo-3.0-generate-preview": "The 2025-10-15 release notes announced the shutdown for "
                                "2025-11-06; the 2025-11-11 notes moved it to 2025-11-12, which "
                                "stands.",
    "veo-3.0-fast-generate-preview": "The 2025-10-15 release notes announced the shutdown for "
                                     "2025-11-06; the 2025-11-11 notes moved it to 2025-11-12, "
                                     "which stands.",
    "gemini-embedding-exp-03-07": "The 2025-07-14 release notes gave 2025-08-14 (when "
                                  "gemini-embedding-001 became the stable version); the "
                                  "2025-09-16 notes said October 2025, which stands.",
}


def gemini_entries(path: Path) -> list[dict]:
    meta, rows = meta_for(path), expected_for(path)
    retrieved, base = snapshot_date(meta), meta["source_url"]
    title = DOCUMENTS["google-gemini"][2]
    sections = gemini_sections(path.read_text(encoding="utf-8"))
    out = []
    for model, group in group_rows(rows).items():
        standing = standing_row(group)
        notes = gemini_row_note(standing)
        if len(group) > 1:
            notes.append(GEMINI_DUPLICATES[model])
        srcs = []
        days = [r["announced"] for r in sorted(group, key=lambda r: r["announced"], reverse=True)]
        if standing["shutdown"] and standing["shutdown"] not in days:
            days.append(standing["shutdown"])
        needle = model.replace(" (tuning)", "")
        for day in days:
            if day not in sections:
                continue
            anchor, text = sections[day]
            if day not in (r["announced"] for r in group) and needle not in text:
                continue
            srcs.append(source(f"{base}#{anchor}", title, retrieved))
        shutdown, precision = standing["shutdown"], "day"
        if shutdown is None and "month only" in (standing.get("notes") or ""):
            m = re.search(r"in (\w+), (\d{4})", standing["notes"])
            shutdown = date(int(m.group(2)), MONTHS[m.group(1).lower()], 1).isoformat()
            precision = "month"
        out.append(entry("google-gemini", model, kind="feature" if "(tuning)" in model else None,
                         display_name="Model tuning on Gemini 1.5 Flash 001"
                         if "(tuning)" in model else "",
                         announced=standing["announced"], deprecated=standing["deprecated"],
                         shutdown=shutdown, precision=precision,
                         replacements=replacements_for(group, standing), notes=notes,
                         sources=srcs))
    return out


def cohere_entries(path: Path) -> list[dict]:
    meta, rows = meta_for(path), expected_for(path)
    retrieved, base, title = snapshot_date(meta), meta["source_url"], DOCUMENTS["cohere"][2]
    out = []
    for model, group in group_rows(rows).items():
        standing = standing_row(group)
        kind = "model" if model.endswith("fine-tuned models") else None
        out.append(entry("cohere", model, kind=kind, announced=standing["announced"],
                         deprecated=standing["deprecated"], shutdown=standing["shutdown"],
                         replacements=replacements_for(group, standing),
                         notes=cohere_row_note(standing),
                         sources=[source(base, title, retrieved)]))
    return out


# ----------------------------------------------------------------------------- peer records

def unglue(value: str | None) -> list[str]:
    """Split the peer's glued replacement cells ("gpt-image-1orgpt-image-1-mini")."""
    if not value:
        return []
    parts = re.split(r"(?<=[0-9a-z])or(?=[a-z])|,\s*|\s+or\s+", value.replace("*", ""))
    return [p.strip() for p in parts if p.strip()]


VERTEX_IMAGEN = re.compile(r"imagen-4\.0-(?:\w+-)?generate-(?:preview-\d\d-\d\d|\d{3})")


def peer_entries(path: Path, vendor_models: dict[str, set[str]], retrieved_feed: str,
                 report: list[str]) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        records = json.load(fh)
    out = []
    covered: dict[str, int] = {}
    for rec in records:
        vendor = PEER_VENDOR.get(rec["provider"])
        model = rec["model_id"]
        label = f"{rec['provider']}/{model}"
        if vendor is None:
            continue
        if vendor in ("openai", "cohere") and model in vendor_models[vendor]:
            covered[vendor] = covered.get(vendor, 0) + 1
            continue  # the vendor document has it (ground truth)
        if vendor == "cohere" and "," in model:
            report.append(f"dropped {label}: one record for many names; the Cohere document has "
                          "the models (classify and rerank are fine-tuning retirements), and the "
                          "peer's shutdown date 2025-09-15 is the deprecation date")
            continue
        if vendor == "cohere" and "finetuned" in model.lower():
            report.append(f"dropped {label}: the Cohere document has it as 'command-r-03-2024 "
                          "fine-tuned models' (peer's announcement date is the shutdown date)")
            continue
        ann, shut = rec["announcement_date"] or None, rec["shutdown_date"] or None
        ctx = re.sub(r"\s+", " ", rec.get("deprecation_context") or "").strip()
        srcs = [source(rec["url"], PEER_TITLES[vendor], rec["scraped_at"][:10]),
                source(FEED_URL, FEED_TITLE, retrieved_feed)]
        common = {"sources": srcs}
        if vendor == "openai":
            notes = ["Announced after the stored copy of OpenAI's page was taken; facts from "
                     "deprecations.info's record of OpenAI's page."]
            if model == "chatgpt-4o-latest":
                notes = ["OpenAI's deprecations page gives 17 February 2026 as the shutdown date; "
                         "the French and English press reported 16 February. Announced after the "
                         "stored copy of OpenAI's page was taken; facts from deprecations.info's "
                         "record of OpenAI's page."]
            out.append(entry(vendor, model, announced=ann, deprecated=ann, shutdown=shut,
                             replacements=unglue(rec["replacement_model"]), notes=notes, **common))
        elif vendor == "cohere":
            # 2025-01-31 "Default Classify endpoint": the page says "deprecated", not shut down.
            out.append(entry(vendor, "Classify endpoint with default Embed models",
                             kind="feature", announced=None, deprecated=ann, shutdown=None,
                             replacements=["Fine-tuned Embed models"],
                             notes=["After 2025-01-31 the Classify endpoint can no longer be used "
                                    "with the default Embed models, only with a fine-tuned Embed "
                                    "model. Cohere calls this a deprecation; shutdown date not "
                                    "announced."], **common))
            report.append(f"fixed {label}: peer shutdown {shut} is the deprecation date "
                          "(shutdown left empty); identifier made descriptive (the peer's "
                          "slug is not a Cohere name)")
        elif vendor == "anthropic":
            notes = ["Retirement date from Anthropic's deprecations page as recorded by "
                     "deprecations.info."]
            if not ann:
                notes.append("deprecations.info records no announcement date.")
            out.append(entry(vendor, model, announced=ann, deprecated=ann, shutdown=shut,
                             replacements=unglue(rec["replacement_model"]), notes=notes,
                             **common))
        elif vendor == "azure":
            if ann == shut or not shut:
                report.append(f"dropped {label}: no usable retirement date")
                continue
            aliases = {"Command R": ["Cohere-command-r"],
                       "Command R+": ["Cohere-command-r-plus"]}.get(model, [])
            stage = ("deprecation" if model == "Gretel-Navigator-Tabular" else "legacy")
            notes = [f"Retirement date from Azure AI Foundry's model retirement table; the "
                     f"announcement date is Azure's {stage} date for it (as deprecations.info "
                     f"records it)."]
            out.append(entry(vendor, model, aliases=aliases, announced=ann, shutdown=shut,
                             replacements=unglue(rec["replacement_model"]), notes=notes,
                             **common))
        elif vendor == "google-vertex":
            out.extend(vertex_entries(rec, ctx, ann, shut, common, report))
    for vendor, count in sorted(covered.items()):
        report.append(f"skipped {count} {vendor} records: the {vendor} document has the model")
    return out


def vertex_entries(rec, ctx, ann, shut, common, report) -> list[dict]:
    model = rec["model_id"]
    label = f"Google Vertex/{model}"
    if model.startswith("Imagen 4 Preview"):
        found = VERTEX_IMAGEN.findall(ctx)
        previews = [m for m in found if "preview" in m]
        ga = [m for m in found if "preview" not in m]
        report.append(f"fixed {label}: split into {len(previews)} model entries, replacement "
                      f"taken from the text (peer: {rec['replacement_model']!r}), announcement "
                      f"date {ann} dropped (not in the text)")
        out = []
        for preview in previews:
            twin = preview.replace("-preview-06-06", "-001")
            out.append(entry("google-vertex", preview, announced=None, shutdown=shut,
                             replacements=[twin] if twin in ga else ga,
                             notes=["Imagen 4 preview model retiring on 2025-11-30; Google asks "
                                    "to move to the generally available Imagen 4 models "
                                    "before then. Announcement date not given."], **common))
        return out
    if model.startswith("Imagen subject"):
        report.append(f"fixed {label}: replacement 'Gemini 2' -> 'Gemini 2.5 Flash Image' "
                      f"(truncated by the peer), announcement date {ann} dropped (not in text)")
        return [entry("google-vertex", model, kind="feature", announced=None, shutdown=shut,
                      replacements=["Gemini 2.5 Flash Image"],
                      notes=["Subject-model and style-model tuning for Imagen is removed; Google "
                             "recommends Gemini 2.5 Flash Image, which covers most use cases "
                             "that needed fine-tuning. Announcement date not given."],
                      **common)]
    if model.startswith("Generative AI module"):
        report.append(f"fixed {label}: replacement 'Google Gen AI SDK' taken from the text")
        return [entry("google-vertex", model, kind="feature", announced=ann, deprecated=ann,
                      shutdown=shut, replacements=["Google Gen AI SDK"],
                      notes=["The Generative AI module of the Vertex AI SDK is deprecated from "
                             "2025-06-24 and removed on 2026-06-24; migrate to the Google Gen AI "
                             "SDK."], **common)]
    report.append(f"dropped {label}: not understood")
    return []


# ----------------------------------------------------------------------------- cross-checks

# Anthropic's own IDs -> the Bedrock row for the same model (the dates differ per platform)
ANTHROPIC_ON_BEDROCK = {
    "claude-3-opus-20240229": "Claude 3 Opus",
    "claude-3-7-sonnet-20250219": "Claude 3.7 Sonnet",
    "claude-3-5-sonnet-20240620": "Claude 3.5 Sonnet v1",
    "claude-3-5-sonnet-20241022": "Claude 3.5 Sonnet v2",
    "claude-3-sonnet-20240229": "Claude 3 Sonnet",
    "claude-2.0": "Claude v2",
    "claude-2.1": "Claude v2.1",
    "claude-instant-1.2": "Claude Instant",
    "claude-1.3": "Claude v1.3",
}


def cross_notes(entries: list[dict]) -> None:
    by_key = {(e["vendor"], e["identifier"]): e for e in entries}
    by_name = {(e["vendor"], e["display_name"] or e["identifier"]): e for e in entries}
    for anthropic_id, bedrock_name in ANTHROPIC_ON_BEDROCK.items():
        own, bedrock = by_key.get(("anthropic", anthropic_id)), by_name.get(("aws-bedrock",
                                                                            bedrock_name))
        if not own or not bedrock or own["shutdown"] == bedrock["shutdown"]:
            continue
        own["notes"].append(f"On Amazon Bedrock ({bedrock_name}) the end-of-life date is "
                            f"{bedrock['shutdown']}.")
        bedrock["notes"].append(f"Anthropic's own API retires {anthropic_id} on "
                                f"{own['shutdown']}.")
    # a recommended replacement that has a shutdown date of its own
    for e in entries:
        retiring: OrderedDict = OrderedDict()
        for repl in e["replacements"]:
            other = by_key.get((e["vendor"], repl))
            if other and other["shutdown"] and other is not e:
                retiring.setdefault(other["shutdown"], []).append(repl)
        for when, names in retiring.items():
            if len(names) == 1:
                e["notes"].append(f"The recommended {names[0]} has its own shutdown date: "
                                  f"{when}.")
            else:
                listed = ", ".join(names[:-1]) + " and " + names[-1]
                e["notes"].append(f"The recommended {listed} have their own shutdown date: "
                                  f"{when}.")


def finish(e: dict, report: list[str]) -> dict:
    if e["announced"] and e["shutdown"] and e["shutdown"] < e["announced"]:
        report.append(f"{e['vendor']}/{e['identifier']}: shutdown {e['shutdown']} before "
                      f"announced {e['announced']}; announced dropped")
        e["notes"].append(f"The source gives {e['announced']} as the announcement date, after "
                          "the shutdown date; that announcement date is left out.")
        e["announced"] = None
    if e["shutdown"] is None and not any("not announced" in n for n in e["notes"]):
        e["notes"].append("Shutdown date not announced.")
    e["notes"] = " ".join(n.strip() for n in e["notes"] if n.strip())
    return e


# ----------------------------------------------------------------------------- main

def build(sources_dir: Path) -> tuple[dict, list[dict], list[str]]:
    report: list[str] = []
    docs = {slug: find_one(sources_dir / folder, pattern)
            for slug, (folder, pattern, _title) in DOCUMENTS.items()}
    builders = {"openai": openai_entries, "aws-bedrock": bedrock_entries,
                "google-gemini": gemini_entries, "cohere": cohere_entries}
    entries: list[dict] = []
    expected_triples: list[dict] = []
    snapshots = []
    for slug, path in docs.items():
        snapshots.append(snapshot_date(meta_for(path)))
        for row in expected_for(path):
            assert EXPECTED_VENDOR[row["vendor"]] == slug, row
            expected_triples.append({"vendor": slug, "model": row["model"],
                                     "announced": row["announced"],
                                     "shutdown": row["shutdown"],
                                     "file": f"{path.parent.name}/{expected_path(path).name}"})
        entries += builders[slug](path)

    feed = find_one(sources_dir / "aggregator", "*_feed_*.xml")
    retrieved_feed = snapshot_date(meta_for(feed))
    snapshots.append(retrieved_feed)
    records = find_one(sources_dir / "aggregator", "*_records_*.json")
    vendor_models = {v: {r["model"] for r in expected_for(docs[v])} for v in ("openai", "cohere")}
    entries += peer_entries(records, vendor_models, retrieved_feed, report)

    cross_notes(entries)
    entries = [finish(e, report) for e in entries]
    entries.sort(key=lambda e: (e["vendor"], e["identifier"].casefold(), e["identifier"]))
    seen = set()
    for e in entries:
        key = (e["vendor"], e["identifier"])
        if key in seen:
            raise SystemExit(f"build_catalogue: duplicate entry {key}")
        seen.add(key)
    data = OrderedDict([
        ("as_of", max(snapshots)),
        ("vendors", sorted(VENDORS, key=lambda v: v["slug"])),
        ("entries", entries),
    ])
    expected_triples.sort(key=lambda t: (t["vendor"], t["model"], t["announced"] or "",
                                         t["shutdown"] or ""))
    return data, expected_triples, report


def dumps(data) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False, sort_keys=False) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sources_dir", type=Path, help="folder of the stored source documents")
    parser.add_argument("--expected-pairs", type=Path, metavar="PATH",
                        help="also write the (vendor, model, shutdown) rows of the expected files "
                             "here (the test fixture)")
    parser.add_argument("--report", action="store_true",
                        help="print what was fixed or dropped from the peer records to stderr")
    args = parser.parse_args(argv)
    data, triples, report = build(args.sources_dir)
    sys.stdout.buffer.write(dumps(data).encode("utf-8"))
    if args.expected_pairs:
        args.expected_pairs.parent.mkdir(parents=True, exist_ok=True)
        args.expected_pairs.write_text(dumps(triples), encoding="utf-8")
    if args.report:
        for line in report:
            print(line, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
