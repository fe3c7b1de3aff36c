from django.urls import path

from . import views, views_rep, views_team

app_name = "dashboards"

urlpatterns = [
    path("", views.home, name="home"),
    path("my-week/", views_rep.my_week, name="my_week"),
    path("my-week/export/<slug:table>/", views_rep.my_week_export, name="my_week_export"),
    path("team/", views_team.team, name="team"),
    path("team/export/<slug:table>/", views_team.team_export, name="team_export"),
]
