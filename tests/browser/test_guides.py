"""The paths people come for, in a real browser: the feeds of what a page shows, a page that
does not exist, the tables and the timeline on a phone, French, and the review queue."""

from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.helpers import axe_blocking, retirement_path, subscriber_links

# Every cell of every table: its text in the accessibility tree, whether its label shows,
# and the column header at its place (the header row is not shown on a phone).
CELLS = """() => [...document.querySelectorAll('main table')].flatMap(table => {
    const heads = [...table.querySelectorAll('thead th')].map(th => th.textContent.trim());
    return [...table.querySelectorAll('tbody tr')].flatMap(tr =>
        [...tr.children].map((cell, i) => {
            const label = cell.querySelector('.cell-label');
            const box = label && label.getBoundingClientRect();
            return {column: heads[i], label: label ? label.textContent.trim() : null,
                    shown: !!box && box.width > 0 && box.height > 0
                           && getComputedStyle(label).visibility === 'visible',
                    row: tr.querySelector('th code').textContent};
        }));
})"""


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_at_390px_every_cell_names_its_column_to_the_eye_and_to_a_screen_reader(site,
                                                                               open_page):
    page = open_page(PHONE)
    page.goto(site.url + "/")
    cells = page.evaluate(CELLS)
    assert len(cells) > 50
    unnamed = [c for c in cells if c["label"] != c["column"] or not c["shown"]]
    assert unnamed == []
    # what a screen reader is given: the cell's text in the accessibility tree starts with
    # its column's name (checked on every row of the first month, and on the headers)
    first = page.locator("main section.month").first
    for row in first.locator("tbody tr").all():
        for cell in row.locator("th, td").all():
            column = cell.locator(".cell-label").text_content()
            assert column in cell.aria_snapshot(), cell.inner_html()
    # on a wide screen the header row names the columns and the cells do not repeat them
    wide = open_page(DESKTOP)
    wide.goto(site.url + "/")
    expect(wide.locator("main table thead").first).to_be_visible()
    assert not any(c["shown"] for c in wide.evaluate(CELLS))


def test_a_model_search_gives_the_calendar_atom_and_api_of_that_model(site, page):
    page.goto(site.url + "/?q=gpt-4o")
    box = page.locator("section.subscribe")
    feed = box.locator("input#subscribe-url").input_value()
    atom = box.locator("a.feed-atom").get_attribute("href")
    api = box.locator("a.feed-api").get_attribute("href")
    webcal = box.locator("a[href^='webcal:']").get_attribute("href")
    for url in (feed, atom, api, webcal):
        assert _query(url) == {"model": ["gpt-4o"]}, url
    head = {t: page.locator(f"head link[rel=alternate][type='{t}']").get_attribute("href")
            for t in ("application/atom+xml", "text/calendar")}
    assert head == {"application/atom+xml": atom, "text/calendar": feed}
    listed = {c.strip() for c in page.locator("main table tbody th code").all_text_contents()}
    assert listed and all(name.startswith("gpt-4o") for name in listed), listed
    calendar = page.request.get(feed).text()
    assert {line.split(":", 1)[1].split()[0] for line in calendar.splitlines()
            if line.startswith("SUMMARY:")} == listed
    assert {r["identifier"] for r in page.request.get(api).json()["results"]} >= {
        n for n in listed}
    assert page.request.get(atom).status == 200

    # reminders: pick one, and the feed's address carries it (the filters stay)
    # By keyboard: the box comes after the month tables, which are laid out only when
    # scrolled near (content-visibility), so a pointer aimed just after the scroll can land
    # on a neighbour as they take their real height (seen once in CI, under load).
    choice = box.get_by_label("30 and 7 days before")
    choice.focus()
    page.keyboard.press("Space")
    expect(choice).to_be_checked()
    box.get_by_role("button", name="Update the links").press("Enter")
    page.wait_for_url("**alarms=30%2C7*")
    feed = page.locator("input#subscribe-url").input_value()
    assert _query(feed) == {"model": ["gpt-4o"], "alarms": ["30", "7"]}
    expect(page.locator("#f-model")).to_have_value("gpt-4o")
    assert "BEGIN:VALARM" in page.request.get(feed).text()


def test_a_missing_page_has_the_sites_navigation_and_a_search_that_works(site, open_page):
    for scheme in ("light", "dark"):
        page = open_page(PHONE, scheme)
        response = page.goto(site.url + "/vendors/nope/")
        assert response.status == 404
        expect(page.locator("h1")).to_have_text("Page not found")
        nav = page.get_by_role("navigation", name="Main")
        for name in ("Calendar", "Archive", "Get email alerts"):
            expect(nav.get_by_role("link", name=name)).to_be_visible()
        expect(page.get_by_role("navigation", name="Feeds and data")).to_be_visible()
        assert axe_blocking(page) == []
    page.get_by_label("Find a model or API").fill("chatgpt-4o-latest")
    page.get_by_role("button", name="Find").click()
    page.wait_for_url("**/?model=chatgpt-4o-latest")
    expect(page.locator("main table tbody th code").first).to_have_text("chatgpt-4o-latest")


