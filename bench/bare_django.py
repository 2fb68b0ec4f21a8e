"""The baseline of ``bench feeds``: Django with no app, no middleware and one view that
returns the bytes of the file named by BENCH_STATIC_FILE, read once into memory."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse
from django.urls import path

settings.configure(DEBUG=False, SECRET_KEY="bench-only", ALLOWED_HOSTS=["127.0.0.1"],
                   ROOT_URLCONF=__name__, MIDDLEWARE=[], INSTALLED_APPS=[])

with open(os.environ["BENCH_STATIC_FILE"], "rb") as handle:
    BODY = handle.read()


def feed(request):
    return HttpResponse(BODY, content_type="text/calendar; charset=utf-8")


urlpatterns = [path("calendar.ics", feed)]
application = get_wsgi_application()
