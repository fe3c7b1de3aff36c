from django.urls import include, path

app_name = "quotas"

# Each part of the app keeps its own routes; every name is "quotas:<name>".
urlpatterns = [
    path("", include("quotas.urls_quotas")),
    path("", include("quotas.urls_plan")),
]
