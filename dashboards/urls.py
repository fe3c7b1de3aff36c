from django.urls import path

from . import views, views_rep, views_status, views_team
from .health import HealthView

app_name = "dashboards"

urlpatterns = [
    path("", views.home, name="home"),
    path("my-week/", views_rep.my_week, name="my_week"),
    path("my-week/export/<slug:table>/", views_rep.my_week_export, name="my_week_export"),
    path("one-on-one/<int:rep_id>/", views_rep.one_on_one, name="one_on_one"),
    path("one-on-one/<int:rep_id>/export/<slug:table>/", views_rep.one_on_one_export, name="one_on_one_export"),
    path("one-on-one/<int:rep_id>/notes/", views_rep.one_on_one_notes, name="one_on_one_notes"),
    path("one-on-one/<int:rep_id>/actions/", views_rep.one_on_one_action_add, name="one_on_one_action_add"),
    path(
        "one-on-one/<int:rep_id>/actions/<int:item_id>/done/",
        views_rep.one_on_one_action_done,
        name="one_on_one_action_done",
    ),
    path("one-on-one/<int:rep_id>/close/", views_rep.one_on_one_close, name="one_on_one_close"),
    path("team/", views_team.team, name="team"),
    path("team/export/<slug:table>/", views_team.team_export, name="team_export"),
    path("settings/status/", views_status.system_status, name="system_status"),
    # No sign-in, and exempt from the HTTPS redirect (settings). Everything, for monitors and compose;
    # what a web process needs to serve pages, for a load balancer: a stopped worker or a lagging
    # refresh must not take every web process out of rotation.
    path("health/", HealthView.as_view(), name="health"),
    path("health/web/", HealthView.as_view(only=("database",)), name="health_web"),
]
