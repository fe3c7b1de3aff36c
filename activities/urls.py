from django.urls import include, path

app_name = "activities"

# Each part of the app keeps its own routes; every name is "activities:<name>".
urlpatterns = [
    path("", include("activities.urls_log")),
    path("import/", include("activities.urls_import")),
]
