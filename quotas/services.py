"""Writes to quotas and goals, each in one transaction, each quota change audited."""

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from accounts.models import Team, User

from .models import ActivityGoal, MetricGoal, OrgSettings, Quota, QuotaChange, ZoneChange, ZoneChangeStatus
from .organisation import forget_org_time_zone
from .periods import Period
from .signals import zone_change_requested


def _describe(quota: Quota) -> str:
    return f"{quota.rep or quota.team} · {quota.get_measure_display()} · {quota.period_kind} {quota.period_start}"


@transaction.atomic
def quota_set(
    *,
    by,
    period: Period,
    target: Decimal,
    measure: str = "revenue",
    rep: User | None = None,
    team: Team | None = None,
    stretch_percent: int = 125,
    reason: str = "",
) -> Quota:
    """Create or change the quota of one rep or one team for ``period``; every change is audited.

    The save leaves a dirty mark on the quota's attainment row through ``dashboards/receivers.py`` (post_save).
    """
    if (rep is None) == (team is None):
        raise ValidationError(_("A quota is for one rep or one team."))
    if target < 0:
        raise ValidationError({"target": _("A target cannot be negative.")})
    owner = {"rep": rep} if rep else {"team": team}
    # No ordering: the default one joins rep and team, and FOR UPDATE refuses outer joins.
    quota = (
        Quota.objects.select_for_update()
        .filter(**owner, period_kind=period.kind, period_start=period.start, measure=measure)
        .order_by()
        .first()
    )
    old_target, old_stretch = (quota.target, quota.stretch_percent) if quota else (None, None)
    if quota and (old_target, old_stretch) == (target, stretch_percent):
        return quota
    quota = quota or Quota(**owner, period_kind=period.kind, period_start=period.start, measure=measure)
    quota.target, quota.stretch_percent = target, stretch_percent
    quota.full_clean(exclude=["rep", "team"])
    quota.save()
    QuotaChange.objects.create(
        quota=quota,
        description=_describe(quota),
        changed_by=by,
        old_target=old_target,
        new_target=target,
        old_stretch_percent=old_stretch,
        new_stretch_percent=stretch_percent,
        reason=reason,
    )
    return quota


@transaction.atomic
def quota_delete(*, quota: Quota, by, reason: str = "") -> None:
    """Delete a quota, audited; the delete expires the dashboards' cached figures (``dashboards/receivers.py``)."""
    QuotaChange.objects.create(
        quota=None,
        description=_describe(quota),
        changed_by=by,
        old_target=quota.target,
        old_stretch_percent=quota.stretch_percent,
        reason=reason or _("Deleted"),
    )
    quota.delete()


@transaction.atomic
def quotas_copy_previous(*, period: Period, by, measure: str = "revenue") -> int:
    """Give every rep and team that had a quota last period the same one now,
    unless they already have one; returns how many were created. Each goes through ``quota_set``,
    so each leaves its dirty mark."""
    previous = period.previous()
    created = 0
    existing = Quota.objects.filter(period_kind=period.kind, period_start=period.start, measure=measure)
    taken = {(q.rep_id, q.team_id) for q in existing}
    for old in Quota.objects.filter(period_kind=previous.kind, period_start=previous.start, measure=measure):
        if (old.rep_id, old.team_id) in taken:
            continue
        quota_set(
            by=by,
            period=period,
            target=old.target,
            measure=measure,
            rep=old.rep,
            team=old.team,
            stretch_percent=old.stretch_percent,
            reason=_("Copied from %(period)s") % {"period": previous},
        )
        created += 1
    return created


@dataclass(frozen=True)
class Share:
    rep: User
    amount: Decimal
    got_remainder: bool  # True for the rep(s) who received the rounding remainder


def split_target(*, total: Decimal, reps: list[User], weights: dict[int, Decimal] | None = None) -> list[Share]:
    """Split ``total`` across ``reps`` evenly or by weight, in whole currency units.

    Each rep gets the whole-unit floor of their exact share; the units left over
    by rounding go one each to the reps with the largest fractions (ties: the
    order given), and those shares are flagged so the page can show them.
    """
    if not reps:
        raise ValidationError(_("The team has no active reps to split the target across."))
    weights = weights or {rep.pk: Decimal(1) for rep in reps}
    if any(weights.get(rep.pk, Decimal(0)) < 0 for rep in reps):
        raise ValidationError({"weights": _("Weights cannot be negative.")})
    weight_sum = sum(weights.get(rep.pk, Decimal(0)) for rep in reps)
    if weight_sum <= 0:
        raise ValidationError({"weights": _("At least one weight must be above zero.")})
    whole_total = total.quantize(Decimal(1), rounding=ROUND_DOWN)
    if whole_total != total:
        raise ValidationError({"total": _("Enter the team target in whole units.")})
    exact = [(rep, total * weights.get(rep.pk, Decimal(0)) / weight_sum) for rep in reps]
    floors = [(rep, share.quantize(Decimal(1), rounding=ROUND_DOWN), share) for rep, share in exact]
    left = int(total - sum(floor for _rep, floor, _share in floors))
    by_fraction = sorted(range(len(floors)), key=lambda i: floors[i][2] - floors[i][1], reverse=True)
    extra = set(by_fraction[:left])
    return [Share(rep, floor + (1 if i in extra else 0), i in extra) for i, (rep, floor, _share) in enumerate(floors)]


