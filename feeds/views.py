"""The feed page (a person's secret address, and its reset) and the feed itself.

The feed answers to its secret alone (calendar apps cannot sign in): an unknown secret is 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import services
from .calendar import PAST, calendar_for
from .models import FeedToken


@login_required
@require_GET
def feed_page(request):
    token = services.feed_token_for(user=request.user)
    url = request.build_absolute_uri(reverse("feeds:calendar", args=[token.secret]))
    return render(request, "feeds/page.html", {"feed_url": url, "past_days": PAST.days})


@login_required
@require_POST
def feed_reset(request):
    services.feed_token_reset(user=request.user)
    messages.success(request, _("Your calendar has a new address; the old one no longer works."))
    return redirect("feeds:page")


@require_GET
def calendar(request, secret: str):
    token = FeedToken.objects.select_related("user").filter(secret=secret).first()
    if token is None or not token.user.is_active:
        raise Http404
    body = calendar_for(user=token.user, now=timezone.now(), host=request.get_host().split(":")[0])
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    # The address is a secret: no shared cache keeps the answer.
    response["Cache-Control"] = "private, no-store"
    return response
