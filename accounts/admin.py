from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Team, Territory, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "team", "territory", "is_active")
    list_filter = ("role", "team", "territory", "is_active")
    list_select_related = ("team", "territory")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Sales organisation"), {"fields": ("role", "team", "territory")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Sales organisation"), {"fields": ("first_name", "last_name", "email", "role", "team", "territory")}),
    )

    def save_model(self, request, obj, form, change):
        # Same rule as the in-app settings: Django admin access follows the role.
        services.user_update(user=obj)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "manager", "parent")
    list_select_related = ("manager", "parent")
    search_fields = ("name",)

    def save_model(self, request, obj, form, change):
        services.team_save(team=obj)


class HistoryAdmin(admin.ModelAdmin):
    """An append-only history (stage changes, quota changes): to read and filter, never to edit."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ActiveNamesAdmin(admin.ModelAdmin):
    """A list of names that are switched off rather than deleted (territories, pipelines, lead sources ...)."""

    list_display = ("name", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)


@admin.register(Territory)
class TerritoryAdmin(ActiveNamesAdmin):
    def save_model(self, request, obj, form, change):
        services.territory_save(territory=obj)
