"""The site's 400 and 500 answers: JSON under /api/ (the API promises JSON errors, in the shape
of ``deprecations.api.serializers.ErrorSerializer``), Django's pages elsewhere."""

from django.http import JsonResponse
from django.views import defaults

API_PREFIX = "/api/"


def is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def json_error(status: int, error: str, detail: str) -> JsonResponse:
    return JsonResponse({"status": status, "error": error, "detail": detail}, status=status)


def bad_request(request, exception):
    if is_api(request):
        return json_error(400, "bad_request", "The request could not be read (too many "
                                              "parameters, or a malformed one).")
    return defaults.bad_request(request, exception)


def server_error(request):
    if is_api(request):
        return json_error(500, "server_error", "Something went wrong on our side; it has been "
                                               "logged. Try again later.")
    return defaults.server_error(request)
