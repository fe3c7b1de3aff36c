from django.urls import path

from . import views

app_name = "feeds"

urlpatterns = [
    path("", views.feed_page, name="page"),
    path("reset/", views.feed_reset, name="reset"),
    path("<str:secret>.ics", views.calendar, name="calendar"),
]
