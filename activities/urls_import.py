"""Importing activities from a CSV file; mounted at /activities/import/."""

from django.urls import path

from . import views_import

urlpatterns = [
    path("", views_import.import_upload, name="import_upload"),
    path("template.csv", views_import.import_template, name="import_template"),
    path("<int:import_id>/", views_import.import_detail, name="import_detail"),
    path("<int:import_id>/mapping/", views_import.import_mapping, name="import_mapping"),
    path("<int:import_id>/confirm/", views_import.import_confirm, name="import_confirm"),
    path("<int:import_id>/errors.csv", views_import.import_errors, name="import_errors"),
]
