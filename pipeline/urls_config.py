"""The pipeline settings area (admins only), mounted under /pipeline/settings/."""

from django.urls import path

from . import views_config as views

urlpatterns = [
    path("pipelines/", views.pipeline_list, name="pipeline_list"),
    path("pipelines/new/", views.pipeline_create, name="pipeline_create"),
    path("pipelines/<int:pipeline_id>/", views.pipeline_edit, name="pipeline_edit"),
    path("pipelines/<int:pipeline_id>/stages/new/", views.stage_create, name="stage_create"),
    path("pipelines/<int:pipeline_id>/stages/reorder/", views.stage_reorder, name="stage_reorder"),
    path("stages/<int:stage_id>/", views.stage_edit, name="stage_edit"),
    path("stages/<int:stage_id>/archive/", views.stage_archive, name="stage_archive"),
    path("lists/<slug:kind>/", views.list_items, name="list_items"),
    path("lists/<slug:kind>/new/", views.list_item_create, name="list_item_create"),
    path("lists/<slug:kind>/<int:item_id>/", views.list_item_edit, name="list_item_edit"),
]
