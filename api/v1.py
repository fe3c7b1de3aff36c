"""The JSON API, version 1: django-ninja, mounted at /api/v1/ (docs at /api/v1/docs, the OpenAPI
schema at /api/v1/openapi.json). Every operation needs a personal API token."""

from ninja import NinjaAPI

from . import problems
from .auth import TokenAuth
from .routes_activities import router as activities
from .routes_figures import router as figures
from .routes_pipeline import router as pipeline

api = NinjaAPI(
    title="Sales activity tracker API",
    version="1",
    description=(
        "Log calls and meetings from a dialer, read and move deals, read the dashboards' figures. "
        "Authenticate with a personal API token: `Authorization: Bearer <token>`. "
        "Errors are RFC 9457 problem details (application/problem+json)."
    ),
    urls_namespace="api_v1",
    auth=TokenAuth(),
)
problems.install(api)
api.add_router("", activities)
api.add_router("", pipeline)
api.add_router("", figures)
