"""The language of a request: pages follow the reader, machine-readable URLs never do."""

import re

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

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
