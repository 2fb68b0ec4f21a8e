"""Every kind of page, light and dark, phone and desktop: no axe-core violation of impact
serious or critical (contrast included), and no horizontal scrolling at 390 px."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.helpers import axe_blocking, page_types, scroll_width


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_type_passes_axe_and_fits_a_phone(site, open_page, scheme):
    urls = page_types(site.url)
    phone, desktop = open_page(PHONE, scheme), open_page(DESKTOP, scheme)
    assert phone.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (
        scheme == "dark")
    problems = {}
    for name, url in urls.items():
        for page in (phone, desktop):
            page.goto(url)
            found = axe_blocking(page)
            if page is phone and scroll_width(page) > PHONE["width"]:
                found.append(f"scrolls sideways: scrollWidth {scroll_width(page)}")
            if found:
                problems[f"{name} at {page.viewport_size['width']}px"] = found
    # The pages reached by a form: errors on the subscribe form, and "unsubscribed".
    for page in (phone, desktop):
        page.goto(urls["subscribe"])
        page.locator("#id_email").fill("not an address")
        page.locator("#id_models").fill("Not A Model!")
        page.locator("form.subscription button[type=submit]").click()
        expect(page.locator("[aria-invalid=true]")).to_have_count(2)
        found = axe_blocking(page)
        if page is phone and scroll_width(page) > PHONE["width"]:
            found.append(f"scrolls sideways: scrollWidth {scroll_width(page)}")
        if found:
            problems[f"subscribe with errors at {page.viewport_size['width']}px"] = found
    phone.goto(urls["unsubscribe"])
    phone.locator("main form button[type=submit]").click()
    phone.wait_for_load_state()
    for page in (phone, desktop):
        if page is desktop:
            page.goto(urls["unsubscribe"])  # now says "you are unsubscribed"
        found = axe_blocking(page)
        if page is phone and scroll_width(page) > PHONE["width"]:
            found.append(f"scrolls sideways: scrollWidth {scroll_width(page)}")
        if found:
            problems[f"unsubscribed at {page.viewport_size['width']}px"] = found
    assert problems == {}


def test_form_fields_are_labelled_and_errors_tied_to_them(site, page):
    page.goto(site.url + "/subscribe/")
    for field in page.locator("form.subscription input:not([type=hidden])").all():
        name = field.evaluate("el => el.labels.length ? el.labels[0].textContent.trim() : ''")
        assert name, field.evaluate("el => el.outerHTML")
    groups = page.locator("form.subscription fieldset")
    assert groups.count() == 3  # vendors, lead times, digest: each with a legend
    assert groups.locator("legend").count() == 3
    page.locator("#id_models").fill("NOT OK!")
    page.locator("#id_email").fill("ada@example.com")
    page.locator("form.subscription button[type=submit]").click()
    models = page.locator("#id_models")
    expect(models).to_have_attribute("aria-invalid", "true")
    described = models.get_attribute("aria-describedby").split()
    assert "id_models_error" in described and "id_models_helptext" in described
    expect(page.locator("#id_models_error")).to_contain_text("Not a model name")
    expect(page.locator("#id_email")).not_to_have_attribute("aria-invalid", "true")


def test_no_page_scrolls_sideways_on_a_phone_in_french(site, open_page):
    """French words are longer; the phone layout must still hold."""
    page = open_page(PHONE, locale="fr-FR")
    wide = {}
    for name, url in page_types(site.url, language="fr").items():
        page.goto(url)
        assert page.evaluate("document.documentElement.lang") == "fr", name
        if scroll_width(page) > PHONE["width"]:
            wide[name] = scroll_width(page)
    assert wide == {}
