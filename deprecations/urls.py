from django.urls import include, path

from deprecations import atom, views

app_name = "deprecations"
urlpatterns = [
    path("", views.home, name="home"),
    path("past/", views.archive, name="archive"),
    path("vendors/<slug:slug>/", views.vendor, name="vendor"),
    # The identifier may hold "/" (path:); old numeric addresses redirect from the view.
    path("vendors/<slug:slug>/<path:identifier>/", views.entry, name="entry"),
    path("sources/", views.sources, name="sources"),
    path("scanner/", views.scanner, name="scanner"),
    path("changes.atom", atom.changes_atom, name="changes-atom"),
    path("api/v1/", include("deprecations.api.urls")),
]
