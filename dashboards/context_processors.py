"""Template context for every page."""

from . import status


def refresh_alert(request):
    """``refresh_alert``: whether the dashboard refreshes need an admin's attention. A callable,
    so the template asks only for admins (``_refresh_alert.html``): other pages run no query."""
    return {"refresh_alert": status.refresh_needs_attention}
