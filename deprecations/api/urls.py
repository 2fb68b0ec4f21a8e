"""Routes of the JSON API, mounted at /api/v1/ by ``deprecations.urls`` (no trailing slashes;
the catch-all redirects a path that has one to the path without)."""

from django.urls import path, re_path

from deprecations.api import views

app_name = "api"
urlpatterns = [
    path("", views.APIRoot.as_view(), name="root"),
    path("vendors", views.VendorList.as_view(), name="vendors"),
    path("retirements", views.RetirementList.as_view(), name="retirements"),
    path("retirements/<int:pk>", views.RetirementDetail.as_view(), name="retirement"),
    path("changes", views.ChangeList.as_view(), name="changes"),
    path("openapi.json", views.SchemaView.as_view(), name="schema"),
    path("docs", views.DocsView.as_view(), name="docs"),
    re_path(r"^.*$", views.not_found),
]
