from django.urls import path

from notifier import ical_views, views

app_name = "notifier"
urlpatterns = [
    path("calendar.ics", ical_views.calendar_feed, name="calendar"),
    path("calendar/<str:token>.ics", views.private_feed, name="private_feed"),
    path("subscribe/", views.subscribe, name="subscribe"),
    path("subscribe/sent/", views.subscribe_sent, name="subscribe_sent"),
    path("subscribe/confirm/<str:token>/", views.confirm, name="confirm"),
    path("manage/<str:token>/", views.manage, name="manage"),
    path("unsubscribe/<str:token>", views.unsubscribe, name="unsubscribe"),
]
