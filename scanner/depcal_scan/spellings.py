"""How code spells a catalogue name: the grammar of one token around it.

A token is a run of letters, digits and the six characters ``- . _ : / @`` that model ids are
spelled with. Code seldom writes a name alone: routers and SDKs put a provider in front
(LiteLLM's ``anthropic/claude-3-5-sonnet-20240620``, ``vertex_ai/...``, ``bedrock/...``,
``azure/...``; OpenRouter's ``openrouter/openai/gpt-4o``; Gemini's ``models/...``), Vertex AI
writes a dated version after ``@`` (``claude-3-5-sonnet@20240620``), and Bedrock wraps the
name in a provider, a version, a cross-region inference profile and an ARN
(``arn:aws:bedrock:us-east-1::foundation-model/us.anthropic.claude-3-5-sonnet-20240620-v1:0``).
All of those spell the catalogue's name; a name inside any other token does not
(``my-gpt-4o-fork``, ``providers/gpt-4o``, ``gpt-4o-mini``). The spelling also says whose
name it is: ``platform`` tells which platform a prefix, an ``@`` version or a Bedrock id
names (``gemini/gemini-2.5-pro`` is the Gemini API's, not Vertex AI's), and a name written
as its maker's API spells it names none.

This module writes that grammar as RE2 syntax: ``PREFIX`` (what may stand before a name),
``SUFFIX`` (what may follow it) and ``variants`` (other spellings of the name itself). The
lists are the spellings of the routers and platforms in wide use; a name a vendor publishes
under another spelling belongs in the catalogue as an alias.
"""

from __future__ import annotations

import re

# The platforms whose own spellings this grammar knows, as depcal vendor slugs.
AZURE, BEDROCK, GEMINI_API, VERTEX = "azure", "aws-bedrock", "google-gemini", "google-vertex"

# Token characters, as an RE2 class body and as Python's test.
TOKEN_CLASS = r"\pL\pN_.:/@\-"
PUNCTUATION = "-._:/@"
TRAILING = ".:"  # ending a token, a run of these reads as punctuation: "use gpt-4o."

# Written as "NAME/" before a model id: LiteLLM's provider ids, OpenRouter's and Hugging
# Face's vendor slugs, and the resource words of Gemini and Vertex AI paths; each with the
# vendor whose API it names, as a depcal vendor slug (one depcal does not follow keeps a slug
# of its own, which has no entries). None: a router or a path word that leaves the choice to
# what follows ("openrouter/openai/gpt-4o" is OpenAI's gpt-4o, "models/gemini-..." bare).
ROUTES = {
    "ai21": "ai21", "anthropic": "anthropic", "azure": AZURE, "azure_ai": AZURE,
    "azure_text": AZURE, "bedrock": BEDROCK, "cerebras": "cerebras", "cohere": "cohere",
    "cohere_chat": "cohere", "converse": None, "databricks": "databricks",
    "deepinfra": "deepinfra", "deepseek": "deepseek", "fireworks_ai": "fireworks",
    "friendliai": "friendliai", "gemini": GEMINI_API, "github": "github",
    "google": GEMINI_API, "groq": "groq", "huggingface": "huggingface", "invoke": None,
    "litellm_proxy": None, "meta-llama": "meta", "microsoft": "microsoft",
    "mistral": "mistral", "mistralai": "mistral", "models": None, "nvidia": "nvidia",
    "nvidia_nim": "nvidia", "ollama": "ollama", "ollama_chat": "ollama", "openai": "openai",
    "openrouter": None, "palm": GEMINI_API, "perplexity": "perplexity",
    "publishers": VERTEX, "qwen": "alibaba", "replicate": "replicate",
    "sagemaker": "sagemaker", "sambanova": "sambanova", "text-completion-openai": "openai",
    "together_ai": "together", "vertex_ai": VERTEX, "vertex_ai_beta": VERTEX,
    "watsonx": "watsonx", "x-ai": "xai", "xai": "xai",
}
ROUTERS = tuple(ROUTES)
# Bedrock: the geography of a cross-region inference profile ("us.anthropic...") and the
# provider part of a model id ("anthropic.claude-...", "cohere.command-r-v1:0").
BEDROCK_REGIONS = ("apac", "au", "ca", "eu", "global", "jp", "us", "us-gov")
BEDROCK_PROVIDERS = ("ai21", "amazon", "anthropic", "cohere", "deepseek", "meta", "mistral",
                     "openai", "qwen", "stability", "writer")
