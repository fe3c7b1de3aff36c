from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salestracker.names import full_name, short_name


class Role(models.TextChoices):
    REP = "rep", _("Sales rep")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Admin")


class OwnedQuerySet(models.QuerySet):
    """Rows that belong to a person through an ``owner`` field (deals, activities), or the
    field ``owner_field`` names (``rep`` in the dashboards' per-rep tables)."""

    owner_field = "owner"

    def visible_to(self, user):
        """Reps their own, managers their own and their teams' members', admins all."""
        if not user.is_authenticated:
            return self.none()
        if user.is_admin:
            return self.all()
        owner = self.owner_field
        if user.is_manager:
            # The owners as a subquery, not an OR over a join to them: PostgreSQL then reads each
            # owner's rows by index (a semi-join) instead of every row to test its owner's team.
            owners = User.objects.filter(Q(pk=user.pk) | Q(team_id__in=Team.managed_team_ids(user)))
            return self.filter(**{f"{owner}_id__in": owners.values("pk")})
        return self.filter(**{owner: user})


class TerritoryQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Territory(models.Model):
    """A sales territory (a region or a list of accounts) that reps and companies belong to."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = TerritoryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("territory")
        verbose_name_plural = _("territories")

    def __str__(self):
        return self.name


class TeamQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Teams this user may look at: admins all, managers the teams they run
        (and every team below those), reps their own team."""
        if not user.is_authenticated:
            return self.none()
        if user.is_admin:
            return self.all()
        if user.is_manager:
            return self.filter(pk__in=Team.managed_team_ids(user))
        return self.filter(pk=user.team_id) if user.team_id else self.none()


class Team(models.Model):
    """A sales team with its manager; a team with a parent is part of a
    department (e.g. "North America" > "Enterprise East")."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    manager = models.ForeignKey(
        "accounts.User",
        verbose_name=_("manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_teams",
        limit_choices_to=Q(role__in=[Role.MANAGER, Role.ADMIN]),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self):
        return self.name

    @staticmethod
    def managed_team_ids(user) -> set[int]:
        """Ids of the teams the user manages directly and all teams below them.

        One query per level of the hierarchy; departments are shallow (two or
        three levels), so this stays a handful of queries.
        """
        found: set[int] = set()
        frontier = set(Team.objects.filter(manager=user).values_list("pk", flat=True))
        while frontier:
            found |= frontier
            frontier = set(Team.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - found
        return found

    def ancestor_ids(self) -> set[int]:
        """Ids of every team above this one (to refuse a parent loop)."""
        seen: set[int] = set()
        parent_id = self.parent_id
        while parent_id and parent_id not in seen:
            seen.add(parent_id)
            parent_id = Team.objects.filter(pk=parent_id).values_list("parent_id", flat=True).first()
        return seen


class UserQuerySet(models.QuerySet):
    def visible_to(self, user):
        """People this user may look at: admins everyone, managers themselves
        and the members of their teams, reps themselves and their teammates."""
        if not user.is_authenticated:
            return self.none()
        if user.is_admin:
            return self.all()
        if user.is_manager:
            return self.filter(Q(pk=user.pk) | Q(team_id__in=Team.managed_team_ids(user)))
        if user.team_id:
            return self.filter(Q(pk=user.pk) | Q(team_id=user.team_id))
        return self.filter(pk=user.pk)

    def reps(self):
        return self.filter(role=Role.REP, is_active=True)

    def assignable_by(self, user, *, keep: int | None = None):
        """People ``user`` may make the owner of a deal or an activity: a rep
        only themselves, a manager themselves and the active members of the
        teams they run, an admin any active person. ``keep`` (a user id) stays
        selectable, so editing a record whose owner has left forces no change."""
        if user.is_admin:
            allowed = Q(is_active=True)
        elif user.is_manager:
            allowed = Q(pk=user.pk) | Q(team_id__in=Team.managed_team_ids(user), is_active=True)
        else:
            allowed = Q(pk=user.pk)
        if keep:
            allowed |= Q(pk=keep)
        return self.filter(allowed)


class AccountUserManager(UserManager.from_queryset(UserQuerySet)):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in: a rep, a manager or an admin."""

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.REP)
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
    )
    territory = models.ForeignKey(
        Territory,
        verbose_name=_("territory"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reps",
    )

    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("The language of every page for this person; empty follows the browser."),
    )

    objects = AccountUserManager()

    class Meta:
        ordering = ["first_name", "last_name", "username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.get_full_name() or self.username

    def get_full_name(self):
        return full_name(self.first_name, self.last_name)

    def get_short_name(self):
        return short_name(self.first_name, self.last_name)

    @property
    def is_admin(self) -> bool:
        # A Django superuser (from createsuperuser) is an admin whatever its role says.
        return self.role == Role.ADMIN or self.is_superuser

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER and not self.is_superuser

    @property
    def is_rep(self) -> bool:
        return self.role == Role.REP and not self.is_superuser


class Submission(models.Model):
    """A create form's one-time key, claimed in the same transaction as what the form creates, with
    where its answer led: the same form sent again (a retry after an error page, a reload, a double
    click) is answered from here instead of writing twice. Rows are deleted after a day."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", verbose_name=_("user"))
    key = models.CharField(_("key"), max_length=64)
    # The first answer's redirect, and the id of what it saved (for an answer rebuilt from it).
    location = models.TextField(_("location"), blank=True)
    object_id = models.BigIntegerField(_("object id"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="accounts_submission_user_key")]
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")

    def __str__(self):
        return self.key
