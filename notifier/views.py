"""Pages of a subscription: subscribe, confirm, manage, unsubscribe, and the private feed.

Every link in an email carries a signed token (``notifier.tokens``); a tampered or foreign
token gets a 400 page and changes nothing. The one-click unsubscribe endpoint (RFC 8058) is
CSRF-exempt on purpose: mail providers POST to it with no cookie and no form token.
"""

from __future__ import annotations

import functools
import logging
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from depcal import limits as depcal_limits
from depcal.limits import throttled
from deprecations import clock, queries
from notifier import calendars, limits, models, subscriptions, tasks, tokens
from notifier.channels import BadChannel, lifecycle
from notifier.forms import MODEL_NAME, ManageForm, SubscribeForm

log = logging.getLogger(__name__)


def _send_soon(delivery) -> None:
    """Hand a fresh ledger row to the sender once the transaction has committed."""
    if delivery is not None:
        tasks.send_pending.delay_on_commit(only_ids=[delivery.pk])


def _in_their_language(request, subscriber) -> None:
    """The pages of a subscription speak the language its emails are in (a French email's
    link opens a French page on an English browser), unless the reader chose one with the
    language switcher."""
    if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) in dict(settings.LANGUAGES):
        return
    if subscriber.language in dict(settings.LANGUAGES):
        translation.activate(subscriber.language)
        request.LANGUAGE_CODE = subscriber.language


def _with_unmatched(url: str, names: list[str]) -> str:
    """``url`` carrying the followed models that select nothing yet, for the next page to
    say so (a typo like ``gpt-4oo`` is accepted: the model may simply not be announced)."""
    unmatched = queries.unmatched_models(names)
    if not unmatched:
        return url
    return url + ("&" if "?" in url else "?") + urlencode([("unmatched", n) for n in unmatched])


def _unmatched(request) -> list[tuple[str, list[str]]]:
    """The names a page was told match nothing, each with the closest published names."""
    names = [n for n in queries.model_words(request.GET.getlist("unmatched"))
             if MODEL_NAME.match(n)]
    return list(queries.closest_names(names, limit=3).items()) if names else []


def _bad_token(request, error: tokens.BadToken):
    return render(request, "notifier/bad_link.html",
                  {"message": str(error), "expired": error.expired, "used": error.used},
                  status=410 if error.used else 400)


def _by_link(purpose: str):
    """A page reached by an emailed link: the view gets the subscriber the link's token names
    (and speaks their language); a tampered or expired token gets the bad-link page. Never
    kept by a browser's or a proxy's cache: the page shows the address and its private links."""
    def decorate(view):
        @never_cache
        @functools.wraps(view)
        def by_token(request, token):
            try:
                subscriber = tokens.read(token, purpose)
            except tokens.BadToken as error:
                return _bad_token(request, error)
            _in_their_language(request, subscriber)
            return view(request, subscriber)
        return by_token
    return decorate


@require_http_methods(["GET", "POST"])
def subscribe(request):
    form = SubscribeForm(request.POST or None,
                         initial=SubscribeForm.initial_from_query(request.GET))
    if request.method == "POST" and form.is_valid():
        if not limits.client_allowed(request):
            return render(request, "notifier/subscribe.html", {"form": form, "limited": True},
                          status=429)
        # Recorded and answered by email in the worker: the page is the same, in the same
        # time, whether the address is new, pending, confirmed or stopped.
        tasks.request_subscription.delay_on_commit(form.cleaned_data["email"], form.choices())
        return redirect(_with_unmatched(reverse("notifier:subscribe_sent"),
                                        form.cleaned_data["models"]))
    return render(request, "notifier/subscribe.html", {"form": form},
                  status=400 if form.is_bound else 200)


@require_safe
def subscribe_sent(request):
    return render(request, "notifier/subscribe_sent.html", {"unmatched": _unmatched(request)})


def _manage_url(subscriber) -> str:
    return reverse("notifier:manage", args=[tokens.make(subscriber, tokens.MANAGE)])


@require_http_methods(["GET", "POST"])
@_by_link(tokens.CONFIRM)
def confirm(request, subscriber):
    if request.method == "POST":
        _send_soon(subscriptions.confirm_subscription(subscriber, now=timezone.now(),
                                                      today=clock.today()))
        subscriber.refresh_from_db()  # confirming gave it a new link key
        return redirect(_manage_url(subscriber) + "?welcome=1")
    manage_url = _manage_url(subscriber)
    return render(request, "notifier/confirm.html", {
        "subscriber": subscriber, "manage_url": manage_url,
        "confirmed": subscriber.status == models.Subscriber.Status.CONFIRMED})


