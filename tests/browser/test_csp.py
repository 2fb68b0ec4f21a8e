"""The Content-Security-Policy in a real browser: every page, the admin and the API docs work
under it with no violation (their CSS and scripts load, the admin's JavaScript runs, Swagger UI
draws the schema), and an injected inline script would be refused."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.browser.helpers import page_types

# Runs before any page script (through the browser's DevTools protocol, which the CSP does not
# govern) and records every violation the page reports.
COLLECT = """window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));"""
PASSWORD = "correct-Horse-battery-9"


def violations(page) -> list[str]:
    return page.evaluate("window.__csp")


def test_every_page_type_runs_under_the_csp_with_its_css(site, page):
    page.add_init_script(COLLECT)
    problems = {}
    for name, url in page_types(site.url).items():
        page.goto(url)
        # depcal.css applied: the skip link is moved off screen by it
        if page.evaluate("getComputedStyle(document.querySelector('.skip')).position") \
                != "absolute":
            problems[name] = ["depcal.css not applied"]
        if violations(page):
            problems[name] = violations(page)
    assert problems == {}


def test_the_admin_works_under_the_csp(site, page):
    get_user_model().objects.create_superuser("boss", password=PASSWORD)
    page.add_init_script(COLLECT)
    page.goto(site.url + "/admin/login/")
    page.locator("#id_username").fill("boss")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/")
    page.goto(site.url + "/admin/deprecations/retirement/")
    # actions.js: "select all" ticks every row and counts them
    page.locator("#action-toggle").check()
    expect(page.locator("input.action-select:checked").first).to_be_checked()
    expect(page.locator(".action-counter")).to_contain_text("selected")
    page.goto(site.url + "/admin/deprecations/source/add/")
    # prepopulate.js / the admin's own scripts loaded without a violation
    expect(page.locator("#id_slug")).to_be_visible()
    assert violations(page) == []


def test_the_api_docs_draw_the_schema_under_the_csp(site, page):
    page.add_init_script(COLLECT)
    page.goto(site.url + "/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("depcal API")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    assert violations(page) == []


def test_an_injected_inline_script_is_refused(site, page):
    page.add_init_script(COLLECT)
    page.goto(site.url + "/")
    page.evaluate("""() => { const s = document.createElement('script');
        s.textContent = 'window.__ran = true'; document.body.append(s); }""")
    assert page.evaluate("window.__ran === undefined")
    assert any(v.startswith("script-src") for v in violations(page))
