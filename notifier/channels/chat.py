"""Chat channels: Slack, Teams, Discord, Mattermost, Matrix, Google Chat, ntfy, Telegram and
more, each by its Apprise URL (``slack://T.../B.../X...``, ``discord://ID/TOKEN``,
``ntfy://host/topic``); Apprise's plugins speak each service's API.

Apprise makes its own requests (its plugins call ``requests.post``), so the guard is applied
where they all pass: while one message is sent, ``requests.Session.get_adapter`` hands every
session *in this context* the collector's guarded adapter (``_Route``, through
``channels.http.guarded``) instead of its own. Each connection then resolves its host once,
checks every address (unless ``DEPCAL_CHANNELS_ALLOW_PRIVATE``), connects to the checked one,
and the message's deadline shuts its sockets; proxies from the environment are dropped; each
answer is recorded and at most ``http.MAX_READ`` bytes of it are read, so that a 429's
``Retry-After``, a 5xx and a 4xx mean for a chat what they mean for a webhook. The plugin's
``notify`` runs in the calling thread, and other threads (and this one outside a send) keep
requests' own adapters.

Only services whose Apprise plugins speak HTTP through requests are accepted (``SERVICES``,
checked by a test against the installed Apprise): an Apprise URL for mail, XMPP, MQTT, IRC,
syslog or the desktop would open connections no check sees, so it is refused.
"""

from __future__ import annotations

import contextvars

import requests
from apprise import Apprise, AppriseAsset, NotifyFormat
from django.conf import settings

from deprecations import weburl
from deprecations.sources import fetch
from deprecations.weburl import RefusedURL
from notifier.channels import http
from notifier.channels.errors import BadChannel

# Apprise's plugin modules (under ``apprise.plugins``) that may be used, with the service's
# name as pages show it.
SERVICES = {
    "slack": "Slack",
    "workflows": "Microsoft Teams",
    "discord": "Discord",
    "mattermost": "Mattermost",
    "matrix.base": "Matrix",
    "google_chat": "Google Chat",
    "ntfy": "ntfy",
    "telegram": "Telegram",
    "rocketchat": "Rocket.Chat",
    "zulip": "Zulip",
    "webexteams": "Webex",
    "gotify": "Gotify",
    "pushover": "Pushover",
}

_route: contextvars.ContextVar[_Route | None] = contextvars.ContextVar("depcal_channel_route",
                                                                        default=None)


class _Route:
    """Stands in for every adapter of every requests session while a message is sent."""

    def __init__(self, adapter):
        self.adapter = adapter
        self.answers: list[http.Outcome] = []
        self.error: http.Outcome | None = None  # a request that raised instead of answering

    def send(self, request, **kwargs):
        kwargs["proxies"] = {}  # a proxy would connect where no check sees
        kwargs["timeout"] = settings.DEPCAL_CHANNELS_TIMEOUT
        try:
            response = self.adapter.send(request, **kwargs)
            body = fetch.read_capped(response, http.MAX_READ)
        except (RefusedURL, requests.RequestException, ValueError) as exc:
            self.error = http.failure(exc)
            raise requests.ConnectionError(self.error.error) from exc
        # What requests' Session.send would have read itself: the capped body, kept as the
        # response's content (private to requests, and stable for years).
        response._content = body or b""
        self.answers.append(http.judge(response.status_code, response.headers, body))
        return response

    def close(self):
        self.adapter.close()


def _get_adapter(session, url, _original=requests.Session.get_adapter):
    route = _route.get()
    return route if route is not None else _original(session, url)


requests.Session.get_adapter = _get_adapter


def _asset() -> AppriseAsset:
    # Nothing on disk (Apprise would otherwise cache in the user's directories).
    return AppriseAsset(storage_mode="memory")


def _plugin(url: str):
    try:
        weburl.check_characters(url)
    except RefusedURL as exc:
        raise BadChannel(str(exc)) from exc
    plugin = Apprise.instantiate(url, asset=_asset())
    if plugin is None:
        raise BadChannel("not an Apprise URL depcal can read (e.g. slack://TOKEN_A/TOKEN_B/"
                         "TOKEN_C, discord://WEBHOOK_ID/TOKEN, ntfy://ntfy.sh/TOPIC), nor an "
                         "http(s) URL for a webhook")
    module = type(plugin).__module__.removeprefix("apprise.plugins.")
    if module not in SERVICES:
        raise BadChannel(f"{url.partition('://')[0]}:// is not one of the services depcal "
                         f"sends to: {', '.join(sorted(set(SERVICES.values())))}")
    return plugin


def check(url: str) -> str:
    """How the channel is shown (Apprise's URL with its secrets hidden); ``BadChannel`` if
    it is not a URL of an accepted service, or names a private address literally."""
    plugin = _plugin(url)
    address = weburl.literal_address(str(getattr(plugin, "host", "") or ""))
    if address is not None and not settings.DEPCAL_CHANNELS_ALLOW_PRIVATE:
        try:
            weburl.check_address(str(address))
        except RefusedURL as exc:
            raise BadChannel(str(exc)) from exc
    return plugin.url(privacy=True).split("/?", 1)[0][:300]


def send(channel, message, *, shared: dict | None = None) -> http.Outcome:
    """Post ``message`` (``content.Message``) to the chat, as Markdown; never raises."""
    try:
        plugin = _plugin(channel.url)
    except BadChannel as exc:
        return http.Outcome(http.REFUSED, str(exc))
    title, text = message.chat()
    with http.guarded() as (session, guard):
        route = _Route(session.get_adapter("https://"))
        token = _route.set(route)
        try:
            sent = plugin.notify(body=text, title=title, body_format=NotifyFormat.MARKDOWN)
        except Exception as exc:  # a plugin's own bug must not stop the sender
            sent, route.error = False, http.failure(exc)
        finally:
            _route.reset(token)
        expired = guard.expired
    return _outcome(bool(sent), route, expired)


def _outcome(sent: bool, route: _Route, expired: bool) -> http.Outcome:
    if sent:
        return http.Outcome(http.ACCEPTED)
    if expired:
        return http.late(settings.DEPCAL_CHANNELS_DEADLINE)
    if route.error is not None:
        return route.error
    refused = [a for a in route.answers if not a.accepted]
    if refused:
        return refused[-1]
    return http.Outcome(http.REFUSED, "the service's plugin refused the message (Apprise "
                                      "gave no reason; check the URL)")
