"""Every domain write marks the dashboard keys it touches, in the writer's transaction.

Connected in ``DashboardsConfig.ready``: the domain apps never import
``dashboards``; they save models (forms, board, admin, services, imports) and
send a signal for their bulk writes, and these receivers follow. An update
marks the keys of the row both before and after, so a change of owner, day,
deal or close date leaves no stale row behind.
"""

from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from accounts.models import Team, Territory, User
from activities.models import Activity
from activities.signals import activities_created
from pipeline.models import (
    Company,
    Competitor,
    Deal,
    DealChange,
    LeadSource,
    LostReason,
    Pipeline,
    Stage,
    StageChange,
    StageKind,
)
from pipeline.signals import stages_reordered
from quotas.models import ActivityGoal, OrgSettings, Quota

from . import figure_cache
from .marks import mark_all, mark_days, mark_quotas
from .models import Scope


def _before(instance, *fields):
    """The row's saved values of ``fields`` (``None`` for a new row), kept for post_save."""
    if instance.pk is None:
        return None  # a new row (one given its key, like the settings' pk=1, is looked up)
    return type(instance).objects.filter(pk=instance.pk).values(*fields).first()


# --- activities ---------------------------------------------------------------------


def _activity_keys(rows):
    activity, pipeline = set(), set()
    for row in rows:
        activity.add((row["owner_id"], row["day"]))
        activity.add((row["owner_id"], row["created_day"]))
        if row["deal_id"]:
            pipeline.add((row["owner_id"], row["day"]))
    mark_days(Scope.ACTIVITY, activity)
    mark_days(Scope.PIPELINE, pipeline)


ACTIVITY_FIELDS = ("owner_id", "day", "created_day", "deal_id")


def _activity_row(activity: Activity) -> dict:
    return {name: getattr(activity, name) for name in ACTIVITY_FIELDS}


def activity_pre_save(sender, instance, **kwargs):
    instance._rollup_before = _before(instance, *ACTIVITY_FIELDS)


def activity_post_save(sender, instance, **kwargs):
    before = getattr(instance, "_rollup_before", None)
    _activity_keys([_activity_row(instance)] + ([before] if before else []))


def activity_post_delete(sender, instance, **kwargs):
    _activity_keys([_activity_row(instance)])


def activities_bulk_created(sender, activities, **kwargs):
    _activity_keys(_activity_row(activity) for activity in activities)


# --- deals and their history ------------------------------------------------------------


def _deal_days(deal_id: int, owners: set[int], closed: set) -> None:
    """Every day the deal's stage history or close touches, for each owner it had."""
    days = set(StageChange.objects.filter(deal_id=deal_id).values_list("day", flat=True)) | closed
    mark_days(Scope.PIPELINE, [(owner, day) for owner in owners for day in days])


def deal_pre_save(sender, instance, **kwargs):
    instance._rollup_before = _before(instance, "owner_id", "closed_on")


def deal_post_save(sender, instance, created, **kwargs):
    if created:
        # No history yet (its first StageChange marks its own day); only a close date.
        mark_days(Scope.PIPELINE, [(instance.owner_id, instance.closed_on)])
        return
    before = getattr(instance, "_rollup_before", None) or {}
    owners = {instance.owner_id, before.get("owner_id")} - {None}
    closed = {instance.closed_on, before.get("closed_on")} - {None}
    # A new owner takes the deal's whole stage flow; its activities keep their own owner.
    _deal_days(instance.pk, owners, closed)


def deal_post_delete(sender, instance, **kwargs):
    _deal_days(instance.pk, {instance.owner_id}, {instance.closed_on} - {None})


def stage_change_post_save(sender, instance, created, **kwargs):
    if created:
        mark_days(Scope.PIPELINE, [(instance.owner_id, instance.day)])
        if instance.from_stage_id is None:
            return  # the deal's creation: no activity is linked to it yet
        # A follow-up counts against the stage its deal sat in when it happened: the deal's
        # activities dated at or after the move (a meeting booked ahead) now count against the new
        # stage; and when the move is dated before every other change of the deal, so are those
        # dated before it (they count against the deal's first stage, now this one).
        activities = Activity.objects.filter(deal_id=instance.deal_id)
        history = StageChange.objects.filter(deal_id=instance.deal_id).exclude(pk=instance.pk)
        if history.filter(changed_at__lte=instance.changed_at).exists():
            activities = activities.filter(occurred_at__gte=instance.changed_at)
        mark_days(Scope.PIPELINE, activities.values_list("owner_id", "day"))


def deal_change_post_save(sender, instance, created, **kwargs):
    """The forecast snapshots (``ForecastWeek``): a row adds the deal for its owner in its week, and
    takes away the row before it, for that row's owner, in the same week; the row after it (a row
    dated back) now takes this one away instead of the one before, in its own week. So every owner
    of those rows is marked on this row's day and on the next row's."""
    if not created:
        return
    if getattr(instance, "is_first", False):
        # The row of the deal's creation: the StageChange of its creation marks the same (owner,
        # day), and an import of thousands of deals pays no query more per row. Not a row merely
        # dated at that moment: one dated back to it changes the rows after it.
        return
    history = list(
        DealChange.objects.filter(deal_id=instance.deal_id)
        .order_by("changed_at", "pk")
        .values_list("pk", "owner_id", "day")
    )
    mine = next(i for i, row in enumerate(history) if row[0] == instance.pk)
    around = history[max(mine - 1, 0) : mine + 2]
    days = {instance.day} | {day for _, _, day in history[mine + 1 : mine + 2]}
    mark_days(Scope.PIPELINE, [(owner, day) for _, owner, _ in around for day in days])


