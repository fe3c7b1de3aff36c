from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from .models import Role, Team, Territory, User

USER_FIELDS = ("username", "first_name", "last_name", "email", "role", "team", "territory", "language")


class _RoleRulesMixin:
    """Rules that keep the organisation consistent whichever form edits a user."""

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        if role == Role.REP and cleaned.get("team") is None and "team" in self.fields:
            self.add_error("team", _("A rep must belong to a team."))
        if self.instance.pk and role and role not in (Role.MANAGER, Role.ADMIN):
            managed = list(self.instance.managed_teams.values_list("name", flat=True))
            if managed:
                self.add_error(
                    "role",
                    _("This person manages %(teams)s; give those teams another manager first.")
                    % {"teams": ", ".join(managed)},
                )
        return cleaned


class UserCreateForm(_RoleRulesMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = USER_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["territory"].queryset = Territory.objects.active()


class UserUpdateForm(_RoleRulesMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = (*USER_FIELDS, "is_active")
        help_texts = {"is_active": _("Inactive people cannot sign in; their history is kept.")}

    def __init__(self, *args, editor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.editor = editor
        self.fields["territory"].queryset = Territory.objects.filter(is_active=True) | Territory.objects.filter(
            pk=self.instance.territory_id
        )

    def clean(self):
        cleaned = super().clean()
        # An admin cannot lock themselves out of the settings area by accident.
        if self.instance.pk == self.editor.pk:
            if cleaned.get("role") and cleaned["role"] != Role.ADMIN and not self.instance.is_superuser:
                self.add_error("role", _("You cannot remove your own admin role."))
            if cleaned.get("is_active") is False:
                self.add_error("is_active", _("You cannot deactivate your own account."))
        return cleaned


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ("name", "manager", "parent")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = User.objects.filter(role__in=[Role.MANAGER, Role.ADMIN], is_active=True)
        if self.instance.pk:
            self.fields["parent"].queryset = Team.objects.exclude(pk=self.instance.pk)

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        if parent and self.instance.pk and (parent.pk == self.instance.pk or self.instance.pk in parent.ancestor_ids()):
            raise forms.ValidationError(_("A team cannot sit below itself or one of its own sub-teams."))
        return parent


class TerritoryForm(forms.ModelForm):
    class Meta:
        model = Territory
        fields = ("name", "description", "is_active")
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class UserSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    role = forms.ChoiceField(label=_("Role"), required=False, choices=[("", _("All roles")), *Role.choices])
    team = forms.ModelChoiceField(
        label=_("Team"), required=False, queryset=Team.objects.all(), empty_label=_("All teams")
    )
