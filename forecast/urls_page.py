from django.urls import path

from . import views

# The forecast page and the team calls (views.py); app_name is set in forecast/urls.py.
urlpatterns = [
    path("", views.page, name="page"),
    path("teams/<int:team_id>/calls/", views.call_history, name="call_history"),
    path("teams/<int:team_id>/calls/new/", views.call_submit, name="call_submit"),
]