@transaction.atomic
def team_target_split(
    *, team: Team, period: Period, total: Decimal, by, weights: dict[int, Decimal] | None = None, measure="revenue"
) -> list[Share]:
    """Split a team target into its active reps' quotas (audited), keeping the team's own quota at ``total``.

    Each goes through ``quota_set``, so each leaves its dirty mark.
    """
    reps = list(User.objects.filter(team=team, role="rep", is_active=True).order_by("first_name", "last_name", "pk"))
    shares = split_target(total=total, reps=reps, weights=weights)
    reason = _("Split of %(team)s's target") % {"team": team}
    quota_set(by=by, period=period, target=total, measure=measure, team=team, reason=reason)
    for share in shares:
        quota_set(by=by, period=period, target=share.amount, measure=measure, rep=share.rep, reason=reason)
    return shares


@transaction.atomic
def org_settings_save(*, org_settings: OrgSettings, by: User | None = None) -> OrgSettings:
    """Save the organisation's settings; a new fiscal start or time zone marks every dashboard row dirty
    through ``dashboards/receivers.py``.

    A new time zone also starts a ``ZoneChange``: a job that recomputes every stored local day in
    the new zone, then rebuilds the dashboards (METRICS.md "Time zone and the stored local day").
    While one is still running, another new zone is refused (``time_zone``'s error): the second
    would start from days the first has half converted, and the admin sees the first finish first."""
    org_settings.pk = 1  # there is one organisation
    org_settings.full_clean()
    # Locked, so two admins changing the zone at once start one job, not two (PostgreSQL).
    saved = OrgSettings.objects.select_for_update().filter(pk=1).values_list("time_zone", flat=True).first()
    saved_zone = saved or OrgSettings._meta.get_field("time_zone").default
    change = None
    if org_settings.time_zone != saved_zone:
        running = ZoneChange.objects.active().first()
        if running is not None:
            raise ValidationError({"time_zone": _zone_change_refusal(running)})
        change = ZoneChange.objects.create(
            from_zone=saved_zone, to_zone=org_settings.time_zone, status=ZoneChangeStatus.QUEUED, requested_by=by
        )
    org_settings.save()
    transaction.on_commit(forget_org_time_zone)
    if change is not None:
        _zone_change_start(change)
    return org_settings


def _zone_change_refusal(running: ZoneChange) -> str:
    return _(
        "The time zone is still being changed to %(zone)s (%(done)s of %(total)s rows done). "
        "Choose another one once that has finished."
    ) % {
        "zone": running.to_zone,
        "done": number_format(running.rows_done, force_grouping=True),
        "total": number_format(running.rows_total, force_grouping=True),
    }


def _zone_change_start(change: ZoneChange) -> None:
    """Ask for the change's job once this transaction commits (the job reads what it saved)."""
    pk = change.pk
    transaction.on_commit(
        lambda: zone_change_requested.send(sender=ZoneChange, zone_change_id=pk),
        robust=True,  # a broker outage is the receiver's to report; the settings are saved
    )


@transaction.atomic
def zone_change_retry(*, zone_change: ZoneChange) -> ZoneChange:
    """Start a failed or stuck time zone change's job again, from the start (the job is safe to
    rerun). Only the latest change: a newer change's job converts every day anyway. A stuck one
    (no progress for ``ZoneChange.STUCK_AFTER``) lost its job; a run still going somehow loses
    its claim (``started_at``) here and stops at its next batch."""
    change = ZoneChange.objects.select_for_update().get(pk=zone_change.pk)
    latest = ZoneChange.objects.order_by("-requested_at", "-pk").first()
    if not (change.status == ZoneChangeStatus.FAILED or change.is_stuck) or change != latest:
        raise ValidationError(
            _("Only the latest time zone change, once it has failed or stopped making progress, can be started again.")
        )
    change.status = ZoneChangeStatus.QUEUED
    change.rows_done = 0
    change.started_at = change.finished_at = None
    change.progress_at = timezone.now()
    change.error = ""
    change.save(update_fields=["status", "rows_done", "started_at", "finished_at", "progress_at", "error"])
    _zone_change_start(change)
    return change


@transaction.atomic
def goal_save(*, goal: ActivityGoal) -> ActivityGoal:
    """Add or change an activity goal; the save expires the dashboards' cached figures (``dashboards/receivers.py``)."""
    goal.full_clean(exclude=["rep", "team"])
    goal.save()
    return goal


@transaction.atomic
def goal_delete(*, goal: ActivityGoal, by) -> None:
    """Delete an activity goal; the delete expires the dashboards' figures (``dashboards/receivers.py``)."""
    goal.delete()


@transaction.atomic
def metric_goal_save(*, goal: MetricGoal) -> MetricGoal:
    """Add or change a metric goal (its reward with it)."""
    goal.full_clean(exclude=["rep", "team"])
    goal.save()
    return goal


@transaction.atomic
def metric_goal_delete(*, goal: MetricGoal, by) -> None:
    """Delete a metric goal. The rewards recorded for it stay, with its terms as they were (``EarnedReward``)."""
    goal.delete()


@transaction.atomic
def plan_apply(*, plan, by) -> int:
    """Turn a planner result (``quotas.planner.Plan``) into quotas in one step;
    each goes through ``quota_set``, so every one is audited with the planner as its reason."""
    reason = _("Planner: %(target)s for %(period)s") % {
        "target": number_format(plan.target, 0, force_grouping=True),
        "period": plan.period,
    }
    for rep_plan in plan.reps:
        quota_set(by=by, period=plan.period, target=rep_plan.quota.amount, rep=rep_plan.rep, reason=reason)
    if plan.team:
        quota_set(by=by, period=plan.period, target=plan.target, team=plan.team, reason=reason)
    return plan.quotas_to_set
