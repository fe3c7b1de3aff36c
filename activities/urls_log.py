"""Logging, listing, editing and marking activities; mounted at /activities/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.activity_list, name="list"),
    path("export/", views.activity_export, name="export"),
    path("log/", views.log, name="log"),
    path("link-search/", views.link_search, name="link_search"),
    path("upcoming/", views.upcoming, name="upcoming"),
    path("<int:activity_id>/edit/", views.activity_edit, name="edit"),
    path("<int:activity_id>/delete/", views.activity_delete, name="delete"),
    path("<int:activity_id>/mark/", views.meeting_mark, name="mark"),
]
