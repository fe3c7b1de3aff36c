from django.urls import path

from . import views

urlpatterns = [
    path("deals/", views.deal_list, name="deal_list"),
    path("deals/export/", views.deal_export, name="deal_export"),
    path("deals/new/", views.deal_create, name="deal_create"),
    path("deals/<int:deal_id>/", views.deal_detail, name="deal_detail"),
    path("deals/<int:deal_id>/edit/", views.deal_edit, name="deal_edit"),
    path("deals/<int:deal_id>/move/", views.deal_move, name="deal_move"),
    path("board/", views.board, name="board"),
    path("board/<int:pipeline_id>/", views.pipeline_board, name="pipeline_board"),
]
