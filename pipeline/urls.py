"""Every route of the pipeline app; each name reads "pipeline:<name>"."""

from django.urls import path

from . import views, views_config, views_contacts, views_import

app_name = "pipeline"

urlpatterns = [
    # Deals and the board.
    path("deals/", views.deal_list, name="deal_list"),
    path("deals/export/", views.deal_export, name="deal_export"),
    path("deals/new/", views.deal_create, name="deal_create"),
    path("deals/<int:deal_id>/", views.deal_detail, name="deal_detail"),
    path("deals/<int:deal_id>/edit/", views.deal_edit, name="deal_edit"),
    path("deals/<int:deal_id>/move/", views.deal_move, name="deal_move"),
    path("deals/<int:deal_id>/category/", views.deal_category, name="deal_category"),
    path("board/", views.board, name="board"),
    path("board/<int:pipeline_id>/", views.pipeline_board, name="pipeline_board"),
    # The shared address book (companies, contacts) and the CSV imports.
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
    # The settings area (admins only).
    path("settings/pipelines/", views_config.pipeline_list, name="pipeline_list"),
    path("settings/pipelines/new/", views_config.pipeline_create, name="pipeline_create"),
    path("settings/pipelines/<int:pipeline_id>/", views_config.pipeline_edit, name="pipeline_edit"),
    path("settings/pipelines/<int:pipeline_id>/stages/new/", views_config.stage_create, name="stage_create"),
    path("settings/pipelines/<int:pipeline_id>/stages/reorder/", views_config.stage_reorder, name="stage_reorder"),
    path("settings/stages/<int:stage_id>/", views_config.stage_edit, name="stage_edit"),
    path("settings/stages/<int:stage_id>/archive/", views_config.stage_archive, name="stage_archive"),
    path("settings/lists/<slug:kind>/", views_config.list_items, name="list_items"),
    path("settings/lists/<slug:kind>/new/", views_config.list_item_create, name="list_item_create"),
    path("settings/lists/<slug:kind>/<int:item_id>/", views_config.list_item_edit, name="list_item_edit"),
]
