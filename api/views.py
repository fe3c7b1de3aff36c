"""The API token pages: a person's own tokens (create, revoke), and for admins everyone's.

A token's secret is shown once, on the page that answers its creation, and never again.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.permissions import admin_required

from . import services
from .forms import TokenCreateForm
from .models import ApiToken

PAGE_SIZE = 50


def _token_for(request, token_id: int) -> ApiToken:
    """The token, if it is the user's own or the user is an admin; 404 otherwise."""
    tokens = ApiToken.objects.all() if request.user.is_admin else ApiToken.objects.filter(user=request.user)
    return get_object_or_404(tokens, pk=token_id)


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request):
    form = TokenCreateForm(request.POST or None)
    created = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            created = services.token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                can_write=form.cleaned_data["access"] == "write",
                expires_at=form.expires_at(),
            )
            form = TokenCreateForm()
        else:
            status = 422
    tokens = ApiToken.objects.filter(user=request.user)
    return render(
        request,
        "api/tokens.html",
        {"form": form, "tokens": tokens, "created": created},
        status=201 if created else status,
    )


@login_required
@require_POST
def token_revoke(request, token_id):
    token = _token_for(request, token_id)
    services.token_revoke(token=token, by=request.user)
    messages.success(request, _("Revoked the token “%(name)s”: it no longer works.") % {"name": token.name})
    if token.user_id != request.user.pk:
        return redirect("api:tokens_all")
    return redirect("api:tokens")


@admin_required
def token_admin_list(request):
    tokens = ApiToken.objects.select_related("user", "revoked_by").order_by("revoked_at", "-created_at", "-pk")
    page = Paginator(tokens, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "api/tokens_all.html", {"page": page})
