from django.urls import path

from . import views_plan

urlpatterns = [
    path("goals/", views_plan.goal_list, name="goal_list"),
    path("goals/new/", views_plan.goal_create, name="goal_create"),
    path("goals/<int:goal_id>/", views_plan.goal_edit, name="goal_edit"),
    path("goals/<int:goal_id>/delete/", views_plan.goal_delete, name="goal_delete"),
    path("goals/metric/new/", views_plan.metric_goal_create, name="metric_goal_create"),
    path("goals/metric/<int:goal_id>/", views_plan.metric_goal_edit, name="metric_goal_edit"),
    path("goals/metric/<int:goal_id>/delete/", views_plan.metric_goal_delete, name="metric_goal_delete"),
    path("goals/rewards/", views_plan.rewards, name="rewards"),
    path("goals/rewards/export/", views_plan.rewards_export, name="rewards_export"),
    path("planner/", views_plan.planner, name="planner"),
    path("planner/apply/", views_plan.planner_apply, name="planner_apply"),
]
