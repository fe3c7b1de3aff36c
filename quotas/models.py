"""Organisation settings, quotas (with their audit trail) and activity goals.

Definitions follow METRICS.md ("Quotas and goals").
"""

import re
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Team
from pipeline.models import Segment
from salestracker.dates import validate_in_window

from .periods import Period

# Quotas and goals are set for one rep or for one team, never both or neither.
FOR_A_REP_OR_A_TEAM = (Q(rep__isnull=False) & Q(team__isnull=True)) | (Q(rep__isnull=True) & Q(team__isnull=False))

User = settings.AUTH_USER_MODEL


class OrgSettings(models.Model):
    """The organisation's settings: one row (``OrgSettings.load()``)."""

    fiscal_year_start_month = models.PositiveSmallIntegerField(
        _("fiscal year starts in month"), default=1, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    currency = models.CharField(_("currency"), max_length=3, default="USD", help_text=_("ISO 4217 code, e.g. EUR."))
    default_deal_size = models.DecimalField(
        _("default average deal size"), max_digits=14, decimal_places=2, default=Decimal("25000")
    )
    default_meeting_to_win_rate = models.DecimalField(
        _("default meeting → won rate"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.25"),
        validators=[MinValueValidator(Decimal("0.0001")), MaxValueValidator(1)],
        help_text=_("Used by the planner when there is too little history (0.25 = 25%)."),
    )
    default_call_to_meeting_rate = models.DecimalField(
        _("default call → meeting rate"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.05"),
        validators=[MinValueValidator(Decimal("0.0001")), MaxValueValidator(1)],
    )
    quiet_days = models.PositiveSmallIntegerField(
        _("commit deal at risk after quiet days"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("A commit deal with no activity for this many days is listed as at risk."),
    )
    activity_drop_percent = models.PositiveSmallIntegerField(
        _("activity drop warning below (%)"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "A rep is flagged when their last two weeks of calls, meetings or emails fall below this share "
            "of their own trailing eight-week average."
        ),
    )

    class Meta:
        verbose_name = _("organisation settings")
        verbose_name_plural = _("organisation settings")

    def __str__(self):
        return str(_("Organisation settings"))

    @classmethod
    def load(cls) -> "OrgSettings":
        settings_row, _created = cls.objects.get_or_create(pk=1)
        return settings_row

    def period(self, day: date, kind: str) -> Period:
        return Period.containing(day, kind, fiscal_start=self.fiscal_year_start_month)


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class Measure(models.TextChoices):
    REVENUE = "revenue", _("Revenue")
    WON_DEALS = "won_deals", _("Won deals")
    UNITS = "units", _("Units")


class Quota(models.Model):
    """A target for one rep or one team for one period."""

    rep = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="quotas", verbose_name=_("rep")
    )
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="quotas", verbose_name=_("team")
    )
    period_kind = models.CharField(_("period"), max_length=8, choices=PeriodKind.choices, default=PeriodKind.QUARTER)
    period_start = models.DateField(_("period start"), validators=[validate_in_window])
    measure = models.CharField(_("measured in"), max_length=10, choices=Measure.choices, default=Measure.REVENUE)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    stretch_percent = models.PositiveSmallIntegerField(
        _("stretch (%)"), default=125, validators=[MinValueValidator(100), MaxValueValidator(500)]
    )

    class Meta:
        ordering = ["period_start", "team__name", "rep__first_name"]
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        constraints = [
            models.CheckConstraint(
                condition=FOR_A_REP_OR_A_TEAM,
                name="quota_for_a_rep_or_a_team",
            ),
            models.UniqueConstraint(
                fields=["rep", "period_kind", "period_start", "measure"],
                condition=Q(rep__isnull=False),
                name="quota_unique_per_rep_period",
            ),
            models.UniqueConstraint(
                fields=["team", "period_kind", "period_start", "measure"],
                condition=Q(team__isnull=False),
                name="quota_unique_per_team_period",
            ),
        ]

    def __str__(self):
        return f"{self.rep or self.team} · {self.period_kind} {self.period_start:%Y-%m-%d}"

    @property
    def stretch_target(self) -> Decimal:
        return self.target * self.stretch_percent / 100


class QuotaChange(models.Model):
    """The audit trail: every change of a quota, who made it and when."""

    quota = models.ForeignKey(Quota, on_delete=models.SET_NULL, null=True, related_name="changes")
    description = models.CharField(_("quota"), max_length=200, help_text=_("Kept when the quota is deleted."))
    changed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by"))
    changed_at = models.DateTimeField(_("when"), default=timezone.now)
    old_target = models.DecimalField(_("old target"), max_digits=14, decimal_places=2, null=True, blank=True)
    new_target = models.DecimalField(_("new target"), max_digits=14, decimal_places=2, null=True, blank=True)
    old_stretch_percent = models.PositiveSmallIntegerField(_("old stretch"), null=True, blank=True)
    new_stretch_percent = models.PositiveSmallIntegerField(_("new stretch"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = _("quota change")
        verbose_name_plural = _("quota changes")

    def __str__(self):
        return f"{self.description}: {self.old_target} → {self.new_target}"


class GoalMetric(models.TextChoices):
    CALLS = "call", _("Calls")
    EMAILS = "email", _("Emails")
    MEETINGS = "meeting", _("Meetings")
    DEMOS = "demo", _("Demos")
    PROSPECTING = "prospecting", _("Prospecting")
    FOLLOW_UPS = "follow_up", _("Follow-ups")
    OUTREACH = "outreach", _("Outreach (calls + emails)")
    ALL_MEETINGS = "meetings_demos", _("Meetings and demos")


# Activity kinds each goal metric counts.
GOAL_KINDS: dict[str, tuple[str, ...]] = {
    GoalMetric.OUTREACH: ("call", "email"),
    GoalMetric.ALL_MEETINGS: ("meeting", "demo"),
}


class GoalFrequency(models.TextChoices):
    WEEK = "week", _("per week")
    MONTH = "month", _("per month")


class ActivityGoal(models.Model):
    """A count of activity per week or month for a rep or a team.

    A ramped ("waterfall") goal starts at ``ramp_start`` in the period of
    ``starts_on`` and rises by ``ramp_step`` each period until ``target``; the
    target for any given period is derived (``target_for``), never stored twice.
    """

    rep = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="activity_goals", verbose_name=_("rep")
    )
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="activity_goals", verbose_name=_("team")
    )
    metric = models.CharField(_("activity"), max_length=16, choices=GoalMetric.choices)
    frequency = models.CharField(
        _("how often"), max_length=8, choices=GoalFrequency.choices, default=GoalFrequency.WEEK
    )
    target = models.PositiveIntegerField(_("target"), validators=[MinValueValidator(1)])
    ramp_start = models.PositiveIntegerField(_("ramp: start at"), null=True, blank=True)
    ramp_step = models.PositiveIntegerField(_("ramp: rise by"), null=True, blank=True)
    starts_on = models.DateField(_("starts on"), default=timezone.localdate, validators=[validate_in_window])
    priority = models.PositiveSmallIntegerField(_("priority"), default=1, help_text=_("1 matters most."))
    is_collective = models.BooleanField(
        _("collective"), default=False, help_text=_("A team goal met only when every member meets their part.")
    )
    is_stretch = models.BooleanField(_("stretch goal"), default=False)

    class Meta:
        ordering = ["priority", "pk"]
        verbose_name = _("activity goal")
        verbose_name_plural = _("activity goals")
        constraints = [
            models.CheckConstraint(
                condition=FOR_A_REP_OR_A_TEAM,
                name="goal_for_a_rep_or_a_team",
            ),
            models.CheckConstraint(
                condition=(Q(ramp_start__isnull=True) & Q(ramp_step__isnull=True))
                # Spelled out: a CHECK passes when it evaluates to NULL (a missing step).
                | (Q(ramp_start__isnull=False) & Q(ramp_step__isnull=False) & Q(ramp_step__gt=0)),
                name="goal_ramp_complete",
            ),
        ]

    def __str__(self):
        return f"{self.get_metric_display()} {self.get_frequency_display()}: {self.target}"

    @property
    def kinds(self) -> tuple[str, ...]:
        return GOAL_KINDS.get(self.metric, (self.metric,))

    def target_for(self, period: Period) -> int:
        """The goal's target in ``period`` after the ramp: 0 before it starts."""
        first = Period.containing(self.starts_on, period.kind, period.fiscal_start)
        if period < first:
            return 0
        if self.ramp_start is None:
            return self.target
        return min(self.target, self.ramp_start + self.ramp_step * period.steps_since(first))


class OutcomeMetric(models.TextChoices):
    """A figure the dashboards compute that a goal may target (docs/metrics.md "Goals on any metric")."""

    WON_REVENUE = "won_revenue", _("Won revenue")
    WON_DEALS = "won_deals", _("Won deals")
    WIN_RATE = "win_rate", _("Win rate")
    AVERAGE_DEAL = "average_deal", _("Average deal size")
    CYCLE_LENGTH = "cycle_length", _("Sales cycle length")
    CONNECT_RATE = "connect_rate", _("Connect rate")
    REPLY_RATE = "reply_rate", _("Reply rate")
    MEETINGS_HELD = "meetings_held", _("Meetings held")
    POSITIVE_RATE = "positive_rate", _("Positive-meeting rate")
    SELLING_SHARE = "selling_share", _("Selling-time share")
    COVERAGE = "coverage", _("Account coverage")


class Direction(models.TextChoices):
    AT_LEAST = "at_least", _("at least")
    AT_MOST = "at_most", _("at most")


class GoalPeriod(models.TextChoices):
    WEEK = "week", _("per week")
    MONTH = "month", _("per month")
    QUARTER = "quarter", _("per quarter")


# Which of a rep's assigned accounts a coverage goal counts: the scopes ``portfolio.selectors.coverage`` takes.
COVERAGE_SCOPES = [("all", _("All assigned accounts")), ("customers", _("Customers only")), *Segment.choices]


class MetricGoal(models.Model):
    """A target on a dashboard figure (won revenue, win rate, cycle length, coverage …) per week,
    month or fiscal quarter for a rep or a team, "at least" or "at most" the target, with an optional
    reward (a SPIF) earned when a closed period met it.

    A sibling of ``ActivityGoal`` rather than more columns on it: its target is a decimal in the
    metric's unit, it has a direction and a reward, and its progress comes from the dashboards'
    figures, not from activity counts; every reader of activity goals (the team table's goal
    columns, the planner, the goal history) would otherwise branch on the metric.
    """

    rep = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="metric_goals", verbose_name=_("rep")
    )
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="metric_goals", verbose_name=_("team")
    )
    metric = models.CharField(_("metric"), max_length=16, choices=OutcomeMetric.choices)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices, default=Direction.AT_LEAST)
    period_kind = models.CharField(_("period"), max_length=8, choices=GoalPeriod.choices, default=GoalPeriod.MONTH)
    # In the metric's unit: money in the organisation's currency, days, a count, or a percentage (35 = 35%).
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    ramp_start = models.DecimalField(_("ramp: start at"), max_digits=14, decimal_places=2, null=True, blank=True)
    ramp_step = models.DecimalField(_("ramp: change by"), max_digits=14, decimal_places=2, null=True, blank=True)
    starts_on = models.DateField(_("starts on"), default=timezone.localdate, validators=[validate_in_window])
    priority = models.PositiveSmallIntegerField(_("priority"), default=1, help_text=_("1 matters most."))
    is_collective = models.BooleanField(
        _("collective"), default=False, help_text=_("A team goal met only when every member meets it.")
    )
    coverage_scope = models.CharField(_("accounts counted"), max_length=16, choices=COVERAGE_SCOPES, default="all")
    reward_description = models.CharField(_("reward"), max_length=200, blank=True)
    reward_amount = models.DecimalField(
        _("reward amount"), max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    reward_currency = models.CharField(_("reward currency"), max_length=3, blank=True)

    class Meta:
        ordering = ["priority", "pk"]
        verbose_name = _("metric goal")
        verbose_name_plural = _("metric goals")
        constraints = [
            models.CheckConstraint(condition=FOR_A_REP_OR_A_TEAM, name="metric_goal_for_a_rep_or_a_team"),
            models.CheckConstraint(
                condition=(Q(ramp_start__isnull=True) & Q(ramp_step__isnull=True))
                | (Q(ramp_start__isnull=False) & Q(ramp_step__isnull=False) & Q(ramp_step__gt=0)),
                name="metric_goal_ramp_complete",
            ),
            # An amount is always of a currency and for a described reward.
            models.CheckConstraint(
                condition=Q(reward_amount__isnull=True) | (~Q(reward_currency="") & ~Q(reward_description="")),
                name="metric_goal_reward_amount_has_currency",
            ),
        ]

    def __str__(self):
        target = format(Decimal(self.target).normalize(), "f")  # 4000, 37.5: as entered, never "4000.00"
        return f"{self.get_metric_display()} {self.get_direction_display()} {target} {self.get_period_kind_display()}"

    def clean(self):
        """The rules every path obeys (the form, the Django admin): a target in the metric's unit, a
        ramp that moves towards it, an amount only for a described reward and with a currency."""
        from .goal_metrics import METRIC_SPECS, Unit  # it reads this module's choices

        errors = {}
        spec = METRIC_SPECS.get(self.metric)
        for name in ("target", "ramp_start"):
            value = getattr(self, name)
            if spec is None or value is None:
                continue
            if spec.unit == Unit.PERCENT and value > 100:
                errors[name] = _("A percentage is at most 100.")
            elif spec.unit == Unit.COUNT and value != value.to_integral_value():
                errors[name] = _("Enter a whole number.")
        if self.target == 0 and self.direction == Direction.AT_LEAST:
            errors.setdefault("target", _("A goal of at least 0 is always met: enter a target above 0."))
        if self.metric != OutcomeMetric.COVERAGE and self.coverage_scope != "all":
            errors["coverage_scope"] = _("Only a coverage goal counts a part of the accounts.")
        if self.is_collective and self.rep_id is not None:
            errors["is_collective"] = _("Only a team goal can be collective.")
        start, step = self.ramp_start, self.ramp_step
        if (start is None) != (step is None):
            errors["ramp_step" if step is None else "ramp_start"] = _("A ramp needs a start and a step.")
        elif step is not None and step <= 0:
            errors["ramp_step"] = _("The ramp must move by more than 0 each period.")
        elif start is not None and self.target is not None and "ramp_start" not in errors:
            if self.direction == Direction.AT_MOST and start <= self.target:
                errors["ramp_start"] = _("An at-most ramp starts above the target.")
            elif self.direction == Direction.AT_LEAST and start >= self.target:
                errors["ramp_start"] = _("An at-least ramp starts below the target.")
        if self.reward_amount is not None and not self.reward_description:
            errors["reward_description"] = _("Describe the reward the amount is for.")
        if self.reward_amount is None and self.reward_currency:
            errors["reward_amount"] = _("Enter the amount the currency is for, or leave the currency empty.")
        if self.reward_currency and not re.fullmatch(r"[A-Z]{3}", self.reward_currency):
            errors["reward_currency"] = _("Enter a three-letter ISO 4217 code in capitals, e.g. EUR.")
        elif self.reward_amount is not None and not self.reward_currency:
            errors["reward_currency"] = _("Enter the reward's currency, e.g. EUR.")
        if errors:
            raise ValidationError(errors)

    @property
    def has_reward(self) -> bool:
        return bool(self.reward_description)

    def target_for(self, period: Period) -> Decimal | None:
        """The target in ``period`` after the ramp; None before the goal starts. A ramp moves from
        ``ramp_start`` towards the target by ``ramp_step`` each period: up for "at least", down for
        "at most" (a cycle length of 60 → 55 → 50 → 45 days)."""
        first = Period.containing(self.starts_on, period.kind, period.fiscal_start)
        if period < first:
            return None
        target = Decimal(self.target)
        if self.ramp_start is None:
            return target
        moved = Decimal(self.ramp_step) * period.steps_since(first)
        if self.direction == Direction.AT_MOST:
            return max(target, Decimal(self.ramp_start) - moved)
        return min(target, Decimal(self.ramp_start) + moved)


class EarnedReward(models.Model):
    """A reward one rep earned: a rewarded metric goal met in a period that has closed, recorded the
    night after (``quotas.rewards.earned_rewards_record``) with the goal's terms, its target and the
    figure reached then. It is the record a reward is paid from, so nothing later changes it: an edit
    or a deletion of the goal, a rep moving team, a late-logged activity (docs/metrics.md "Rewards")."""

    goal = models.ForeignKey(
        MetricGoal, on_delete=models.SET_NULL, null=True, blank=True, related_name="earned_rewards"
    )
    # PROTECT: a reward earned (perhaps paid) must keep its payee; people leave by being deactivated,
    # and one who owns deals cannot be deleted anyway (``Deal.owner``).
    rep = models.ForeignKey(User, on_delete=models.PROTECT, related_name="earned_rewards", verbose_name=_("rep"))
    # The team whose goal paid it (its members when it was recorded); none for a rep's own goal.
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("team")
    )
    period_kind = models.CharField(_("period"), max_length=8, choices=GoalPeriod.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    # A quarter's name (FY2026-Q3) depends on the fiscal year's start: the one the period was judged in.
    fiscal_start = models.PositiveSmallIntegerField(_("fiscal year starts in month"))
    # The goal as it was when the reward was earned.
    goal_description = models.CharField(_("goal"), max_length=200)
    metric = models.CharField(_("metric"), max_length=16, choices=OutcomeMetric.choices)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    is_collective = models.BooleanField(_("collective"), default=False)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2)
    # The goal's figure in its unit (a team goal's is the team's), to four places.
    reached = models.DecimalField(_("reached"), max_digits=18, decimal_places=4)
    reward_description = models.CharField(_("reward"), max_length=200)
    reward_amount = models.DecimalField(_("reward amount"), max_digits=12, decimal_places=2, null=True, blank=True)
    reward_currency = models.CharField(_("reward currency"), max_length=3, blank=True)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["-period_end", "rep__first_name", "rep__last_name", "rep_id", "pk"]
        verbose_name = _("earned reward")
        verbose_name_plural = _("earned rewards")
        constraints = [
            # Recording a period twice (a rerun, two workers) adds nothing.
            models.UniqueConstraint(
                fields=["goal", "rep", "period_start", "period_kind"], name="earned_reward_once_per_goal_rep_period"
            ),
        ]

    def __str__(self):
        return f"{self.rep} · {self.period} · {self.reward_description}"

    @property
    def period(self) -> Period:
        return Period(self.period_start, self.period_kind, self.fiscal_start)

    @property
    def amount(self) -> Decimal | None:
        return self.reward_amount

    @property
    def currency(self) -> str:
        return self.reward_currency


class ZoneChangeStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for a worker")
    CONVERTING = "converting", _("Recomputing the local days")
    REBUILDING = "rebuilding", _("Rebuilding the dashboards")
    DONE = "done", _("Finished")
    FAILED = "failed", _("Failed")


class ZoneChangeQuerySet(models.QuerySet):
    def active(self):
        """Changes not yet finished or failed: stored days may be half converted, dashboards stale."""
        return self.filter(status__in=ZoneChange.ACTIVE)

    def stuck(self):
        """Active changes whose job showed no progress for ``ZoneChange.STUCK_AFTER``: its message or
        its worker was lost (a restart, a flushed broker), and every refresh waits on it."""
        return self.active().filter(progress_at__lt=timezone.now() - ZoneChange.STUCK_AFTER)


class ZoneChange(models.Model):
    """One change of the organisation's time zone and the job that follows it: every stored
    local day (activities' ``day`` and ``created_day``, stage changes' ``day``) recomputed from
    its timestamp in the new zone, then every dashboard table rebuilt. The settings page and
    the system status page show its progress; a failed one can be started again."""

    ACTIVE = (ZoneChangeStatus.QUEUED, ZoneChangeStatus.CONVERTING, ZoneChangeStatus.REBUILDING)
    # A batch of days or a rebuild step takes seconds (bench/RESULTS.md), so ten minutes without
    # one means the job is lost, not slow; far below Redis's visibility timeout (an hour), after
    # which a lost message would come back by itself.
    STUCK_AFTER = timedelta(minutes=10)

    from_zone = models.CharField(_("from"), max_length=64)
    to_zone = models.CharField(_("to"), max_length=64)
    status = models.CharField(_("status"), max_length=16, choices=ZoneChangeStatus.choices)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    requested_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    # The job's last sign of life: queued, claimed by a worker, a batch or a rebuild step done.
    progress_at = models.DateTimeField(_("last progress"), default=timezone.now)

    objects = ZoneChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("time zone change")
        verbose_name_plural = _("time zone changes")

    def __str__(self):
        return f"{self.from_zone} → {self.to_zone} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def is_stuck(self) -> bool:
        """Active, with no progress for ``STUCK_AFTER`` (``ZoneChangeQuerySet.stuck``)."""
        return self.is_active and self.progress_at < timezone.now() - self.STUCK_AFTER

    @property
    def progress_percent(self) -> int:
        return min(100, self.rows_done * 100 // self.rows_total) if self.rows_total else 0
