from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from notifier.api import Watchlist

urlpatterns = [
    path("admin/", admin.site.urls),
    # POST /i18n/setlang/ (the language switcher): a cookie, no language prefix in URLs.
    path("i18n/", include("django.conf.urls.i18n")),
    # Notifier's part of the API (it writes a subscriber's follows), before the catalogue's,
    # whose catch-all answers every other /api/v1/ path.
    path("api/v1/watchlist", Watchlist.as_view(), name="watchlist"),
    path("", include("deprecations.urls")),
    path("", include("notifier.urls")),
]

# JSON under /api/, the usual pages elsewhere (depcal/errors.py).
handler400 = "depcal.errors.bad_request"
handler500 = "depcal.errors.server_error"

# The admin's pages of the central model moved with its name (Deprecation -> Retirement):
# old bookmarks still arrive.
urlpatterns.insert(0, re_path(
    r"^admin/deprecations/deprecation/(?P<rest>.*)$",
    RedirectView.as_view(url="/admin/deprecations/retirement/%(rest)s", query_string=True,
                         permanent=True)))
