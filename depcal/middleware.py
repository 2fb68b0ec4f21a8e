"""Request middleware: characters no page can use are kept out of query strings, and the
language of a request (pages follow the reader, machine-readable URLs never do)."""

import re

from django.conf import settings
from django.http import QueryDict
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from depcal.errors import is_api, json_error

# Control characters, and what XML 1.0 cannot carry (U+FFFE, U+FFFF): no slug, model name or
# search needs them, and feeds and PostgreSQL (NUL) cannot take them.
UNUSABLE = re.compile("[\x00-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


class QueryStringMiddleware:
    """Control characters in a query string: a JSON 400 from the API, which is strict about
    its parameters; elsewhere they are dropped, as pages and feeds ignore what they do not
    understand."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any(UNUSABLE.search(key) or any(UNUSABLE.search(v) for v in values)
               for key, values in request.GET.lists()):
            if is_api(request):
                return json_error(400, "invalid_parameters",
                                  "Query parameters may not contain control characters.")
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
