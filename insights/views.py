"""The best time to reach prospects: a heatmap of connect (or reply) rates by the prospects' local
weekday and hour, for a rep, a team or everyone.

Reps see their own, managers the teams they run (and the teams below them) or one of their reps,
admins any team or rep or everyone: the forecast history's team and rep picker, which answers 404
for a team or rep the viewer may not see.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from forecast.views_history import scope_for

from .forms import BestTimeForm
from .selectors import MIN_ATTEMPTS, reach_heatmap


@login_required
@require_GET
def best_time(request):
    scope = scope_for(request)
    form = BestTimeForm(request.GET or None)
    kind, start, end = form.picked(today=timezone.localdate())
    heatmap = reach_heatmap(rep_ids=scope.rep_ids, kind=kind, start=start, end=end)
    context = {"scope": scope, "form": form, "heatmap": heatmap, "min_attempts": MIN_ATTEMPTS}
    return render(request, "insights/best_time.html", context)