@require_http_methods(["GET", "POST"])
@_by_link(tokens.MANAGE)
def manage(request, subscriber):
    action = request.POST.get("action", "save")
    form = ManageForm(initial=ManageForm.initial_for(subscriber))
    shown = {}  # what is shown once: a new webhook's secret, a new API token
    if request.method == "POST" and action in CHANNEL_ACTIONS and subscriber.is_active:
        result = CHANNEL_ACTIONS[action](request, subscriber)
        if not isinstance(result, dict):
            return result
        shown = result
    elif request.method == "POST":
        if action == "unsubscribe":
            subscriptions.unsubscribe(subscriber, now=timezone.now())
            return render(request, "notifier/unsubscribed.html", {"subscriber": subscriber})
        if action == "reset-feed":
            subscriptions.reset_feed_token(subscriber)
            return redirect(request.path + "?feed=reset")
        form = ManageForm(request.POST)
        if form.is_valid():
            subscriptions.set_choices(subscriber, **form.choices())
            return redirect(_with_unmatched(request.path + "?saved=1",
                                            form.cleaned_data["models"]))
    subscriber.refresh_from_db()
    feed_url = settings.SITE_URL + reverse("notifier:private_feed",
                                           args=[subscriber.feed_token])
    return render(request, "notifier/manage.html", {
        "subscriber": subscriber, "form": form, "saved": "saved" in request.GET,
        "welcome": "welcome" in request.GET, "feed_reset": "feed" in request.GET,
        "unmatched": _unmatched(request),
        "feed_url": feed_url, "webcal_url": "webcal://" + feed_url.split("://", 1)[-1],
        "channels": subscriber.channels.all(), "api_token": _api_token(subscriber),
        "channel_limit": lifecycle.MAX_CHANNELS, "done": request.GET.get("done", ""), **shown,
    }, status=400 if form.errors or shown.get("channel_error") else 200)


# Channels and the watch-list token, on the manage page. Each action answers a redirect, or
# what the page shows once (a secret is never put in a URL).

def _api_token(subscriber):
    return models.ApiToken.objects.filter(subscriber=subscriber).first()


def _test_allowed(subscriber) -> bool:
    """Test messages a subscription may send per hour (each is a request to a host its owner
    chose, made by this server)."""
    return depcal_limits.hit("channel-test", str(subscriber.pk), limit=CHANNEL_TESTS_PER_HOUR,
                             window=3600)


def _add_channel(request, subscriber):
    url = request.POST.get("url", "")[:2000]
    if not _test_allowed(subscriber):
        return {"channel_error": _("Too many test messages in the last hour; try later."),
                "channel_url": url}
    try:
        channel = lifecycle.add(subscriber, url, now=timezone.now())
    except BadChannel as exc:
        return {"channel_error": str(exc), "channel_url": url}
    outcome = lifecycle.test(channel, now=timezone.now(), today=clock.today())
    return {"added": channel, "tested": outcome}


def _test_channel(request, subscriber):
    channel = subscriber.channels.filter(pk=_number(request.POST.get("channel"))).first()
    if channel is None:
        return redirect(request.path)
    if not _test_allowed(subscriber):
        return {"channel_error": _("Too many test messages in the last hour; try later.")}
    return {"tested": lifecycle.test(channel, now=timezone.now(), today=clock.today())}


def _remove_channel(request, subscriber):
    channel = subscriber.channels.filter(pk=_number(request.POST.get("channel"))).first()
    if channel is not None:
        lifecycle.remove(channel)
    return redirect(request.path + "?done=removed")


def _new_token(request, subscriber):
    return {"new_token": subscriptions.new_api_token(subscriber, now=timezone.now())}


def _revoke_token(request, subscriber):
    subscriptions.revoke_api_token(subscriber)
    return redirect(request.path + "?done=revoked")


def _number(value) -> int | None:
    return int(value) if value and value.isascii() and value.isdigit() and len(value) < 19 else None


CHANNEL_TESTS_PER_HOUR = 10
CHANNEL_ACTIONS = {"add-channel": _add_channel, "test-channel": _test_channel,
                   "remove-channel": _remove_channel, "new-token": _new_token,
                   "revoke-token": _revoke_token}


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
@_by_link(tokens.UNSUBSCRIBE)
def unsubscribe(request, subscriber):
    """GET shows a confirm page and changes nothing (link scanners GET every URL); POST,
    with or without ``List-Unsubscribe=One-Click``, unsubscribes and answers 200."""
    if request.method == "POST":
        subscriptions.unsubscribe(subscriber, now=timezone.now())
        return render(request, "notifier/unsubscribed.html", {"subscriber": subscriber})
    return render(request, "notifier/unsubscribe.html", {
        "subscriber": subscriber,
        "unsubscribed": subscriber.status == models.Subscriber.Status.UNSUBSCRIBED})


@require_safe
@throttled("feeds", "DEPCAL_FEED_RATE")
def private_feed(request, token):
    """The calendar of one subscription's filters, at an unguessable, resettable URL."""
    subscriber = models.Subscriber.objects.filter(
        feed_token=token, status=models.Subscriber.Status.CONFIRMED).first()
    if subscriber is None:
        raise Http404("No such feed.")
    vendors, names = subscriber.follows()
    feed_filter = calendars.FeedFilter(vendors=vendors, models=names)
    response = calendars.serve(
        request, feed_filter, name=calendars.feed_title(feed_filter),
        description=calendars.feed_description(feed_filter) + " (private feed of your depcal "
        "alerts)")
    response["X-Robots-Tag"] = "noindex"
    return response
