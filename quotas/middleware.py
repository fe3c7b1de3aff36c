"""Every request runs in the organisation's time zone (METRICS.md: "Dates are
the organisation's time zone"), so a logged call's local ``day``, "today" and
every period boundary follow the admin's setting."""

from django.utils import timezone

from .organisation import org_time_zone


class OrgTimeZoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timezone.activate(org_time_zone())
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
