"""Reads for the settings area and the home pages."""

from django.db.models import Count, Q, QuerySet

from .models import Team, Territory, User


def user_list(*, q: str = "", role: str = "", team: Team | None = None) -> QuerySet[User]:
    users = User.objects.select_related("team", "territory")
    if q:
        users = users.filter(
            Q(username__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q) | Q(email__icontains=q)
        )
    if role:
        users = users.filter(role=role)
    if team:
        users = users.filter(team=team)
    return users


def team_list(*, viewer: User) -> QuerySet[Team]:
    return (
        Team.objects.visible_to(viewer)
        .select_related("manager", "parent")
        .annotate(member_count=Count("members", filter=Q(members__is_active=True)))
    )


def territory_list() -> QuerySet[Territory]:
    return Territory.objects.annotate(rep_count=Count("reps", filter=Q(reps__is_active=True)))


def team_members(*, viewer: User) -> QuerySet[User]:
    """Active members of the teams the viewer may see, with their team, for the manager's home page."""
    return (
        User.objects.filter(team__in=Team.objects.visible_to(viewer), is_active=True)
        .select_related("team")
        .order_by("team__name", "first_name", "last_name")
    )
