from django.urls import path

from deprecations import views

app_name = "deprecations"
urlpatterns = [
    path("", views.home, name="home"),
    path("past/", views.archive, name="archive"),
    path("vendors/<slug:slug>/", views.vendor, name="vendor"),
    path("vendors/<slug:slug>/<int:pk>/", views.entry, name="entry"),
]