# --- settings that change how history reads --------------------------------------------------


def stage_pre_save(sender, instance, **kwargs):
    instance._rollup_before = _before(instance, "order", "kind")


def stage_post_save(sender, instance, created, **kwargs):
    before = getattr(instance, "_rollup_before", None)
    if before and (before["order"] != instance.order or before["kind"] != instance.kind):
        # Order and kind decide "advanced" and "lost" for every deal's history.
        mark_all()


def stages_put_in_order(sender, pipeline, **kwargs):
    mark_all()


def company_pre_save(sender, instance, **kwargs):
    instance._rollup_before = _before(instance, "territory_id", "segment")


def company_post_save(sender, instance, **kwargs):
    before = getattr(instance, "_rollup_before", None)
    if before and (before["territory_id"] != instance.territory_id or before["segment"] != instance.segment):
        closed = Deal.objects.filter(company=instance, stage__kind__in=(StageKind.WON, StageKind.LOST))
        mark_days(Scope.PIPELINE, closed.exclude(closed_on=None).values_list("owner_id", "closed_on"))


def territory_pre_delete(sender, instance, **kwargs):
    # Its companies lose their territory by one UPDATE (SET_NULL), which sends no signal.
    closed = Deal.objects.filter(company__territory=instance, stage__kind__in=(StageKind.WON, StageKind.LOST))
    mark_days(Scope.PIPELINE, closed.exclude(closed_on=None).values_list("owner_id", "closed_on"))


def org_settings_pre_save(sender, instance, **kwargs):
    instance._rollup_before = _before(instance, "fiscal_year_start_month", "time_zone")


def org_settings_post_save(sender, instance, created, **kwargs):
    # Until the settings row exists, quarters and years start in January, in UTC.
    before = getattr(instance, "_rollup_before", None) or {"fiscal_year_start_month": 1, "time_zone": "UTC"}
    if (before["fiscal_year_start_month"], before["time_zone"]) != (
        instance.fiscal_year_start_month,
        instance.time_zone,
    ):
        mark_all()  # every quarter and year moved, or the local dates of deals' creation


# --- quotas and teams ---------------------------------------------------------------------


def quota_post_save(sender, instance, **kwargs):
    mark_quotas([instance.pk])


def user_pre_save(sender, instance, **kwargs):
    instance._rollup_before = _before(instance, "team_id")


def user_post_save(sender, instance, **kwargs):
    before = getattr(instance, "_rollup_before", None)
    if before and before["team_id"] != instance.team_id:
        # A team's achievement counts its current members.
        teams = {before["team_id"], instance.team_id} - {None}
        mark_quotas(Quota.objects.filter(team_id__in=teams).values_list("pk", flat=True))


# --- what the pages read beside the dashboard tables ---------------------------------------

# Read live by the dashboards (names, scopes, plans, stale rules, currency): a change to any
# of them expires every cached figure. Activities, deals and stage history are not here:
# what pages show of them comes from the dashboard tables or from the live open pipeline.
LIVE_SETTINGS = (
    User,
    Team,
    Territory,
    Pipeline,
    Stage,
    LeadSource,
    Competitor,
    LostReason,
    OrgSettings,
    Quota,
    ActivityGoal,
)


def _defaults_only(instance) -> bool:
    fields = [f for f in instance._meta.concrete_fields if not f.primary_key]
    return all(getattr(instance, f.attname) == f.get_default() for f in fields)


def settings_changed(sender, instance=None, created=False, update_fields=None, **kwargs):
    if sender is User and update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # signing in changes nothing a page shows
    if sender is OrgSettings and created and _defaults_only(instance):
        return  # the first read stores the defaults that applied already
    figure_cache.bump_organisation()


def connect() -> None:
    receivers = [
        (pre_save, activity_pre_save, Activity),
        (post_save, activity_post_save, Activity),
        (post_delete, activity_post_delete, Activity),
        (activities_created, activities_bulk_created, Activity),
        (pre_save, deal_pre_save, Deal),
        (post_save, deal_post_save, Deal),
        (post_delete, deal_post_delete, Deal),
        (post_save, stage_change_post_save, StageChange),
        (post_save, deal_change_post_save, DealChange),
        (pre_save, stage_pre_save, Stage),
        (post_save, stage_post_save, Stage),
        (stages_reordered, stages_put_in_order, None),
        (pre_save, company_pre_save, Company),
        (post_save, company_post_save, Company),
        (pre_delete, territory_pre_delete, Territory),
        (pre_save, org_settings_pre_save, OrgSettings),
        (post_save, org_settings_post_save, OrgSettings),
        (post_save, quota_post_save, Quota),
        (pre_save, user_pre_save, User),
        (post_save, user_post_save, User),
    ]
    for signal, receiver, sender in receivers:
        signal.connect(receiver, sender=sender, weak=False, dispatch_uid=f"rollups-{receiver.__name__}")
    for model in LIVE_SETTINGS:
        for signal in (post_save, post_delete):
            signal.connect(settings_changed, sender=model, weak=False, dispatch_uid=f"figures-{model.__name__}")
    stages_reordered.connect(settings_changed, weak=False, dispatch_uid="figures-stages-reordered")
