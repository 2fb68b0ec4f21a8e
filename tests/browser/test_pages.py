"""The catalogue's pages in a real browser: filtering, an entry, the calendar links, and the
site on a day when every shutdown is past."""

from urllib.parse import parse_qs, quote, urlsplit

from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.helpers import axe_blocking, retirement_path, scroll_width


# textContent, not innerText: month tables off screen are not rendered (content-visibility),
# and innerText is empty for what is not rendered.
def _vendor_cells(page) -> list[str]:
    cells = page.locator("main table tbody tr > td:nth-of-type(1) a").all_text_contents()
    return [c.strip() for c in cells]


def _identifiers(page) -> list[str]:
    return [c.strip() for c in page.locator("main table tbody tr > th code").all_text_contents()]


def test_filter_by_vendor_then_search_on_the_home_page(site, page):
    page.goto(site.url + "/")
    everyone = set(_vendor_cells(page))
    assert {"OpenAI", "Anthropic"} <= everyone

    page.locator("#f-vendor").select_option("openai")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url("**/?vendor=openai*")
    assert set(_vendor_cells(page)) == {"OpenAI"}
    assert "chatgpt-4o-latest" in _identifiers(page)
    expect(page.locator("#f-vendor")).to_have_value("openai")  # the choice stays shown

    page.locator("#f-model").fill("chatgpt-4o")
    page.locator("#f-model").press("Enter")
    page.wait_for_url("**model=chatgpt-4o*")
    found = _identifiers(page)
    assert found and all(name.startswith("chatgpt-4o") for name in found), found
    assert "chatgpt-4o-latest" in found
    expect(page.locator("#f-model")).to_have_value("chatgpt-4o")

    page.locator("form.filters a[href='?']").click()  # "Clear"
    page.wait_for_url(site.url + "/?")
    assert set(_vendor_cells(page)) == everyone


def test_an_entry_page_shows_its_dates_and_replacement(site, page):
    page.goto(site.url + "/?q=chatgpt-4o-latest")
    page.locator("main table tbody th a", has_text="chatgpt-4o-latest").first.click()
    page.wait_for_url(site.url + retirement_path("chatgpt-4o-latest"))
    expect(page.locator("h1")).to_have_text("chatgpt-4o-latest")
    expect(page).to_have_title("chatgpt-4o-latest (OpenAI) · AI model and API retirement calendar")
    facts = page.locator("dl.facts")
    expect(facts.locator('time[datetime="2026-02-17"]')).to_have_text("17 February 2026")
    expect(facts.locator('time[datetime="2025-11-18"]')).to_have_count(2)  # announced, deprecated
    expect(facts.locator("dd code")).to_have_text(["gpt-5.1-chat-latest"])
    expect(page.locator(".verdict")).to_have_text("Shuts down in 30 days")
    expect(page.locator(".verdict")).to_have_class("verdict within-30")
    # the timeline names every date for assistive technology
    marks = page.locator("svg circle.tl-mark title").all_text_contents()
    assert "shutdown 17 Feb 2026" in marks
    assert "2 dates: announced 18 Nov 2025; deprecated 18 Nov 2025" in marks  # one day
    sources = page.locator("main h2 + ul.plain a[href^='https://developers.openai.com/']")
    expect(sources).to_have_count(1)


def test_the_calendar_links_subscribe_to_the_right_feed(site, page):
    cases = [("/", "/calendar.ics", "depcal: AI model and API retirements"),
             ("/vendors/openai/", "/calendar.ics?vendor=openai", "depcal: OpenAI retirements"),
             ("/?vendor=openai", "/calendar.ics?vendor=openai", "depcal: OpenAI retirements"),
             (retirement_path("chatgpt-4o-latest"),
              "/calendar.ics?vendor=openai&model=chatgpt-4o-latest",
              "depcal: OpenAI / chatgpt-4o-latest retirements")]
    for path, feed_path, name in cases:
        page.goto(site.url + path)
        box = page.locator("section.subscribe")
        hrefs = box.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
        feed = site.url + feed_path
        webcal = "webcal://" + feed.split("://", 1)[1]
        google = "https://calendar.google.com/calendar/r?cid=" + quote(webcal, safe=":/")
        outlook = [h for h in hrefs if h.startswith("https://outlook.live.com/calendar/0/addfromweb?")]
        assert webcal in hrefs, (path, hrefs)
        assert google in hrefs, (path, hrefs)
        assert len(outlook) == 1, (path, hrefs)
        assert parse_qs(urlsplit(outlook[0]).query) == {"url": [feed], "name": [name]}
        assert parse_qs(urlsplit(google).query)["cid"] == [webcal]
        expect(box.locator("input#subscribe-url")).to_have_value(feed)
        expect(box.locator("a[download]")).to_have_attribute("href", feed)
        response = page.request.get(feed)
        assert response.status == 200 and response.headers["content-type"].startswith(
            "text/calendar")
        assert b"BEGIN:VCALENDAR" in response.body()
    assert b"chatgpt-4o-latest" in response.body()


def test_the_site_works_when_every_shutdown_is_past(site_all_past, open_page):
    for scheme in ("light", "dark"):
        page = open_page(PHONE, scheme)
        page.goto(site_all_past.url + "/")
        expect(page.locator(".soon strong")).to_have_text(["0", "0", "0"])
        expect(page.locator("h2#upcoming + p")).to_be_visible()  # "no upcoming retirement"
        assert page.locator("h2#upcoming + section").count() == 0
        assert "DeepSeek-V4-Flash" in _identifiers(page)  # recently retired (Azure)
        assert scroll_width(page) <= PHONE["width"]
        assert axe_blocking(page) == []
        page.goto(site_all_past.url + retirement_path("DeepSeek-V4-Flash", "azure"))
        expect(page.locator(".verdict")).to_have_text("Shut down 102 days ago")
        assert scroll_width(page) <= PHONE["width"]
        assert axe_blocking(page) == []
        page.goto(site_all_past.url + "/past/")
        assert len(_identifiers(page)) > 20
        assert axe_blocking(page) == []
    page = open_page(DESKTOP)
    page.goto(site_all_past.url + "/past/?page=2")
    expect(page.locator("nav.pager a[rel=prev]")).to_be_visible()
