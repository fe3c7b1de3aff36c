from django.urls import path

from . import views

urlpatterns = [
    path("", views.grid, name="grid"),
    path("save/", views.grid_save, name="grid_save"),
    path("copy-previous/", views.copy_previous, name="copy_previous"),
    path("split/", views.split, name="split"),
    path("history/", views.history, name="history"),
    path("settings/organisation/", views.org_settings, name="org_settings"),
    path("settings/organisation/time-zone-change/", views.zone_change, name="zone_change"),
    path("settings/organisation/time-zone-change/retry/", views.zone_change_retry, name="zone_change_retry"),
]
