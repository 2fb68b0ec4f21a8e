"""What the browser tests share: axe-core runs, the page types and their addresses."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

BLOCKING_IMPACTS = ("serious", "critical")


def axe_blocking(page) -> list[str]:
    """axe-core's violations of impact serious or critical on the page, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    # Month tables off screen are not rendered (content-visibility: auto), and axe cannot
    # check the colours of what is not rendered: draw everything first (through the CSSOM:
    # the Content-Security-Policy refuses an added <style> element, as it should).
    page.evaluate("""document.querySelectorAll('section.month').forEach(
        s => s.style.setProperty('content-visibility', 'visible', 'important'))""")
    results = Axe().run(page)
    lines = []
    for violation in results.response["violations"]:
        if violation["impact"] in BLOCKING_IMPACTS:
            for node in violation["nodes"][:5]:
                lines.append(f"{violation['id']} ({violation['impact']}): {node['target']} "
                             f"{' '.join(node.get('failureSummary', '').split())[:300]}")
    return lines


def scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def retirement_path(identifier: str, vendor: str = "openai") -> str:
    from deprecations.models import Retirement

    return Retirement.objects.get(offering__identifier=identifier,
                                   offering__vendor__slug=vendor).get_absolute_url()


def subscriber_links(email: str, *, confirmed: bool, language: str = "en") -> dict[str, str]:
    """A subscriber made through the subscription functions (its emails, and so its pages,
    in ``language``), and the paths of its pages."""
    from django.urls import reverse

    from deprecations import clock
    from notifier import models, subscriptions, tokens

    now = timezone.now()
    subscriptions.request_subscription(email, now=now, today=clock.today(),
                                       confirm_interval=timedelta(hours=1), vendors=["openai"],
                                       language=language)
    subscriber = models.Subscriber.objects.get(email=email)
    if confirmed:
        subscriptions.confirm_subscription(subscriber, now=now, today=clock.today())
        subscriber.refresh_from_db()
    return {
        "confirm": reverse("notifier:confirm", args=[tokens.make(subscriber, tokens.CONFIRM)]),
        "manage": reverse("notifier:manage", args=[tokens.make(subscriber, tokens.MANAGE)]),
        "unsubscribe": reverse("notifier:unsubscribe",
                               args=[tokens.make(subscriber, tokens.UNSUBSCRIBE)]),
    }


def page_types(base: str, language: str = "en") -> dict[str, str]:
    """One address per kind of page (the unsubscribed page is reached by a POST); the pages
    of a subscription are those of a subscriber whose emails are in ``language``."""
    pending = subscriber_links("pending@example.com", confirmed=False, language=language)
    confirmed = subscriber_links("confirmed@example.com", confirmed=True, language=language)
    return {
        "home": base + "/",
        "home filtered": base + "/?vendor=openai&model=gpt-4",
        "home matching nothing": base + "/?model=gpt-4oo",
        "archive": base + "/past/",
        "vendor": base + "/vendors/openai/",
        "entry": base + retirement_path("chatgpt-4o-latest"),
        "subscribe": base + "/subscribe/",
        "subscribe sent": base + "/subscribe/sent/",
        "confirm": base + pending["confirm"],
        "confirmed already": base + confirmed["confirm"],
        "manage": base + confirmed["manage"] + "?welcome=1",
        "unsubscribe": base + confirmed["unsubscribe"],
        "bad link": base + "/manage/not-a-token/",
        "not found": base + "/no/such/page/",
        "sources": base + "/sources/",
        "scanner": base + "/scanner/",
    }
