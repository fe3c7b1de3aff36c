"""Companies, contacts and deals moving through configurable pipeline stages.

Every stage change is one append-only ``StageChange`` row; conversion and
days-in-stage are computed from them (see METRICS.md). Each row carries when
the deal entered the stage it left, so a completed stay's length is a fact of
that one row, no window function needed.
"""

import functools
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import OwnedQuerySet, Team, Territory
from salestracker.dates import validate_in_window
from salestracker.names import full_name

User = settings.AUTH_USER_MODEL


@functools.cache
def time_zone_names() -> frozenset[str]:
    # available_timezones() walks the tz database on disk; the list never changes while we run.
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value and value not in time_zone_names():
        raise ValidationError(
            _("“%(value)s” is not a time zone name; use one like Europe/Paris or America/New_York."),
            params={"value": value},
        )


class NamedListQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class NamedList(models.Model):
    """An admin-editable list entry (lead source, competitor, lost reason)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = NamedListQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name


class LeadSource(NamedList):
    class Meta(NamedList.Meta):
        verbose_name = _("lead source")
        verbose_name_plural = _("lead sources")


class Competitor(NamedList):
    class Meta(NamedList.Meta):
        verbose_name = _("competitor")
        verbose_name_plural = _("competitors")


class LostReason(NamedList):
    class Meta(NamedList.Meta):
        verbose_name = _("lost reason")
        verbose_name_plural = _("lost reasons")


class Pipeline(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")

    def __str__(self):
        return self.name


class StageKind(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class ForecastCategory(models.TextChoices):
    """How sure the rep is that an open deal closes in its expected close month (METRICS.md "Forecast")."""

    PIPELINE = "pipeline", _("Pipeline")
    BEST_CASE = "best_case", _("Best case")
    COMMIT = "commit", _("Commit")
    OMITTED = "omitted", _("Omitted")


class StageQuerySet(models.QuerySet):
    def current(self):
        """Stages not archived, in the admin-set order."""
        return self.filter(is_archived=False).order_by("order", "pk")

    def open(self):
        return self.filter(kind=StageKind.OPEN)


class Stage(models.Model):
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="stages", verbose_name=_("pipeline"))
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveIntegerField(_("order"), default=0)
    probability = models.PositiveSmallIntegerField(
        _("win probability (%)"), default=10, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    kind = models.CharField(_("kind"), max_length=8, choices=StageKind.choices, default=StageKind.OPEN)
    rotting_days = models.PositiveIntegerField(
        _("rotting days"),
        null=True,
        blank=True,
        help_text=_(
            "A deal sitting here longer is stale. Empty: twice this stage's median days over the last 180 days."
        ),
    )
    is_opportunity = models.BooleanField(
        _("counts as opportunity"),
        default=False,
        help_text=_("The first stage at which a deal counts as an opportunity (for opportunity-to-win rate)."),
    )
    forecast_category = models.CharField(
        _("default forecast category"),
        max_length=16,
        choices=ForecastCategory.choices,
        default=ForecastCategory.PIPELINE,
        help_text=_("The category a deal takes when it moves into this stage, until its owner sets another."),
    )
    is_archived = models.BooleanField(_("archived"), default=False)

    objects = StageQuerySet.as_manager()

    class Meta:
        ordering = ["pipeline", "order", "pk"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        constraints = [
            models.UniqueConstraint(
                fields=["pipeline", "name"], condition=Q(is_archived=False), name="stage_unique_live_name"
            ),
            models.UniqueConstraint(
                fields=["pipeline"], condition=Q(is_opportunity=True), name="stage_one_opportunity_per_pipeline"
            ),
            models.CheckConstraint(condition=Q(probability__lte=100), name="stage_probability_at_most_100"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.kind != StageKind.OPEN


class Segment(models.TextChoices):
    SMB = "smb", _("Small business")
    MID_MARKET = "mid_market", _("Mid-market")
    ENTERPRISE = "enterprise", _("Enterprise")
    PUBLIC = "public", _("Public sector")


def _editable_by(user) -> Q:
    """Rows a user may edit in the shared address book: their own, their team
    members' when they manage the team, anything for admins."""
    if user.is_admin:
        return Q()
    if user.is_manager:
        return Q(owner=user) | Q(owner__team_id__in=Team.managed_team_ids(user))
    return Q(owner=user)


