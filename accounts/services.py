"""Writes to users, teams and territories. Views, admin and the demo seed call these."""

from django.db import transaction
from django.utils.translation import gettext as _

from .models import Role, Team, Territory, User


class InUseError(Exception):
    """Raised when something is still referenced and removing it would lose data."""


def _sync_staff_flag(user: User) -> None:
    # Django admin access follows the role; superusers keep theirs.
    user.is_staff = user.role == Role.ADMIN or user.is_superuser


@transaction.atomic
def user_create(*, username: str, password: str, role: str, **fields) -> User:
    user = User(username=username, role=role, **fields)
    user.set_password(password)
    _sync_staff_flag(user)
    user.save()
    return user


@transaction.atomic
def user_update(*, user: User) -> User:
    """Save a user whose fields a form has already set and validated."""
    _sync_staff_flag(user)
    user.save()
    return user


@transaction.atomic
def user_set_password(*, user: User, password: str) -> None:
    user.set_password(password)
    user.save(update_fields=["password"])


@transaction.atomic
def team_save(*, team: Team) -> Team:
    team.full_clean()
    team.save()
    return team


@transaction.atomic
def team_delete(*, team: Team) -> None:
    """Delete an empty team. A team with members or sub-teams is refused, so nobody
    silently loses their team."""
    team = Team.objects.select_for_update().get(pk=team.pk)
    if team.members.exists() or team.children.exists():
        raise InUseError(_("Move this team's members and sub-teams to another team first."))
    team.delete()


@transaction.atomic
def territory_save(*, territory: Territory) -> Territory:
    territory.full_clean()
    territory.save()
    return territory


@transaction.atomic
def territory_delete(*, territory: Territory) -> None:
    """Delete an unused territory; one still assigned is refused (deactivate it instead)."""
    territory = Territory.objects.select_for_update().get(pk=territory.pk)
    if territory.reps.exists():
        raise InUseError(_("Reps are still assigned to this territory; deactivate it instead."))
    territory.delete()
