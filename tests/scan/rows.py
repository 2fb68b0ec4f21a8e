"""Catalogue rows in the export / API shape, for the scanner's pure tests."""


def row(identifier="chatgpt-4o-latest", *, vendor="openai", vendor_name="OpenAI",
        shutdown_on="2026-02-17", replacements=("gpt-5.1-chat-latest",), aliases=(),
        status="scheduled", tentative=False, platform=False, pk=1):
    return {
        "id": pk,
        "vendor": {"slug": vendor, "name": vendor_name, "is_platform": platform},
        "identifier": identifier,
        "aliases": list(aliases),
        "status": status,
        "shutdown_on": shutdown_on,
        "tentative": tentative,
        "replacement": replacements[0] if replacements else "",
        "replacements": list(replacements),
        "url": f"https://depcal.example/vendors/{vendor}/{pk}/",
    }


def document(*rows):
    return {"count": len(rows), "next": None, "previous": None, "results": list(rows)}
