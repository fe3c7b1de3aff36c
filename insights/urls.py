from django.urls import path

from . import views

app_name = "insights"

# The pages of best time to reach prospects.
urlpatterns = [
    path("best-time/", views.best_time, name="best_time"),
]
