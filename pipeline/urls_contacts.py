"""The shared address book (companies, contacts) and the CSV imports."""

from django.urls import path

from . import views_contacts, views_import

urlpatterns = [
    path("companies/", views_contacts.company_list, name="company_list"),
    path("companies/new/", views_contacts.company_create, name="company_create"),
    path("companies/export/", views_contacts.company_export, name="company_export"),
    path("companies/search/", views_contacts.company_search, name="company_search"),
    path("companies/<int:company_id>/", views_contacts.company_detail, name="company_detail"),
    path("companies/<int:company_id>/edit/", views_contacts.company_edit, name="company_edit"),
    path("companies/<int:company_id>/delete/", views_contacts.company_delete, name="company_delete"),
    path("contacts/", views_contacts.contact_list, name="contact_list"),
    path("contacts/new/", views_contacts.contact_create, name="contact_create"),
    path("contacts/export/", views_contacts.contact_export, name="contact_export"),
    path("contacts/search/", views_contacts.contact_search, name="contact_search"),
    path("contacts/<int:contact_id>/", views_contacts.contact_detail, name="contact_detail"),
    path("contacts/<int:contact_id>/edit/", views_contacts.contact_edit, name="contact_edit"),
    path("contacts/<int:contact_id>/delete/", views_contacts.contact_delete, name="contact_delete"),
    path("import/<slug:kind>/", views_import.import_upload, name="import_upload"),
    path("import/<slug:kind>/template.csv", views_import.import_template, name="import_template"),
]
