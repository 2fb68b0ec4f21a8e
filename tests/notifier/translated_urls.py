"""A URLconf whose paths depend on the active language (``i18n_patterns``: /en/..., /fr/...),
for the tests of links made in a subscriber's language."""

from django.conf.urls.i18n import i18n_patterns
from django.http import HttpResponse
from django.urls import path

urlpatterns = i18n_patterns(
    path("manage/<str:token>/", lambda request, token: HttpResponse(), name="manage"))