class AddressBookQuerySet(models.QuerySet):
    def editable_by(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(_editable_by(user))


class Company(models.Model):
    name = models.CharField(_("name"), max_length=200, db_index=True)
    segment = models.CharField(_("segment"), max_length=16, choices=Segment.choices, blank=True)
    territory = models.ForeignKey(
        Territory,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="companies",
        verbose_name=_("territory"),
    )
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    is_customer = models.BooleanField(_("customer"), default=False, help_text=_("Unticked: a prospect."))
    website = models.URLField(_("website"), blank=True)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        default="",
        db_default="",  # rows written by plain SQL (the bench's generator) without the column have none
        validators=[validate_time_zone],
        help_text=_("For the best time to reach its people; empty: the organisation's."),
    )
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="companies", verbose_name=_("owner"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = AddressBookQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")

    def __str__(self):
        return self.name


class Contact(models.Model):
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, null=True, blank=True, related_name="contacts", verbose_name=_("company")
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    title = models.CharField(_("title"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_decision_maker = models.BooleanField(_("decision maker"), default=False)
    pain_points = models.TextField(_("pain points"), blank=True)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        default="",
        db_default="",  # rows written by plain SQL (the bench's generator) without the column have none
        validators=[validate_time_zone],
        help_text=_("For the best time to reach them; empty: their company's, else the organisation's."),
    )
    lead_source = models.ForeignKey(
        LeadSource,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("lead source"),
    )
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("owner"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = AddressBookQuerySet.as_manager()

    class Meta:
        ordering = ["first_name", "last_name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self):
        return full_name(self.first_name, self.last_name)


class DealType(models.TextChoices):
    NEW_BUSINESS = "new_business", _("New business")
    EXPANSION = "expansion", _("Expansion")
    RENEWAL = "renewal", _("Renewal")


class DealQuerySet(OwnedQuerySet):
    def open(self):
        return self.filter(stage__kind=StageKind.OPEN)

    def in_stage(self, stage):
        return self.filter(stage=stage)


class Deal(models.Model):
    title = models.CharField(_("title"), max_length=200)
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="deals", verbose_name=_("company"))
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, null=True, blank=True, related_name="deals", verbose_name=_("contact")
    )
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="deals", verbose_name=_("owner"))
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="deals", verbose_name=_("pipeline"))
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="deals", verbose_name=_("stage"))
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    units = models.PositiveIntegerField(
        _("units"),
        default=0,
        blank=True,
        help_text=_("How many units (seats, licences…) the deal sells, for units quotas."),
    )
    deal_type = models.CharField(_("type"), max_length=16, choices=DealType.choices, default=DealType.NEW_BUSINESS)
    lead_source = models.ForeignKey(
        LeadSource, on_delete=models.PROTECT, null=True, blank=True, related_name="deals", verbose_name=_("lead source")
    )
    expected_close_date = models.DateField(
        _("expected close date"), null=True, blank=True, validators=[validate_in_window]
    )
    closed_on = models.DateField(_("close date"), null=True, blank=True, validators=[validate_in_window])
    forecast_category = models.CharField(
        _("forecast category"), max_length=16, choices=ForecastCategory.choices, default=ForecastCategory.PIPELINE
    )
    lost_reason = models.ForeignKey(
        LostReason, on_delete=models.PROTECT, null=True, blank=True, related_name="deals", verbose_name=_("lost reason")
    )
    competitor = models.ForeignKey(
        Competitor, on_delete=models.PROTECT, null=True, blank=True, related_name="deals", verbose_name=_("competitor")
    )
    stage_entered_at = models.DateTimeField(_("in stage since"), default=timezone.now)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = DealQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        indexes = [models.Index(fields=["owner", "stage"]), models.Index(fields=["pipeline", "stage"])]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="deal_amount_not_negative")]

    def __str__(self):
        return self.title

    def clean(self):
        if self.units is None:  # left empty on a form: no units
            self.units = 0

    @property
    def is_closed(self) -> bool:
        return self.stage.is_closed

    @property
    def weighted_amount(self) -> Decimal:
        return self.amount * self.stage.probability / 100

    def days_in_stage(self, now=None) -> float:
        """Open age: days since the deal entered its current stage (fractional)."""
        return ((now or timezone.now()) - self.stage_entered_at).total_seconds() / 86400


