"""Subscribe -> confirm -> manage -> unsubscribe in a real browser. The subscribe form is
filled with the keyboard only (Tab, Shift+Tab, Space, arrow keys, Enter), and every stop shows a
visible focus indicator. Mail is captured in Django's outbox; the test follows its links."""

import re

from django.core import mail
from playwright.sync_api import expect

from notifier.models import Subscriber

LINK = re.compile(r"https?://\S+")


def focused(page) -> dict:
    """What has the keyboard focus, and whether it is drawn (an outline of 2px or more)."""
    return page.evaluate("""() => {
        const el = document.activeElement, style = getComputedStyle(el);
        const box = el.getBoundingClientRect();
        return {tag: el.tagName.toLowerCase(), id: el.id, cls: el.className,
                name: el.name || "", type: el.type || "", value: el.value || "",
                outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
                visible: box.width > 0 && box.height > 0 && box.right > 0 && box.left < innerWidth};
    }""")


def tab_to(page, predicate, *, limit=40, key="Tab") -> dict:
    """Press Tab until the focused element matches; every stop must show its focus."""
    for _ in range(limit):
        page.keyboard.press(key)
        now = focused(page)
        assert now["outline"] and now["visible"], f"focus not visible on {now}"
        if predicate(now):
            return now
    raise AssertionError(f"never reached the element; last focus: {now}")


def links_in(message) -> list[str]:
    return LINK.findall(message.body)


def test_subscribe_with_the_keyboard_confirm_manage_and_unsubscribe(site, page):
    page.goto(site.url + "/")
    # The skip link comes first, shows itself, and jumps past the header.
    skip = tab_to(page, lambda f: True)
    assert "skip" in skip["cls"]
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"
    # The header link to the alerts page, reached backwards from the content.
    tab_to(page, lambda f: f["tag"] == "a" and "subscribe" in page.evaluate(
        "document.activeElement.getAttribute('href')"), key="Shift+Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/subscribe/")

    # A wrong address first: the error is tied to its field.
    tab_to(page, lambda f: f["id"] == "id_email")
    page.keyboard.type("ada.example.com")
    tab_to(page, lambda f: f["tag"] == "button" and f["type"] == "submit")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    email = page.locator("#id_email")
    expect(email).to_have_attribute("aria-invalid", "true")
    described = email.get_attribute("aria-describedby").split()
    errors = " ".join(page.locator(f"#{i}").inner_text() for i in described)
    assert "valid email address" in errors
    expect(page.get_by_label("Email address")).to_have_value("ada.example.com")

    # Now right, and with choices: OpenAI only, two models, 180 days too, a daily digest.
    page.goto(site.url + "/subscribe/")
    tab_to(page, lambda f: f["id"] == "id_email")
    page.keyboard.type("ada@example.com")
    tab_to(page, lambda f: f["name"] == "vendors" and f["value"] == "openai")
    page.keyboard.press("Space")
    tab_to(page, lambda f: f["id"] == "id_models")
    page.keyboard.type("chatgpt-4o-latest, gpt-4")
    tab_to(page, lambda f: f["name"] == "lead_times" and f["value"] == "180")
    page.keyboard.press("Space")
    radio = tab_to(page, lambda f: f["name"] == "digest")
    assert radio["value"] == "weekly"  # the checked radio of the group takes the focus
    page.keyboard.press("ArrowDown")
    assert focused(page)["value"] == "daily"
    tab_to(page, lambda f: f["tag"] == "button" and f["type"] == "submit")
    page.keyboard.press("Enter")
    page.wait_for_url("**/subscribe/sent/")
    expect(page.locator("h1")).to_be_visible()

    subscriber = Subscriber.objects.get(email="ada@example.com")
    assert subscriber.status == Subscriber.Status.PENDING
    assert subscriber.follows() == (("openai",), ("chatgpt-4o-latest", "gpt-4"))
    assert subscriber.lead_times == [180, 90, 30, 7, 1] and subscriber.digest == "daily"

    # The confirmation email: follow its link, confirm with the keyboard too.
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]
    confirm = [u for u in links_in(mail.outbox[0]) if "/subscribe/confirm/" in u]
    assert confirm and confirm[0].startswith(site.url)
    page.goto(confirm[0])
    tab_to(page, lambda f: f["tag"] == "button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/manage/**?welcome=1")
    expect(page.locator("p.notice[role=status]")).to_be_visible()
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED
    assert len(mail.outbox) == 2  # the welcome message

    # Manage: the choices are shown as saved; change one and save.
    expect(page.locator("input[name=vendors][value=openai]")).to_be_checked()
    expect(page.locator("input[name=digest][value=daily]")).to_be_checked()
    expect(page.locator("#id_models")).to_have_value("chatgpt-4o-latest, gpt-4")
    page.locator("input[name=digest][value=weekly]").check()
    page.locator("button[name=action][value=save]").click()
    page.wait_for_url("**?saved=1")
    subscriber.refresh_from_db()
    assert subscriber.digest == "weekly"
    # The private calendar address answers with the subscriber's own feed.
    feed = page.locator("#feed-url").input_value()
    assert feed.startswith(site.url + "/calendar/")
    assert page.request.get(feed).status == 200

    # Unsubscribe from the welcome message's link (a GET changes nothing; the button does).
    welcome = mail.outbox[1]
    unsubscribe = welcome.extra_headers["List-Unsubscribe"].strip("<>")
    assert unsubscribe in links_in(welcome)
    page.goto(unsubscribe)
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED
    expect(page.locator("main a[href='/subscribe/']")).to_be_visible()  # "subscribe again"
    assert page.request.get(feed).status == 404
