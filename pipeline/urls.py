from django.urls import include, path

app_name = "pipeline"

# Each part of the app keeps its own routes; every name is "pipeline:<name>".
urlpatterns = [
    path("", include("pipeline.urls_deals")),
    path("", include("pipeline.urls_contacts")),
    path("settings/", include("pipeline.urls_config")),
]