class AppendOnlyQuerySet(models.QuerySet):
    """A history's rows: never updated, never deleted, in bulk or one by one (``AppendOnly``)."""

    def update(self, **kwargs):
        raise TypeError(f"{self.model.__name__} history is append-only")

    def delete(self):
        raise TypeError(f"{self.model.__name__} history is append-only")


class AppendOnly(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(f"{type(self).__name__} history is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(f"{type(self).__name__} history is append-only")


class StageChange(AppendOnly):
    """One move of a deal into a stage. Append-only: never updated, never deleted.

    The first row of a deal has no ``from_stage`` (the deal was created in
    ``to_stage``). ``from_entered_at`` is when the deal had entered
    ``from_stage``, so ``changed_at - from_entered_at`` is that completed stay.
    """

    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="stage_changes", verbose_name=_("deal"))
    from_stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("from")
    )
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+", verbose_name=_("to"))
    changed_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    from_entered_at = models.DateTimeField(_("entered the previous stage"), null=True, blank=True)
    day = models.DateField(_("day"), help_text=_("Local date of the change, for grouping by period."))
    changed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    owner = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("deal owner"), help_text=_("At the time.")
    )

    class Meta:
        ordering = ["changed_at", "pk"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        indexes = [
            models.Index(fields=["to_stage", "day"]),
            models.Index(fields=["from_stage", "day"]),
            # The stale thresholds' median stays: an index-only scan on PostgreSQL.
            models.Index(fields=["from_stage", "changed_at", "from_entered_at"], name="stagechange_stay_idx"),
        ]

    def __str__(self):
        return f"{self.deal}: {self.from_stage or '—'} → {self.to_stage}"

    @property
    def days_in_previous_stage(self) -> float | None:
        """Length in days of the completed stay in ``from_stage``."""
        if self.from_entered_at is None:
            return None
        return (self.changed_at - self.from_entered_at).total_seconds() / 86400


class DealChange(AppendOnly):
    """A deal's forecast fields as a write left them: one row when the deal is created and one
    each time a write changes its stage, owner, amount, expected close date or forecast
    category. Append-only, like ``StageChange``: the deal as it stood at any moment is its last
    row at or before that moment, which the forecast's history (waterfall, accuracy) reads.

    ``probability`` is the stage's at the time, so a later edit of the stage rewrites nothing.
    """

    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="forecast_history", verbose_name=_("deal"))
    changed_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    day = models.DateField(_("day"), help_text=_("Local date of the change, for grouping by period."))
    changed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("deal owner"))
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+", verbose_name=_("stage"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    probability = models.PositiveSmallIntegerField(_("win probability (%)"))
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    forecast_category = models.CharField(_("forecast category"), max_length=16, choices=ForecastCategory.choices)

    # The fields a row records; a write that changes none of them adds no row.
    TRACKED = ("owner_id", "stage_id", "amount", "expected_close_date", "forecast_category")

    class Meta:
        ordering = ["changed_at", "pk"]
        verbose_name = _("deal change")
        verbose_name_plural = _("deal changes")
        indexes = [models.Index(fields=["deal", "changed_at"]), models.Index(fields=["owner", "day"])]

    def __str__(self):
        return f"{self.deal} @ {self.changed_at:%Y-%m-%d %H:%M}"
