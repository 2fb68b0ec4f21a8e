"""The watch-list endpoint, ``/api/v1/watchlist``: the models a subscription follows, kept in
step with its code (``depcal-scan --update-watchlist``).

``PUT`` with ``{"models": ["gpt-4o", ...]}`` makes the subscription follow exactly those
models (its vendors stay as they are) and answers which were added and removed; ``GET``
answers the list. Both answers name the models its vendors leave out (``not_followed``): a
subscription follows the entries of its vendors AND its models (``alerts.follows_sql``), so
no alert can come for a model all of whose entries are another vendor's; the scanner warns
of them. Both need the subscription's API token, ``Authorization: Bearer dcw_...``
(made, shown once and revoked on its manage page; only its SHA-256 is stored). An empty list
is refused: following no model means following every model. Errors are JSON in the API's one
shape; requests are limited per client (``DEPCAL_WATCHLIST_RATE``). It lives in ``notifier``,
which writes subscribers' choices (``deprecations`` never does), mounted at ``/api/v1/`` by
the project's URLs.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated, ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from deprecations.api.serializers import ErrorSerializer
from deprecations.api.views import ClientRateThrottle, error_handler
from deprecations.queries import vendors_of_models
from notifier import subscriptions
from notifier.forms import MODEL_NAME
from notifier.models import ApiToken, Subscriber

MAX_MODELS = 200  # a repository's models; more is a 400


class TokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer TOKEN``: the subscription whose API token it is."""

    def authenticate(self, request):
        words = get_authorization_header(request).split()
        if not words or words[0].lower() != b"bearer":
            return None
        if len(words) != 2:
            raise AuthenticationFailed("Send the token as: Authorization: Bearer TOKEN.")
        token = words[1].decode("ascii", "replace")
        found = (ApiToken.objects.select_related("subscriber")
                 .filter(digest=subscriptions.token_digest(token)).first())
        if found is None or found.subscriber.status != Subscriber.Status.CONFIRMED:
            raise AuthenticationFailed("Unknown or revoked token, or the subscription is not "
                                       "confirmed: make a new token on its manage page.")
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        return found.subscriber, found

    def authenticate_header(self, request):
        return 'Bearer realm="depcal watch-list"'


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = TokenAuthentication
    name = "watchlistToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer",
                "description": "The subscription's API token (dcw_...), from its manage page."}


class HasToken(BasePermission):
    def has_permission(self, request, view):
        if request.auth is None:
            raise NotAuthenticated("Send the subscription's API token: Authorization: Bearer "
                                   "TOKEN.")
        return True


class WatchlistThrottle(ClientRateThrottle):
    scope = "watchlist"

    def get_rate(self):
        return settings.DEPCAL_WATCHLIST_RATE or None


class WatchlistSerializer(serializers.Serializer):
    models = serializers.ListField(
        child=serializers.CharField(max_length=100), allow_empty=False, max_length=MAX_MODELS,
        help_text="Model names as the vendors' APIs spell them (an alias or a family name "
                  "works as on the subscribe page). Not empty: no model means every model.")

    def validate_models(self, names: list[str]) -> list[str]:
        names = list(dict.fromkeys(n.strip().lower() for n in names))
        bad = [n for n in names if not MODEL_NAME.match(n)]
        if bad:
            raise serializers.ValidationError(
                f"Not a model name: {', '.join(bad[:3])[:200]}. Use the name as the vendor's "
                "API spells it.")
        return names


class NotFollowed(serializers.Serializer):
    model = serializers.CharField()
    vendors = serializers.ListField(child=serializers.CharField(),
                                    help_text="The vendors whose entries the model names.")


class WatchlistAnswer(serializers.Serializer):
    models = serializers.ListField(child=serializers.CharField(),
                                   help_text="The models the subscription follows now.")
    added = serializers.ListField(child=serializers.CharField())
    removed = serializers.ListField(child=serializers.CharField())
    vendors = serializers.ListField(
        child=serializers.CharField(),
        help_text="The vendors the subscription follows (slugs); empty means every vendor.")
    not_followed = serializers.ListField(
        child=NotFollowed(),
        help_text="Models of the list that no alert can come for: every entry they name is a "
                  "vendor's the subscription does not follow. Follow those vendors (or every "
                  "vendor) on the manage page.")


def not_followed(vendors, models) -> list[dict]:
    """The models whose every entry is a vendor's outside ``vendors`` (none when ``vendors``
    is empty, every vendor; a model that names no entry yet is left out, its vendor unknown)."""
    if not vendors:
        return []
    return [{"model": m, "vendors": theirs}
            for m, theirs in vendors_of_models(models).items()
            if theirs and set(theirs).isdisjoint(vendors)]


ERRORS = {
    401: OpenApiResponse(ErrorSerializer, description="No token, or not a valid one."),
    429: OpenApiResponse(ErrorSerializer, description="Too many requests from this address; "
                                                      "see Retry-After."),
}


def _errors(exc, context):
    """The API's error shape; what is invalid here is a field of the body."""
    response = error_handler(exc, context)
    if response is not None and isinstance(exc, ValidationError):
        response.data["detail"] = response.data["detail"].replace("query parameter", "field")
    return response


class Watchlist(APIView):
    """The models a subscription follows (by its API token)."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [HasToken]
    throttle_classes = [WatchlistThrottle]
    renderer_classes = [JSONRenderer]

    def get_exception_handler(self):
        return _errors

    def answer(self, subscriber: Subscriber, added=(), removed=()) -> Response:
        vendors, models = subscriber.follows()
        return Response(WatchlistAnswer({
            "models": models, "added": added, "removed": removed, "vendors": vendors,
            "not_followed": not_followed(vendors, models)}).data)

    @extend_schema(operation_id="watchlist_retrieve", tags=["watch-list"],
                   responses={200: WatchlistAnswer, **ERRORS})
    def get(self, request):
        return self.answer(request.user)

    @extend_schema(operation_id="watchlist_update", tags=["watch-list"],
                   request=WatchlistSerializer, responses={
                       200: WatchlistAnswer, **ERRORS,
                       400: OpenApiResponse(ErrorSerializer, description="Not a list of "
                                                                         "model names.")})
    def put(self, request):
        serializer = WatchlistSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        added, removed = subscriptions.set_models(request.user,
                                                  serializer.validated_data["models"])
        return self.answer(request.user, added, removed)
