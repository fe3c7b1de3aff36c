"""The dashboard tables: rollups kept by ``dashboards.rollups`` from the domain rows.

Every table holds absolute figures recomputed from source rows with GROUP BY
in the database (never incremented), each row stamped with ``computed_at``.
Activity and closed-deal figures are kept per rep per *day*, so any range
(week, month, fiscal quarter, year or a custom one) is a cheap sum. Stage
figures count distinct deals and take medians, which do not add up across
days, so they are kept per rep per *period* (week, month, fiscal quarter and
fiscal year); ``PeriodDay`` maps every day to the start of each period that
holds it, so the database groups by period with a plain join.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import OwnedQuerySet

User = settings.AUTH_USER_MODEL


class Scope(models.TextChoices):
    ACTIVITY = "activity", _("Activity")
    PIPELINE = "pipeline", _("Pipeline")
    QUOTA = "quota", _("Quota")
    ALL = "all", _("Everything")


class DirtyMarkQuerySet(models.QuerySet):
    def ready(self, now=None):
        """Marks a drain may claim: never failed, or failed and due for another try."""
        return self.filter(models.Q(retry_at__isnull=True) | models.Q(retry_at__lte=now or timezone.now()))

    def failed(self):
        return self.filter(failed_at__isnull=False)


class DirtyMark(models.Model):
    """A rollup key whose source rows changed: written in the writer's transaction,
    claimed and deleted by the refresh that recomputes it.

    ``activity`` and ``pipeline`` marks name a (rep, day); ``quota`` marks a quota
    id; ``all`` asks for a full rebuild. There is deliberately no unique key: a
    writer always inserts a new row, so a mark added while a refresh is working on
    the same key (and holds the old mark locked) is a new row the refresh did not
    claim, and survives it. Duplicates cost nothing; the refresh groups them.
    """

    scope = models.CharField(max_length=8, choices=Scope.choices)
    rep_id = models.IntegerField(null=True)
    day = models.DateField(null=True)
    quota_id = models.IntegerField(null=True)
    claim = models.CharField(max_length=32, null=True)
    created_at = models.DateTimeField(default=timezone.now)
    # A refresh of this key that failed (a poison key): set aside until ``retry_at`` so the
    # other keys keep refreshing, and shown to admins with its error.
    attempts = models.PositiveSmallIntegerField(default=0)
    failed_at = models.DateTimeField(null=True)
    retry_at = models.DateTimeField(null=True)
    error = models.TextField(blank=True)

    objects = DirtyMarkQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["claim", "scope"])]

    def __str__(self):
        return f"{self.scope} {self.rep_id or ''} {self.day or ''} {self.quota_id or ''}".strip()


class PeriodDay(models.Model):
    """The calendar: for each day and each period kind, the start of the period holding it
    (weeks start on Monday; quarters and years follow the fiscal year start)."""

    period_kind = models.CharField(max_length=8)
    period_start = models.DateField()
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "period_kind"], name="period_day_unique")]
        indexes = [models.Index(fields=["period_kind", "period_start"])]

    def __str__(self):
        return f"{self.period_kind} {self.period_start} ∋ {self.day}"


# Each dashboard table's value columns, named once: the tables' covering indexes and the
# rollup engine's statements (``rollups/tables/``) both use them.
ACTIVITY_DAY_VALUES = ("count", "minutes", "booked", "connected", "replied", "held", "positive")
CLOSED_DAY_SPLITS = ("won", "lead_source_id", "territory_id", "segment", "deal_type", "competitor_id", "stage_id")
CLOSED_DAY_VALUES = ("deals", "amount", "units", "cycle_days")
STAGE_ROLLUP_VALUES = (
    "entered",
    "advanced",
    "lost",
    "won",
    "still_open",
    "stays",
    "stay_days",
    "median_stay_days",
    "left_forward",
    "followups",
)


class RepOwnedQuerySet(OwnedQuerySet):
    owner_field = "rep"


class ActivityDay(models.Model):
    """One rep's activities of one kind on one day (METRICS.md "Activity").

    ``count``, ``minutes`` and the outcome counts are by the day the activity
    occurred; ``booked`` counts meetings and demos *logged* that day, whatever
    their date (meetings booked).
    """

    # No index of its own: the table's key index starts with the rep.
    rep = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False)
    day = models.DateField()
    kind = models.CharField(max_length=20)
    count = models.IntegerField(default=0)
    minutes = models.IntegerField(default=0)
    booked = models.IntegerField(default=0)
    connected = models.IntegerField(default=0)
    replied = models.IntegerField(default=0)
    held = models.IntegerField(default=0)
    positive = models.IntegerField(default=0)
    computed_at = models.DateTimeField()

    objects = RepOwnedQuerySet.as_manager()

    class Meta:
        # Every measure is in the key's index (PostgreSQL: INCLUDE), so the pages' sums over a few
        # reps and a range of days are index-only scans: rows of a rep's days lie together in the
        # index, not scattered over the pages each refresh appended them to.
        constraints = [
            models.UniqueConstraint(
                fields=["rep", "day", "kind"],
                include=[*ACTIVITY_DAY_VALUES, "computed_at"],
                name="activity_day_unique",
            )
        ]

    def __str__(self):
        return f"{self.rep_id} {self.day} {self.kind}"


class ClosedDay(models.Model):
    """Deals one rep closed on one day, split by every dimension a dashboard cuts revenue by.

    A deal counts on its current ``closed_on`` in its current (won or lost)
    stage: a deal reopened and won again counts once, on the last win.
    Territory and segment are the company's at the time of the refresh; ``stage_id`` is the won or
    lost stage the deal is in (the stage funnel's won and lost stages read their counts here).
    ``cycle_days`` is the sum, over these deals, of close date minus created
    date in whole days (sales cycle length = cycle_days / deals, won only).
    """

    # No index of its own: the table's key index starts with the rep.
    rep = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False)
    day = models.DateField()
    won = models.BooleanField()
    lead_source_id = models.IntegerField(null=True)
    territory_id = models.IntegerField(null=True)
    segment = models.CharField(max_length=16, blank=True)
    deal_type = models.CharField(max_length=16)
    competitor_id = models.IntegerField(null=True)
    stage_id = models.IntegerField(null=True)  # null only in rows computed before it was kept
    deals = models.IntegerField(default=0)
    amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    units = models.IntegerField(default=0)
    cycle_days = models.IntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        # Covering, as ActivityDay's key (index-only scans on PostgreSQL).
        indexes = [
            models.Index(
                fields=["rep", "day"],
                include=[*CLOSED_DAY_SPLITS, *CLOSED_DAY_VALUES, "computed_at"],
                name="closed_day_rep_day",
            )
        ]

    def __str__(self):
        return f"{self.rep_id} {self.day} {'won' if self.won else 'lost'}"


class StageRollup(models.Model):
    """Stage flow for one rep's deals, per stage, per period (METRICS.md "Pipeline").

    A deal belongs to its current owner. Of the deals that entered the stage in
    the period (each counted once): ``advanced`` later entered an open stage of
    higher order or a won stage, ``lost`` went next to a lost stage, ``won``
    was later won, ``still_open`` sits in the stage now. ``stays`` are the
    completed stays in the stage that *ended* in the period, ``stay_days`` their
    total length in days and ``median_stay_days`` their median; ``left_forward``
    counts the deals (each once) whose stay ended by a move forward. ``followups`` are activities on a deal
    that happened in the period while the deal sat in the stage (from the deal's stage history).
    """

    # No index of its own: the table's key index starts with the rep.
    rep = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False)
    period_kind = models.CharField(max_length=8)
    period_start = models.DateField()
    # Read and deleted by rep (the key index); a deleted stage's rows go by a scan, which is rare.
    stage = models.ForeignKey(
        "pipeline.Stage", on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    entered = models.IntegerField(default=0)
    advanced = models.IntegerField(default=0)
    lost = models.IntegerField(default=0)
    won = models.IntegerField(default=0)
    still_open = models.IntegerField(default=0)
    stays = models.IntegerField(default=0)
    stay_days = models.FloatField(default=0)
    median_stay_days = models.FloatField(null=True)
    left_forward = models.IntegerField(default=0)
    followups = models.IntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        # Covering, as ActivityDay's key (index-only scans on PostgreSQL).
        constraints = [
            models.UniqueConstraint(
                fields=["rep", "period_kind", "period_start", "stage"],
                include=[*STAGE_ROLLUP_VALUES, "computed_at"],
                name="stage_rollup_unique",
            )
        ]

    def __str__(self):
        return f"{self.rep_id} {self.period_kind} {self.period_start} stage {self.stage_id}"


FORECAST_WEEK_VALUES = ("deals", "amount", "weighted")


class ForecastWeek(models.Model):
    """How one week's deal changes moved one rep's open deals of one forecast category expected
    to close in one month or fiscal quarter (METRICS.md "Forecast: weekly snapshots").

    Changes, not states, so a row depends only on the ``DealChange`` rows of its own week: each
    row adds the deal as it left it and takes away the deal as the row before left it (that one
    for its owner then, and its target period then). A category's totals at the end of week W
    for a period are the sum of its rows of the weeks up to W. Closed deals are in no category.
    ``weighted`` is amount x the stage's win probability at the time / 100, to four places.
    """

    # No index of its own: the table's key index starts with the rep.
    rep = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False)
    week_start = models.DateField()
    period_kind = models.CharField(max_length=8)
    period_start = models.DateField()
    category = models.CharField(max_length=16)
    deals = models.IntegerField(default=0)
    amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    weighted = models.DecimalField(max_digits=18, decimal_places=4, default=0)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rep", "week_start", "period_kind", "period_start", "category"],
                name="forecast_week_unique",
            )
        ]
        # The pages read a period's rows of a few reps up to a week.
        indexes = [models.Index(fields=["period_kind", "period_start", "rep"], name="forecast_week_period")]

    def __str__(self):
        return f"{self.rep_id} {self.week_start} {self.period_kind} {self.period_start} {self.category}"


class Attainment(models.Model):
    """Quota attainment (METRICS.md "Quotas and goals") for one rep or team quota.

    ``achieved`` is won revenue, won deals or won units closed in the quota's
    period by the rep, or by the team's current members for a team quota.
    ``attainment`` and ``stretch_attainment`` are fractions (1 = 100%), empty
    when the target is zero. Pace depends on today, so pages work it out.
    """

    quota = models.OneToOneField("quotas.Quota", on_delete=models.CASCADE, related_name="attainment")
    achieved = models.DecimalField(max_digits=16, decimal_places=2)
    target = models.DecimalField(max_digits=14, decimal_places=2)
    attainment = models.DecimalField(max_digits=12, decimal_places=4, null=True)
    stretch_attainment = models.DecimalField(max_digits=12, decimal_places=4, null=True)
    computed_at = models.DateTimeField()

    def __str__(self):
        return f"quota {self.quota_id}: {self.achieved} / {self.target}"


# --- one-on-ones --------------------------------------------------------------------------


class OneOnOneQuerySet(models.QuerySet):
    def kept_by(self, user):
        """One-on-ones whose private notes ``user`` may read: a manager their own, an admin everyone's,
        a rep none (not even about themselves)."""
        if not user.is_authenticated or user.is_rep:
            return self.none()
        if user.is_admin:
            return self.all()
        return self.filter(manager=user)

    def open(self):
        return self.filter(closed_at__isnull=True)

    def closed(self):
        return self.filter(closed_at__isnull=False)


class OneOnOne(models.Model):
    """A manager's one-on-one with a rep: private notes and action items while it is open; closing it
    freezes the rep's figures as they stood that day (``snapshot``) so the next meeting compares
    against them. One open one-on-one per rep and manager at a time."""

    rep = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", verbose_name=_("rep"))
    manager = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", verbose_name=_("manager"))
    opened_on = models.DateField(_("opened on"), default=timezone.localdate)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    snapshot = models.JSONField(_("figures when closed"), null=True, blank=True, encoder=DjangoJSONEncoder)

    objects = OneOnOneQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_on", "-pk"]
        verbose_name = _("one-on-one")
        verbose_name_plural = _("one-on-ones")
        constraints = [
            models.UniqueConstraint(
                fields=["rep", "manager"], condition=models.Q(closed_at__isnull=True), name="one_open_one_on_one"
            )
        ]
        indexes = [models.Index(fields=["rep", "manager", "closed_at"])]

    def __str__(self):
        return f"{self.rep} · {self.manager} · {self.opened_on:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class ActionItem(models.Model):
    """Something agreed in a one-on-one; open items carry over to the next meeting until done."""

    one_on_one = models.ForeignKey(
        OneOnOne, on_delete=models.CASCADE, related_name="action_items", verbose_name=_("one-on-one")
    )
    text = models.CharField(_("action item"), max_length=300)
    done = models.BooleanField(_("done"), default=False)
    created_at = models.DateTimeField(_("added"), default=timezone.now)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        ordering = ["done", "created_at", "pk"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")

    def __str__(self):
        return self.text


class FigureVersion(models.Model):
    """A version per rep (``id`` = the rep's id) that grows whenever that rep's dashboard
    rows are recomputed, and one for the whole organisation (``id`` = 0) that moves on a
    rebuild and on any change to what the pages read beside the rollups (people, teams,
    quotas, goals, stages, names, settings). Rendered figures are cached under the
    versions they were computed from (``dashboards.figure_cache``), so a moved version
    is a new key: a stale figure is never served. No foreign key: a deleted rep's
    version is harmless and a bump never waits for the user row."""

    ORGANISATION = 0

    id = models.PositiveIntegerField(primary_key=True)
    version = models.BigIntegerField(default=0)

    def __str__(self):
        return f"{self.id}: {self.version}"
