from django.urls import include, path

app_name = "forecast"

# The forecast page and team calls (views.py), and the history pages: waterfall and accuracy
# (views_history.py), each module with its own list of patterns.
urlpatterns = [
    path("", include("forecast.urls_page")),
    path("history/", include("forecast.urls_history")),
]
