from django.urls import path

from . import views

app_name = "portfolio"

urlpatterns = [
    path("", views.team, name="team"),
    path("rep/<int:rep_id>/", views.accounts, name="accounts"),
    path("rep/<int:rep_id>/assign/", views.assign, name="assign"),
]
