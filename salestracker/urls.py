from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("dashboards.urls")),
    path("accounts/", include("accounts.urls")),
    path("pipeline/", include("pipeline.urls")),
    path("activities/", include("activities.urls")),
    path("quotas/", include("quotas.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
