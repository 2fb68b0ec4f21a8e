"""Request middleware: characters no page can use are kept out of query strings, and the
language of a request (pages follow the reader, machine-readable URLs never do)."""

import re

from django.conf import settings
from django.http import QueryDict
from django.middleware.gzip import GZipMiddleware
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from depcal.errors import is_api
from depcal.querytext import UNUSABLE


class QueryStringMiddleware:
    """Control characters are dropped from query strings, as pages and feeds ignore what they
    do not understand. The API is left alone: it is strict about its parameters and answers a
    JSON 400 naming the one that has them (``deprecations.api.serializers``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_api(request) and any(
                UNUSABLE.search(key) or any(UNUSABLE.search(v) for v in values)
                for key, values in request.GET.lists()):
            cleaned = QueryDict(mutable=True)
            for key, values in request.GET.lists():
                cleaned.setlistdefault(UNUSABLE.sub("", key)).extend(
                    UNUSABLE.sub("", v) for v in values)
            cleaned._mutable = False
            request.GET = cleaned
        return self.get_response(request)


# The JSON API, the Atom feed and the iCal feeds: the same bytes (and ETags) for everyone,
# in English, whatever Accept-Language or the language cookie says.
UNTRANSLATED = re.compile(r"^/(api/|changes\.atom$|calendar(/[^/]+)?\.ics$)")


class PageLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware (the set_language cookie, else Accept-Language) for pages;
    the default language, with no ``Vary: Accept-Language``, for the API and the feeds."""

    def process_request(self, request):
        if UNTRANSLATED.match(request.path_info):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
            return
        super().process_request(request)

    def process_response(self, request, response):
        if UNTRANSLATED.match(request.path_info):
            return response
        return super().process_response(request, response)


class HtmlGZipMiddleware(GZipMiddleware):
    """Pages compressed (Django's GZipMiddleware: random bytes in the gzip header against
    BREACH, and CSRF tokens are masked anew on every request). Left alone: everything but
    HTML (feeds keep their ETags byte for byte; static files come compressed from WhiteNoise),
    answers that are private or not to be stored (the admin, forms behind a login), and pages
    reached by a secret token in the URL (subscription management), which show that token next
    to text a visitor may choose: compressed, their length could betray it."""

    def process_response(self, request, response):
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        control = response.get("Cache-Control", "").lower()
        if "private" in control or "no-store" in control:
            return response
        match = getattr(request, "resolver_match", None)
        if match is not None and "token" in match.kwargs:
            return response
        return super().process_response(request, response)
