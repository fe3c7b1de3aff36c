from django.conf import settings
from django.contrib import messages
from django.contrib.auth.forms import SetPasswordForm
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_http_methods, require_POST

from . import selectors, services
from .forms import TeamForm, TerritoryForm, UserCreateForm, UserSearchForm, UserUpdateForm
from .models import Team, Territory, User
from .permissions import admin_required

PAGE_SIZE = 50


@require_POST
def set_language(request):
    """The language menu: Django's own switch (cookie and redirect back), kept on the person too when
    signed in, so the choice follows them to every device."""
    response = i18n.set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        request.user.language = language
        request.user.save(update_fields=["language"])
    return response


@admin_required
def user_list(request):
    search = UserSearchForm(request.GET or None)
    filters = search.cleaned_data if search.is_valid() else {}
    users = selectors.user_list(q=filters.get("q", ""), role=filters.get("role", ""), team=filters.get("team"))
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"search": search, "page": page})


@admin_required
@require_http_methods(["GET", "POST"])
def user_create(request):
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {field: form.cleaned_data[field] for field in ("first_name", "last_name", "email", "team", "territory")}
        user = services.user_create(
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password1"],
            role=form.cleaned_data["role"],
            **data,
        )
        messages.success(request, _("%(user)s can now sign in.") % {"user": user})
        return redirect("accounts:user_list")
    return render(
        request,
        "accounts/form.html",
        {"form": form, "title": _("Add a person"), "cancel_url": reverse("accounts:user_list")},
    )


@admin_required
@require_http_methods(["GET", "POST"])
def user_edit(request, user_id):
    person = get_object_or_404(User, pk=user_id)
    form = UserUpdateForm(request.POST or None, instance=person, editor=request.user)
    if request.method == "POST" and form.is_valid():
        services.user_update(user=form.save(commit=False))
        messages.success(request, _("Saved %(user)s.") % {"user": person})
        return redirect("accounts:user_list")
    return render(
        request,
        "accounts/form.html",
        {
            "form": form,
            "title": _("Edit %(user)s") % {"user": person},
            "cancel_url": reverse("accounts:user_list"),
            "set_password_for": person,
        },
    )


@admin_required
@require_http_methods(["GET", "POST"])
def user_set_password(request, user_id):
    person = get_object_or_404(User, pk=user_id)
    form = SetPasswordForm(person, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.user_set_password(user=person, password=form.cleaned_data["new_password1"])
        messages.success(request, _("New password set for %(user)s.") % {"user": person})
        return redirect("accounts:user_edit", user_id=person.pk)
    return render(
        request,
        "accounts/form.html",
        {
            "form": form,
            "title": _("Set a new password for %(user)s") % {"user": person},
            "cancel_url": reverse("accounts:user_list"),
        },
    )


@admin_required
def team_list(request):
    return render(request, "accounts/team_list.html", {"teams": selectors.team_list(viewer=request.user)})


@admin_required
@require_http_methods(["GET", "POST"])
def team_edit(request, team_id=None):
    team = get_object_or_404(Team, pk=team_id) if team_id else Team()
    title = _("Edit %(team)s") % {"team": team} if team.pk else _("Add a team")
    return _edit(request, TeamForm, team, services.team_save, "team", title, "accounts:team_list")


@admin_required
@require_http_methods(["GET", "POST"])
def team_delete(request, team_id):
    team = get_object_or_404(Team, pk=team_id)
    return _confirm_delete(request, team, services.team_delete, "team", "accounts:team_list")


@admin_required
def territory_list(request):
    return render(request, "accounts/territory_list.html", {"territories": selectors.territory_list()})


@admin_required
@require_http_methods(["GET", "POST"])
def territory_edit(request, territory_id=None):
    territory = get_object_or_404(Territory, pk=territory_id) if territory_id else Territory()
    title = _("Edit %(territory)s") % {"territory": territory} if territory.pk else _("Add a territory")
    return _edit(
        request, TerritoryForm, territory, services.territory_save, "territory", title, "accounts:territory_list"
    )


@admin_required
@require_http_methods(["GET", "POST"])
def territory_delete(request, territory_id):
    territory = get_object_or_404(Territory, pk=territory_id)
    return _confirm_delete(request, territory, services.territory_delete, "territory", "accounts:territory_list")


def _edit(request, form_class, instance, save, keyword, title, list_url):
    """Add or edit one settings object through its service; invalid input re-renders with errors."""
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        saved = save(**{keyword: form.save(commit=False)})
        messages.success(request, _("Saved %(name)s.") % {"name": saved})
        return redirect(list_url)
    return render(request, "accounts/form.html", {"form": form, "title": title, "cancel_url": reverse(list_url)})


def _confirm_delete(request, obj, delete, keyword, list_url):
    """GET asks to confirm; POST deletes, or explains why it cannot and changes nothing."""
    error = None
    if request.method == "POST":
        try:
            delete(**{keyword: obj})
        except services.InUseError as exc:
            error = str(exc)
        else:
            messages.success(request, _("Deleted %(name)s.") % {"name": obj})
            return redirect(list_url)
    return render(
        request,
        "accounts/confirm_delete.html",
        {"object": obj, "error": error, "cancel_url": reverse(list_url)},
        status=409 if error else 200,
    )
