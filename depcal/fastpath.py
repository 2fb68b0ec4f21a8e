"""Public feeds answered from memory before the rest of the middleware.

Calendar apps poll ``/calendar.ics`` and feed readers ``/changes.atom`` forever, for answers
that change only with the catalogue. The first time a process answers such a request in full
(every middleware and the view: host check, query string cleaning, rate limit, rendering or
the shared cache, security headers), it keeps that answer, headers included, keyed by what the
answer depends on: path, raw query string, scheme, the catalogue version
(``deprecations.version``) and today's date. The same request again is answered here from that
copy: the host is still checked, the per-client rate limit still counted, and a matching
If-None-Match or If-Modified-Since gets a 304 before any body is touched.

Only answers every client may share are kept: status 200 to a GET, ``Cache-Control: public``,
no cookie set, no Vary beyond Accept-Encoding and Origin, and requests without an Origin
header (CORS answers depend on it). Private feeds (``/calendar/<token>.ics``) never come here: their
subscription can change without the catalogue changing. With Django's DummyCache (no
caching, as ``bench feeds`` uses to measure renders) nothing is kept here either.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpResponse
from django.utils.cache import cc_delim_re, get_conditional_response
from django.utils.http import parse_http_date_safe

from depcal import limits
from deprecations import clock, version

PATHS = frozenset({"/calendar.ics", "/changes.atom"})
MAX_ANSWERS = 64  # per process: a full feed is ~160 KB, filtered ones far less
# Requests with an Origin header never come here, so answers that vary on it (CORS) are the
# same for every request that does.
SHAREABLE_VARY = frozenset({"accept-encoding", "origin"})
# Not repeated on a 304: they describe a body that is not sent.
CONDITIONAL_HEADERS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")
BODY_HEADERS = frozenset({"content-type", "content-length", "content-encoding"})


@dataclass(frozen=True)
class Answer:
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...]  # all but Content-Type, as the full stack sent them
    etag: str | None
    last_modified: int | None


class FeedFastPathMiddleware:
    """First in MIDDLEWARE: answers repeated public feed requests from this process's copy."""

    def __init__(self, get_response):
        if isinstance(caches["default"], DummyCache):
            raise MiddlewareNotUsed("a cache that keeps nothing: no copies either")
        self.get_response = get_response
        self.answers: OrderedDict[tuple, Answer] = OrderedDict()
        self.lock = threading.Lock()  # threaded workers (gthread) share one copy

    def __call__(self, request):
        if (request.path_info not in PATHS or request.method not in ("GET", "HEAD")
                or "HTTP_ORIGIN" in request.META):
            return self.get_response(request)
        request.get_host()  # ALLOWED_HOSTS, as the full stack would check it
        key = (request.path_info, request.META.get("QUERY_STRING", ""), request.is_secure(),
               version.current(), clock.today())
        answer = self.answers.get(key)
        if answer is None:
            return self._answer_in_full(request, key)
        with self.lock, contextlib.suppress(KeyError):  # another thread may have dropped it
            self.answers.move_to_end(key)
        scope, setting = limits.FEEDS  # as the views' ``throttled``
        try:
            limits.check(scope, request, getattr(settings, setting, None))
        except limits.Limited as limited:
            return limits.too_many(limited.retry_after)
        return replay(request, answer)

    def _answer_in_full(self, request, key: tuple):
        """Through the whole stack; a GET is asked unconditionally, so that a client that
        always revalidates still leaves a copy to answer the next ones from."""
        if request.method != "GET":
            return self.get_response(request)
        conditions = {name: request.META.pop(name) for name in CONDITIONAL_HEADERS
                      if name in request.META}
        response = self.get_response(request)
        request.META.update(conditions)
        if not shareable(response):
            return conditional(request, response) if conditions else response
        answer = self._keep(key, response)
        return replay(request, answer) if conditions else response

    def _keep(self, key: tuple, response) -> Answer:
        headers = tuple((name, value) for name, value in response.items()
                        if name.lower() != "content-type")
        last_modified = response.get("Last-Modified")
        answer = Answer(
            body=response.content, content_type=response["Content-Type"], headers=headers,
            etag=response.get("ETag"),
            last_modified=parse_http_date_safe(last_modified) if last_modified else None)
        with self.lock:
            self.answers[key] = answer
            while len(self.answers) > MAX_ANSWERS:
                self.answers.popitem(last=False)
        return answer


def shareable(response) -> bool:
    """May this answer be given to any other client asking the same?"""
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if response.has_header("Content-Encoding"):  # the key does not hold Accept-Encoding
        return False
    control = {d.strip().split("=")[0].lower()
               for d in cc_delim_re.split(response.get("Cache-Control", ""))}
    if "public" not in control or control & {"private", "no-store", "no-cache"}:
        return False
    vary = {v.strip().lower() for v in cc_delim_re.split(response.get("Vary", "")) if v.strip()}
    return vary <= SHAREABLE_VARY


def replay(request, answer: Answer) -> HttpResponse:
    # Django's own rules (RFC 9110 section 13): a 304, or a 412 for a failed If-Match.
    decided = get_conditional_response(request, etag=answer.etag,
                                       last_modified=answer.last_modified)
    if decided is not None:
        for name, value in answer.headers:
            if name.lower() not in BODY_HEADERS:
                decided[name] = value
        return decided
    # HEAD: the headers of GET (Content-Length included) without the bytes.
    response = HttpResponse(b"" if request.method == "HEAD" else answer.body,
                            content_type=answer.content_type)
    for name, value in answer.headers:
        response[name] = value
    return response


def conditional(request, response):
    """What the full stack would have answered to the conditional request."""
    last_modified = response.get("Last-Modified")
    return get_conditional_response(
        request, etag=response.get("ETag"), response=response,
        last_modified=parse_http_date_safe(last_modified) if last_modified else None)

