"""Mounted at /api/: the JSON API under v1/ (namespace ``api_v1``) and the token pages (``api``)."""

from django.urls import include, path

from . import views
from .v1 import api

token_pages = (
    [
        path("", views.token_list, name="tokens"),
        path("<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
        path("all/", views.token_admin_list, name="tokens_all"),
    ],
    "api",
)

urlpatterns = [
    path("v1/", api.urls),
    path("tokens/", include(token_pages)),
]
