"""The read-only JSON API, ``/api/v1/``: vendors, retirements, one retirement, changes.

Every GET answers with an ETag made from the bytes of the body and ``Cache-Control``, and with
304 to a matching ``If-None-Match``; clients are rate-limited per IP address (DRF's
throttling, ``DEPCAL_API_RATE``); every error is JSON in one shape (``ErrorSerializer``), and a
bad query parameter is a 400 that names it. CORS is opened for these paths in settings.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, F, Q
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag
from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from depcal.clientip import client_key
from deprecations import clock, freshness, queries, status
from deprecations.api import serializers as s
from deprecations.models import Retirement, Vendor

DEFAULT_PAGE_SIZE = 50
# Undated entries last on every database; the id breaks ties so pages never overlap.
ENTRY_ORDER = (F("shutdown_on").asc(nulls_last=True), "offering__identifier", "pk")

ERRORS = {
    400: OpenApiResponse(s.ErrorSerializer, description="A query parameter is not valid."),
    404: OpenApiResponse(s.ErrorSerializer, description="No such page, entry or vendor."),
    429: OpenApiResponse(s.ErrorSerializer, description="Too many requests from this address; "
                                                        "see Retry-After."),
}


class ClientRateThrottle(SimpleRateThrottle):
    """Requests per client IP address; the rate is read from settings on every request."""

    scope = "api"

    def get_rate(self):
        return settings.DEPCAL_API_RATE or None

    def get_ident(self, request):
        return client_key(request)  # the one rule for every limit (DEPCAL_TRUSTED_PROXIES)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def _messages(detail) -> list[str]:
    if isinstance(detail, dict):
        return [m for value in detail.values() for m in _messages(value)]
    if isinstance(detail, list):
        return [m for value in detail for m in _messages(value)]
    return [str(detail)]


def error_handler(exc, context):
    """DRF's handler, with every error body in the one documented shape."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"parameters": exc.detail}
        parameters = {name: _messages(value) for name, value in detail.items()}
        response.data = {
            "status": response.status_code,
            "error": "invalid_parameters",
            "detail": f"Invalid query parameter{'s' if len(parameters) > 1 else ''}: "
                      f"{', '.join(parameters)}. See the API docs at /api/v1/docs.",
            "parameters": parameters,
        }
    else:
        response.data = {
            "status": response.status_code,
            "error": getattr(exc, "default_code", "error"),
            "detail": " ".join(_messages(getattr(exc, "detail", str(exc)))),
        }
    return response


def conditional(request, response, max_age: int):
    """ETag from the body, Cache-Control, and 304 when the client already has these bytes."""
    if request.method not in ("GET", "HEAD") or not 200 <= response.status_code < 300:
        return response
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        response.render()
    if not response.has_header("ETag"):
        set_response_etag(response)
    patch_cache_control(response, public=True, max_age=max_age)
    return get_conditional_response(request, etag=response["ETag"], response=response)


