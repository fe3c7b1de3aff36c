"""My week's "Best times to call" box: ``{% load best_time %}{% best_times_box rep %}``, one query."""

from datetime import timedelta

from django import template
from django.utils import timezone

from activities.models import Kind

from ..forms import DEFAULT_DAYS
from ..selectors import MIN_ATTEMPTS, reach_heatmap

register = template.Library()


@register.inclusion_tag("insights/_best_times_box.html")
def best_times_box(rep):
    """The rep's best three call slots over the page's default range (the last 90 days)."""
    today = timezone.localdate()
    heatmap = reach_heatmap(rep_ids=[rep.pk], kind=Kind.CALL, start=today - timedelta(days=DEFAULT_DAYS - 1), end=today)
    return {"best": heatmap.best(), "min_attempts": MIN_ATTEMPTS, "days": DEFAULT_DAYS}
