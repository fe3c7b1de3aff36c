from django.urls import path

from . import views_plan

urlpatterns = [
    path("goals/", views_plan.goal_list, name="goal_list"),
    path("goals/new/", views_plan.goal_create, name="goal_create"),
    path("goals/<int:goal_id>/", views_plan.goal_edit, name="goal_edit"),
    path("goals/<int:goal_id>/delete/", views_plan.goal_delete, name="goal_delete"),
    path("planner/", views_plan.planner, name="planner"),
    path("planner/apply/", views_plan.planner_apply, name="planner_apply"),
]
