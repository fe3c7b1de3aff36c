"""Role checks for views. Roles are enforced here and in querysets, never only by hiding links."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def role_required(*checks: str):
    """Allow the view to users for whom any of the named ``User`` properties is
    true (``"is_admin"``, ``"is_manager"``); everyone else signed in gets 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if not any(getattr(request.user, check) for check in checks):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


admin_required = role_required("is_admin")
manager_required = role_required("is_manager", "is_admin")
