from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect


@login_required
def home(request):
    """Each role lands on its own home page: reps on their week, managers and admins on the team page."""
    if request.user.is_rep:
        return redirect("dashboards:my_week")
    return redirect("dashboards:team")
