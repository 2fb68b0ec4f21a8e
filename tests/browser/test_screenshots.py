"""Screenshots of the home and an entry page (390 and 1280 px, light and dark) into
``screenshots/`` (ignored by git); the timeline's legibility, and the room kept by month tables
not yet drawn, at phone, tablet and desktop widths.

``DEPCAL_DOCS_SCREENSHOTS=1`` also copies the two the README shows to ``docs/screenshots/``.
"""

import os
import shutil

import pytest

from tests.browser.conftest import DESKTOP, PHONE, ROOT, SCREENSHOTS
from tests.browser.helpers import retirement_path

DOCS = ROOT / "docs" / "screenshots"
FOR_THE_README = {"home-1280-light.png", "entry-390-dark.png"}
MIN_TEXT_PX = 11  # the smallest text of the timeline, in CSS pixels on screen


def test_screenshots_of_home_and_an_entry(site, open_page):
    SCREENSHOTS.mkdir(exist_ok=True)
    pages = {"home": "/", "entry": retirement_path("chatgpt-4o-latest")}
    made = []
    for scheme in ("light", "dark"):
        for viewport in (PHONE, DESKTOP):
            page = open_page(viewport, scheme)
            for name, path in pages.items():
                page.goto(site.url + path)
                shot = SCREENSHOTS / f"{name}-{viewport['width']}-{scheme}.png"
                page.screenshot(path=shot)  # the first screen
                page.screenshot(path=shot.with_name(shot.stem + "-full.png"), full_page=True)
                made.append(shot)
    assert all(p.stat().st_size > 10_000 for p in made)
    if os.environ.get("DEPCAL_DOCS_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        for shot in made:
            if shot.name in FOR_THE_README:
                shutil.copyfile(shot, DOCS / shot.name)
                assert (DOCS / shot.name).stat().st_size < 300_000


TIMELINE_TEXT = """() => [...document.querySelectorAll('figure.timeline svg')].map(svg => {
    const scale = svg.getScreenCTM().a, frame = svg.getBoundingClientRect();
    const shown = [...svg.querySelectorAll('text')].filter(
        t => getComputedStyle(t).display !== 'none');
    return {
        sizes: shown.map(t => [t.textContent, parseFloat(getComputedStyle(t).fontSize) * scale]),
        outside: shown.filter(t => {
            const r = t.getBoundingClientRect();
            return r.left < frame.left - 1 || r.right > frame.right + 1 || r.top < frame.top - 1;
        }).map(t => t.textContent),
        ticks: shown.filter(t => t.classList.contains('tl-tick')).map(t => {
            const r = t.getBoundingClientRect();
            return [t.textContent, r.left, r.right];
        }),
    };
})"""


SPILLING_MONTHS = """() => [...document.querySelectorAll('section.month')].map(s => {
    const rows = s.querySelectorAll('tbody tr'), last = rows[rows.length - 1];
    return [s.querySelector('h2, h3').textContent,
            last.getBoundingClientRect().bottom - s.getBoundingClientRect().bottom];
}).filter(([, over]) => over > 0)"""


@pytest.mark.parametrize("locale", ["en-US", "fr-FR"])
@pytest.mark.parametrize("width", [390, 768, 1280])
def test_the_timeline_stays_legible(site, open_page, width, locale):
    page = open_page({"width": width, "height": 900}, locale=locale)
    # Month tables off screen are not laid out (content-visibility) but keep the room of
    # their rows, so no tool that measures them finds them spilling onto the next month.
    for path in ("/", "/vendors/openai/", "/vendors/aws-bedrock/", "/past/"):
        page.goto(site.url + path)
        assert page.evaluate(SPILLING_MONTHS) == [], f"{path} at {width}px"
    for path in ("/", "/vendors/openai/", retirement_path("chatgpt-4o-latest")):
        page.goto(site.url + path)
        for svg in page.evaluate(TIMELINE_TEXT):
            small = [(text, round(px, 1)) for text, px in svg["sizes"] if px < MIN_TEXT_PX]
            assert small == [], f"{path} at {width}px: text too small: {small}"
            assert svg["outside"] == [], f"{path} at {width}px: text cut off: {svg['outside']}"
            ticks = sorted(svg["ticks"], key=lambda t: t[1])
            overlaps = [(a[0], b[0]) for a, b in zip(ticks, ticks[1:], strict=False)
                        if b[1] < a[2]]
            assert overlaps == [], f"{path} at {width}px: tick labels overlap: {overlaps}"