class ReadOnlyMixin:
    """Public, anonymous, throttled per IP, conditional GETs, errors in one JSON shape."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ClientRateThrottle]
    max_age = 60

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.today = clock.today()

    def get_exception_handler(self):
        return error_handler

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        return conditional(request, response, self.max_age)


class Pagination(PageNumberPagination):
    """``page`` and ``page_size`` (1 to 500), strictly: a bad value is a 400, not a guess."""

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = s.MAX_PAGE_SIZE
    invalid_page_message = "Page {page_number} does not exist: {message}"

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        size = _whole_number(raw)
        if size is None or not 1 <= size <= self.max_page_size:
            raise ValidationError({"page_size": [
                f"Must be a whole number from 1 to {self.max_page_size}, not {raw[:20]!r}."]})
        return size

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param, "1")
        number = _whole_number(raw)
        if number is None or number < 1:
            raise ValidationError({"page": [f"Must be a whole number, 1 or more, "
                                            f"not {raw[:20]!r}."]})
        return number

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for p in parameters:
            if p["name"] == self.page_query_param:
                p["schema"]["minimum"] = 1
            elif p["name"] == self.page_size_query_param:
                p["schema"].update(minimum=1, maximum=self.max_page_size,
                                   default=self.page_size)
        return parameters


def _whole_number(raw: str) -> int | None:
    """A plain decimal number (no sign, no underscores, no other scripts' digits), or None."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 100 else None


def _validated(serializer_class, request) -> dict:
    """The query parameters, checked; a parameter given blank (``?since=``) is an error,
    except free text and the repeatable filters, which ignore blanks as the calendar does."""
    params = request.query_params
    serializer = serializer_class(data=params)
    errors = {
        name: ["May not be blank: give a value or leave the parameter out."]
        for name, field in serializer.fields.items()
        if name in params and not params[name].strip()
        and not isinstance(field, serializers.ListField) and not getattr(field, "allow_blank", 0)
    }
    if not serializer.is_valid():
        errors = {**serializer.errors, **errors}
    if errors:
        raise ValidationError(errors)
    return serializer.validated_data


def _vendors_exist(filters: dict) -> dict:
    """``vendor=`` must name vendors that exist (a misspelt slug would otherwise answer an
    empty list that looks right): else a 404 naming it and listing the vendors, as the feeds
    and the pages answer. Not a 400: the value is well formed, and a schema cannot list the
    vendors of a database, so a client reading it (and the schema test) sees it as valid."""
    if message := queries.unknown_vendor_message(filters.get("vendor", ())):
        raise NotFound(f"Query parameter vendor: {message}")
    return filters


class DataView(ReadOnlyMixin, APIView):
    renderer_classes = [JSONRenderer]


class APIRoot(DataView):
    """Where everything is, and how current the dates are."""

    @extend_schema(operation_id="api_root", tags=["index"], responses={
        200: s.RootSerializer, **ERRORS})
    def get(self, request):
        def link(name):
            return s.site_url(reverse(f"deprecations:api:{name}"))
        links = {name: link(name) for name in
                 ("vendors", "retirements", "changes", "schema", "docs")}
        links["changes_atom"] = s.site_url(reverse("deprecations:changes-atom"))
        fresh = freshness.freshness(now=clock.now())
        return Response(s.RootSerializer({**links, "freshness": fresh}).data)


class VendorList(ReadOnlyMixin, generics.ListAPIView):
    """Every vendor, with how many published retirements the catalogue has for it."""

    renderer_classes = [JSONRenderer]
    serializer_class = s.VendorSerializer
    pagination_class = None

    def get_queryset(self):
        # ordered here: Django leaves Meta.ordering out of a query that aggregates
        return Vendor.objects.annotate(retirement_count=Count(
            "offerings__retirement", filter=Q(offerings__retirement__published=True))
        ).order_by("name")

    @extend_schema(operation_id="vendors_list", responses={200: s.VendorSerializer(many=True),
                                                           **ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class RetirementList(ReadOnlyMixin, generics.ListAPIView):
    """Retirements, soonest shutdown first (undated ones last), filtered like the calendar."""

    renderer_classes = [JSONRenderer]
    serializer_class = s.RetirementSerializer
    pagination_class = Pagination

    def get_queryset(self):
        filters = _vendors_exist(_validated(s.RetirementFilters, self.request))
        return filtered_retirements(filters, self.today)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": self.today}

    @extend_schema(operation_id="retirements_list", parameters=[s.RetirementFilters],
                   responses={200: s.RetirementSerializer(many=True), **ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def filtered_retirements(filters: dict, today):
    qs = queries.filter_retirements(queries.public_retirements(), vendors=filters.get("vendor", ()),
                                models=filters.get("model", ()), search=filters.get("q", ""))
    if filters.get("status"):
        wanted = Q()
        for value in filters["status"]:
            wanted |= status.rule(value, today)
        qs = qs.filter(wanted)
    if filters.get("upcoming") is True:
        qs = qs.exclude(status=Retirement.Status.WITHDRAWN).upcoming(today)
    elif filters.get("upcoming") is False:
        qs = qs.past(today)
    if filters.get("shutdown_before"):
        qs = qs.filter(shutdown_on__lt=filters["shutdown_before"])
    if filters.get("shutdown_after"):
        qs = qs.filter(shutdown_on__gt=filters["shutdown_after"])
    return qs.order_by(*ENTRY_ORDER)


class RetirementDetail(ReadOnlyMixin, generics.RetrieveAPIView):
    """One retirement with its history (oldest first) and the sources it cites."""

    renderer_classes = [JSONRenderer]
    serializer_class = s.RetirementDetailSerializer
    queryset = queries.public_retirements().prefetch_related("citations", "changes")

    def get_object(self):
        pk = self.kwargs["pk"]
        entry = self.get_queryset().filter(pk=pk).first() if pk < 2**63 else None
        if entry is None:
            raise NotFound(f"No published retirement has id {pk}.")
        return entry

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": self.today}

    @extend_schema(operation_id="retirements_retrieve", responses={
        200: s.RetirementDetailSerializer, **ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ChangeList(ReadOnlyMixin, generics.ListAPIView):
    """Changes to published retirements, in the order they were recorded: new entries, moved
    dates, withdrawals and reinstatements, each with the entry as it stands now.

    To keep a mirror current, remember the newest ``recorded_at`` you applied and ask for
    ``?since=`` it, following ``next`` to the end; changes are idempotent to re-apply, so
    overlapping by a minute costs nothing and covers a change committed late. (``changed_at``
    is when a change happened, which for an entry of the shipped catalogue is the day its
    source announced it, possibly long before it was recorded here.)
    """

    renderer_classes = [JSONRenderer]
    serializer_class = s.ChangeFeedSerializer
    pagination_class = Pagination

    def get_queryset(self):
        filters = _vendors_exist(_validated(s.ChangeFilters, self.request))
        qs = (queries.public_changes(vendors=filters.get("vendor", ()),
                                     models=filters.get("model", ()))
              .prefetch_related("retirement__offering__aliases")
              .order_by("recorded_at", "pk"))
        if filters.get("since"):
            qs = qs.filter(recorded_at__gt=filters["since"])
        return qs

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": self.today}

    @extend_schema(operation_id="changes_list", parameters=[s.ChangeFilters],
                   responses={200: s.ChangeFeedSerializer(many=True), **ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class SchemaView(ReadOnlyMixin, SpectacularJSONAPIView):
    """The OpenAPI 3 schema, as JSON."""

    max_age = 3600


class DocsView(ReadOnlyMixin, SpectacularSwaggerSplitView):
    """Swagger UI, its assets served from this site (drf-spectacular-sidecar): no CDN. The
    split view serves its start-up script as a file (``?script``), so the page runs under the
    Content-Security-Policy, which allows no inline script; the template leaves out the inline
    style drf-spectacular's has (static/api-docs.css instead)."""

    max_age = 3600
    url_name = "deprecations:api:schema"
    template_name = "deprecations/api_docs.html"

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        # Read-only API: no CSRF token in a public, cacheable page (nor a cookie for it).
        response.data["csrf_token"] = ""
        return response


def not_found(request, *args, **kwargs):
    """Any other path under /api/: a redirect when only trailing slashes are extra
    (``/api/v1/retirements/``, ``/api/v1/docs/``), else a JSON 404 rather than the site's
    HTML page."""
    if request.path.endswith("/") and request.method in ("GET", "HEAD"):
        target = request.path.rstrip("/")
        try:
            endpoint = resolve(target).func
        except Resolver404:
            endpoint = not_found
        if endpoint is not not_found:
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(target + (f"?{query}" if query else ""))
    return JsonResponse({
        "status": 404, "error": "not_found",
        "detail": f"No API endpoint at {request.path}. The API's docs are at "
                  f"{s.site_url(reverse('deprecations:api:docs'))}.",
    }, status=404)
