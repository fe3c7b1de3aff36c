from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.shortcuts import redirect
from django.utils.safestring import SafeString, mark_safe

from . import figure_cache


@login_required
def home(request):
    """Each role lands on its own home page: reps on their week, managers and admins on the team page."""
    if request.user.is_rep:
        return redirect("dashboards:my_week")
    return redirect("dashboards:team")


# --- the figure sections of the dashboards, cached (figure_cache) ------------------------------


def cached_figures(name: str, key: str) -> SafeString | None:
    """A page's figures section as rendered before under ``key`` (``figure_cache.figures_key``), or None."""
    html = cache.get(make_template_fragment_key(name, [key]))
    return None if html is None else mark_safe(html)  # rendered by our own template


def cache_figures(name: str, key: str, html: str) -> SafeString:
    """Keep a figures section rendered by the view, under the key ``{% cache %}`` would use."""
    cache.set(make_template_fragment_key(name, [key]), html, figure_cache.TIMEOUT)
    return mark_safe(html)  # rendered by our own template