def test_timeline_marks_never_overlap_and_each_is_named(site, open_page):
    for viewport in (PHONE, DESKTOP):
        page = open_page(viewport)
        for path in ("/", "/vendors/openai/", retirement_path("chatgpt-4o-latest")):
            page.goto(site.url + path)
            overlaps = page.evaluate("""() => [...document.querySelectorAll('g.tl-row')]
                .flatMap(row => {
                    const boxes = [...row.querySelectorAll('circle.tl-mark')]
                        .map(c => c.getBoundingClientRect());
                    return boxes.flatMap((a, i) => boxes.slice(i + 1).filter(b =>
                        a.left < b.right && b.left < a.right && a.top < b.bottom
                        && b.top < a.bottom).map(() => i));
                })""")
            assert overlaps == [], f"{path} at {viewport['width']}px"
            marks = page.locator("svg a:has(circle.tl-mark), svg g[role=img]:has(circle)")
            names = [m.get_attribute("aria-label") for m in marks.all()]
            assert names and all(names), f"{path}: {names}"
            counts = page.locator("svg text.tl-count").all_text_contents()
            clusters = [n for n in names if " dates: " in n]
            assert sorted(int(n.split()[0]) for n in clusters) == sorted(map(int, counts))
    page = open_page(DESKTOP)
    page.goto(site.url + "/")
    assert page.locator("svg text.tl-count").count() > 0  # the shipped catalogue has clusters


def test_a_clusters_count_fits_inside_its_mark_and_can_be_read(site, open_page):
    for viewport in (PHONE, DESKTOP):
        page = open_page(viewport)
        for path in ("/", "/vendors/azure/", "/vendors/google-gemini/"):
            page.goto(site.url + path)
            spilling = page.evaluate("""() => [...document.querySelectorAll('text.tl-count')]
                .map(t => [t.textContent, t.getBoundingClientRect(),
                           t.previousElementSibling.getBoundingClientRect()])
                .filter(([, text, mark]) => text.left < mark.left || text.right > mark.right)
                .map(([count]) => count)""")
            assert spilling == [], f"{path} at {viewport['width']}px"
            # a count on a hollow (tentative) mark is drawn in the text colour, not the
            # background's, which it would lie on
            hollow = page.evaluate("""() => [...document.querySelectorAll(
                    'circle.tl-tentative + text.tl-count')]
                .map(t => [getComputedStyle(t).fill,
                           getComputedStyle(document.body).backgroundColor])""")
            assert all(fill != background for fill, background in hollow), path


def test_french_pages_cells_and_the_subscribers_own_pages(site, open_page):
    page = open_page(PHONE, locale="fr-FR")
    page.goto(site.url + "/")
    assert {c["label"] for c in page.evaluate(CELLS)} == {
        "Modèle ou API", "Fournisseur", "Arrêt", "Échéance", "Remplacement"}
    footer = page.get_by_role("navigation", name="Flux et données")
    expect(footer.get_by_role("link", name="D'où viennent les dates")).to_be_visible()
    response = page.goto(site.url + "/no/such/page/")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Page introuvable")
    # a French subscriber's link opened on an English browser
    links = subscriber_links("ada@example.com", confirmed=True, language="fr")
    english = open_page(PHONE, locale="en-US")
    for path, heading in ((links["manage"], "Vos alertes"),
                          (links["unsubscribe"], "Se désabonner")):
        english.goto(site.url + path)
        expect(english.locator("h1")).to_have_text(heading)
        assert english.evaluate("document.documentElement.lang") == "fr"


@pytest.mark.parametrize("width", [390, 1280])
def test_today_is_never_cut_off_on_an_entry_timeline_in_french(site_all_past, open_page, width):
    page = open_page({"width": width, "height": 900}, locale="fr-FR")
    for identifier in ("chatgpt-4o-latest", "gpt-4-0314"):
        page.goto(site_all_past.url + retirement_path(identifier))
        label = page.locator("text.tl-today-label")
        expect(label).to_have_text("aujourd'hui")
        frame = page.locator("figure.timeline svg").bounding_box()
        box = label.bounding_box()
        assert frame["x"] - 1 <= box["x"] and box["x"] + box["width"] <= (
            frame["x"] + frame["width"] + 1), (identifier, box, frame)


@pytest.fixture
def review_queue(site):
    """Notices waiting for review, and a logged-in admin."""
    from django.contrib.auth import get_user_model

    from deprecations.models import Source
    from deprecations.sources import reconcile
    from deprecations.sources.records import Record

    tracker = Source.objects.create(slug="tracker", name="A tracker", url="https://t.example/",
                                    authority=Source.Authority.SECONDARY)
    records = [Record(model=f"future-model-{i}", shutdown=date(2026, 6, i + 1), vendor="OpenAI",
                      source_text=f"future-model-{i} retires on 2026-06-{i + 1:02d}, say the "
                                  "release notes in a long sentence " * 3,
                      replacements=("gpt-5.1", "gpt-5.1-mini"))
               for i in range(12)]
    reconcile.reconcile(tracker, records, today=date(2026, 1, 18))
    get_user_model().objects.create_superuser("admin", password="correct horse battery")
    return site


def _log_in(page, site):
    page.goto(site.url + "/admin/login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")


def test_the_review_queue_is_compact_at_1280px_and_a_rows_button_does_the_review(
        review_queue, open_page):
    page = open_page(DESKTOP)
    _log_in(page, review_queue)
    page.goto(review_queue.url + "/admin/deprecations/notice/?review=queue")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(12)
    heights = [r.bounding_box()["height"] for r in rows.all()]
    assert max(heights) <= 75, heights  # four lines at most
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    assert page.evaluate("""() => { const t = document.querySelector('#result_list');
        return t.scrollWidth <= t.parentElement.clientWidth; }""")  # no scrolling inside
    row = rows.filter(has_text="future-model-3")
    row.get_by_role("button", name="Approve future-model-3").click()
    page.wait_for_url("**review=queue")
    expect(page.locator(".messagelist .success")).to_have_text(
        "Notice future-model-3 (OpenAI): approved by admin: published as a new entry.")
    expect(rows).to_have_count(11)
    page.goto(review_queue.url + "/admin/deprecations/notice/?review=applied")
    expect(page.locator("#result_list tbody tr")).to_contain_text("approved by admin")
