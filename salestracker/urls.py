from django.contrib import admin
from django.contrib.staticfiles.storage import staticfiles_storage
from django.urls import include, path
from django.views.decorators.cache import cache_control
from django.views.generic import RedirectView


class FaviconView(RedirectView):
    """/favicon.ico, which browsers and feed readers ask for whatever the page links: our SVG icon.
    Resolved per request, so the hashed name of the production static files is the one sent."""

    permanent = False

    def get_redirect_url(self, *args, **kwargs):
        return staticfiles_storage.url("favicon.svg")


urlpatterns = [
    path("", include("dashboards.urls")),
    path("accounts/", include("accounts.urls")),
    path("pipeline/", include("pipeline.urls")),
    path("activities/", include("activities.urls")),
    path("quotas/", include("quotas.urls")),
    path("forecast/", include("forecast.urls")),
    path("insights/", include("insights.urls")),
    path("coverage/", include("portfolio.urls")),
    path("trends/", include("trends.urls")),
    path("api/", include("api.urls")),
    path("feeds/", include("feeds.urls")),
    path("admin/", admin.site.urls),
    path("favicon.ico", cache_control(max_age=86400)(FaviconView.as_view()), name="favicon"),
]
