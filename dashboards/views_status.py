"""The admins' system status page: whether the dashboard refreshes keep up, which keys failed, and how the
latest time zone change went."""

from django.shortcuts import render

from accounts.permissions import admin_required
from quotas.selectors import zone_change_latest

from . import status


@admin_required
def system_status(request):
    return render(
        request,
        "dashboards/status.html",
        {
            "refresh": status.refresh_status(),
            "failed": status.failed_marks(),
            "threshold_minutes": int(status.lag_threshold().total_seconds() // 60),
            "zone_change": zone_change_latest(),
        },
    )
