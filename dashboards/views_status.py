"""The admins' system status page: whether the dashboard refreshes keep up, and which keys failed."""

from django.shortcuts import render

from accounts.permissions import admin_required

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
        },
    )
