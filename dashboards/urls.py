from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("", views.home, name="home"),
    path("my-week/", views.my_week, name="my_week"),
    path("team/", views.team, name="team"),
]
