"""Reads for the quotas screens: the grid, a team's quota and the audit trail.

Definitions follow METRICS.md ("Quotas and goals").
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum

from accounts.models import Role, Team, User

from .models import Quota, QuotaChange, ZoneChange
from .periods import Period


@dataclass(frozen=True)
class TeamQuota:
    """A team's quota in one period: its own (``is_own``) or the sum of its members' quotas."""

    target: Decimal
    is_own: bool
    quota: Quota | None = None  # the team's own quota row, when it has one


@dataclass
class RepCell:
    period: Period
    key: str  # names the cell's inputs on the admin grid
    quota: Quota | None


@dataclass
class TeamCell:
    period: Period
    key: str
    quota: Quota | None  # the team's own quota, if set
    team_quota: TeamQuota | None  # what the team row shows (own, else sum of members)


@dataclass
class RepRow:
    rep: User
    cells: list[RepCell]


@dataclass
class TeamGroup:
    """One team's block of the grid: the team row (``None`` for reps, who see only
    themselves, and for reps without a team) and a row per rep."""

    team: Team | None
    team_cells: list[TeamCell] | None
    rows: list[RepRow] = field(default_factory=list)


def _team_quota(own: Quota | None, member_quotas: list[Quota]) -> TeamQuota | None:
    """METRICS.md "team quota": the team's own quota if set, else the sum of its members' quotas."""
    if own is not None:
        return TeamQuota(target=own.target, is_own=True, quota=own)
    if member_quotas:
        return TeamQuota(target=sum((q.target for q in member_quotas), Decimal(0)), is_own=False)
    return None


def team_quota(*, team: Team, period: Period, measure: str) -> TeamQuota | None:
    """The team's quota for ``period`` in ``measure`` (money, deals or units): its own
    quota if set, else the sum of its members' quotas in that period; ``None`` when neither exists."""
    same_period = {"period_kind": period.kind, "period_start": period.start, "measure": measure}
    own = Quota.objects.filter(team=team, **same_period).first()
    if own is not None:
        return _team_quota(own, [])
    total = Quota.objects.filter(rep__team=team, **same_period).aggregate(total=Sum("target"))["total"]
    return None if total is None else TeamQuota(target=total, is_own=False)


def grid_teams(*, viewer: User) -> list[Team]:
    """Teams whose quotas ``viewer`` may see as team rows: admins all, managers theirs, reps none."""
    if viewer.is_rep:
        return []
    return list(Team.objects.visible_to(viewer).order_by("name"))


def grid_rows(*, viewer: User, kind: str, measure: str, periods: list[Period]) -> list[TeamGroup]:
    """The quotas grid: reps (grouped by team) x ``periods``, in ``measure``.

    Admins see every team, managers the teams they run, reps only their own row.
    A rep row lists the team's active reps and anyone else in the team who holds
    a quota in one of the periods (someone who left keeps their row until then).

    A fixed number of queries whatever the number of reps: teams, reps, quotas
    (plus the manager's team lookup, one per level of the team hierarchy).
    """
    starts = [period.start for period in periods]
    in_periods = Quota.objects.filter(period_kind=kind, measure=measure, period_start__in=starts).select_related("rep")
    if viewer.is_rep:
        quotas = list(in_periods.filter(rep=viewer))
        groups = [TeamGroup(team=viewer.team, team_cells=None)]
        groups[0].rows.append(_rep_row(viewer, periods, quotas))
        return groups

    teams = grid_teams(viewer=viewer)
    team_ids = [team.pk for team in teams]
    owners = Q(team_id__in=team_ids) | Q(rep__team_id__in=team_ids)
    reps_filter = Q(team_id__in=team_ids)
    if viewer.is_admin:
        # Reps left without a team (their team was deleted) still have quotas to manage.
        owners |= Q(rep__isnull=False, rep__team__isnull=True)
        reps_filter |= Q(team__isnull=True)
    quotas = list(in_periods.filter(owners))
    reps = {rep.pk: rep for rep in User.objects.filter(reps_filter, role=Role.REP, is_active=True)}
    for quota in quotas:
        if quota.rep is not None:
            reps.setdefault(quota.rep_id, quota.rep)

    quotas_by_rep: dict[int, list[Quota]] = defaultdict(list)
    own_by_team: dict[int, list[Quota]] = defaultdict(list)
    for quota in quotas:
        if quota.rep_id:
            quotas_by_rep[quota.rep_id].append(quota)
        else:
            own_by_team[quota.team_id].append(quota)
    reps_by_team: dict[int | None, list[User]] = defaultdict(list)
    for rep in sorted(reps.values(), key=lambda r: (r.first_name, r.last_name, r.username)):
        reps_by_team[rep.team_id].append(rep)

    groups = []
    for team in teams:
        members = reps_by_team.get(team.pk, [])
        member_quotas = [q for rep in members for q in quotas_by_rep.get(rep.pk, [])]
        team_cells = []
        for period in periods:
            own = next((q for q in own_by_team.get(team.pk, []) if q.period_start == period.start), None)
            in_period = [q for q in member_quotas if q.period_start == period.start]
            team_cells.append(TeamCell(period, f"t{team.pk}_{period.start:%Y%m%d}", own, _team_quota(own, in_period)))
        group = TeamGroup(team=team, team_cells=team_cells)
        group.rows = [_rep_row(rep, periods, quotas_by_rep.get(rep.pk, [])) for rep in members]
        groups.append(group)
    if reps_by_team.get(None):
        group = TeamGroup(team=None, team_cells=None)
        group.rows = [_rep_row(rep, periods, quotas_by_rep.get(rep.pk, [])) for rep in reps_by_team[None]]
        groups.append(group)
    return groups


def _rep_row(rep: User, periods: list[Period], quotas: list[Quota]) -> RepRow:
    by_start = {q.period_start: q for q in quotas if q.rep_id == rep.pk}
    return RepRow(
        rep=rep,
        cells=[RepCell(period, f"r{rep.pk}_{period.start:%Y%m%d}", by_start.get(period.start)) for period in periods],
    )


def team_split_reps(*, team: Team) -> list[User]:
    """The reps a team target is split across, in the order the split gives out the remainder
    (the same as ``services.team_target_split``)."""
    return list(User.objects.filter(team=team, role=Role.REP, is_active=True).order_by("first_name", "last_name", "pk"))


def quota_history(
    *, viewer: User, rep: User | None = None, team: Team | None = None, quota_id: int | None = None
) -> QuerySet[QuotaChange]:
    """The audit trail, newest first: admins every change (deleted quotas too), managers
    those of their teams and their members, reps their own quotas'."""
    changes = QuotaChange.objects.select_related("changed_by", "quota__rep", "quota__team")
    if viewer.is_admin:
        pass
    elif viewer.is_manager:
        managed = Team.managed_team_ids(viewer)
        changes = changes.filter(
            Q(quota__team_id__in=managed) | Q(quota__rep__team_id__in=managed) | Q(quota__rep=viewer)
        )
    else:
        changes = changes.filter(quota__rep=viewer)
    if rep is not None:
        changes = changes.filter(quota__rep=rep)
    if team is not None:
        changes = changes.filter(Q(quota__team=team) | Q(quota__rep__team=team))
    if quota_id is not None:
        changes = changes.filter(quota_id=quota_id)
    return changes.order_by("-changed_at", "-pk")


def zone_change_latest() -> ZoneChange | None:
    """The latest change of the organisation's time zone (running, finished or failed), if any."""
    return ZoneChange.objects.select_related("requested_by").order_by("-requested_at", "-pk").first()