BEDROCK_ARN = (r"arn:aws[a-z\-]*:bedrock:[a-z0-9\-]*:[0-9]*:"
               r"(?:foundation-model|inference-profile|application-inference-profile|"
               r"provisioned-model|custom-model)/")
VERTEX_PATH = r"projects/[\pL\pN_.\-]+/locations/[\pL\pN_.\-]+/"

# Bedrock's version after a name ("-v1:0", "-v2"), with a context-window variant (":200k").
BEDROCK_VERSION = r"-v[0-9]+(?::[0-9]+)?"
CONTEXT_WINDOW = r":(?:[0-9]+k|mm)"
VERSIONED = re.compile(BEDROCK_VERSION + "$")

# A dated snapshot "NAME-20240620" (or "-001") is written "NAME@20240620" on Vertex AI.
DATED = re.compile(r"^(.+)-([0-9]{8}|[0-9]{3})$")


def alternatives(words) -> str:
    """An RE2 alternation of ``words``, longest first (so the longest name wins)."""
    return "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))


# What may stand before a name, fewest parts first (so a name that is itself a Bedrock id
# wins over a shorter one under a prefix).
PREFIX = ("(?:"
          f"(?:{alternatives(ROUTERS)})/"
          f"|(?:{alternatives(BEDROCK_REGIONS)})\\."
          f"|(?:{alternatives(BEDROCK_PROVIDERS)})\\."
          f"|{BEDROCK_ARN}|{VERTEX_PATH}"
          ")*?")


# Parts of a prefix as written: an ARN, a Vertex AI resource path, "NAME/" or "NAME.".
_PREFIX_PART = re.compile(r"arn:[^/]*/|projects/[^/]+/locations/[^/]+/|[^/.]+[/.]")
# A Bedrock model id as a whole: provider, dot, model, version ("cohere.command-r-v1:0").
BEDROCK_ID = re.compile(rf"^[a-z0-9]+\.[^/@]+{BEDROCK_VERSION}(?:{CONTEXT_WINDOW})?$")


def platform(prefix: str, spelled: str, name: str, tail: str) -> str | None:
    """The platform a token names by how it is written (a depcal vendor slug), or None.

    The token is ``prefix + spelled + tail``, ``spelled`` being how it writes the catalogue's
    ``name`` (the name itself or a variant). The first part of the prefix that names a
    platform decides (``bedrock/us.anthropic.`` is Bedrock's, ``openrouter/openai/`` OpenAI's);
    then Vertex AI's ``@`` and Bedrock's version or model id. None: the name as its maker's own
    API spells it.
    """
    for part in _PREFIX_PART.findall(prefix):
        if part.startswith("arn:") or part.endswith("."):  # an ARN, a region, a provider
            return BEDROCK
        if part.startswith("projects/"):
            return VERTEX
        if routed := ROUTES.get(part[:-1]):
            return routed
    if "@" in spelled:
        return VERTEX
    if tail or BEDROCK_ID.match(name):
        return BEDROCK
    return None


def suffix(name: str) -> str:
    """What may follow ``name`` in the same token: a Bedrock version unless it has one."""
    if VERSIONED.search(name):
        return f"(?:{CONTEXT_WINDOW})?"
    return f"(?:{BEDROCK_VERSION}(?:{CONTEXT_WINDOW})?)?"


def variants(name: str) -> list[str]:
    """Other spellings of ``name`` itself: ``claude-3-5-sonnet@20240620`` for the dated one."""
    dated = DATED.match(name)
    return [f"{dated[1]}@{dated[2]}"] if dated else []


def is_token_char(ch: str) -> bool:
    return ch.isalnum() or ch in PUNCTUATION


def is_token(name: str) -> bool:
    return bool(name) and all(is_token_char(ch) for ch in name)
