"""What reps do all day: calls, emails, meetings, demos, prospecting,
follow-ups, and the non-selling time around them.

Each row stores its local ``day`` (organisation time zone) when saved, so
rollups group on a plain column instead of truncating timestamps.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import OwnedQuerySet
from salestracker.dates import validate_in_window

User = settings.AUTH_USER_MODEL


class Kind(models.TextChoices):
    CALL = "call", _("Call")
    EMAIL = "email", _("Email")
    MEETING = "meeting", _("Meeting")
    DEMO = "demo", _("Demo")
    PROSPECTING = "prospecting", _("Prospecting")
    FOLLOW_UP = "follow_up", _("Follow-up")
    INTERNAL_MEETING = "internal_meeting", _("Internal meeting")
    ADMIN = "admin", _("Admin")
    TRAVEL = "travel", _("Travel")
    TRAINING = "training", _("Training")


class Outcome(models.TextChoices):
    CONNECTED = "connected", _("Connected")
    NO_ANSWER = "no_answer", _("No answer")
    VOICEMAIL = "voicemail", _("Voicemail")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    SENT = "sent", _("Sent")
    REPLIED = "replied", _("Replied")
    BOUNCED = "bounced", _("Bounced")
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    POSITIVE = "positive", _("Held: positive")
    NEUTRAL = "neutral", _("Held: neutral")
    NEGATIVE = "negative", _("Held: negative")
    NO_SHOW = "no_show", _("No-show")
    CANCELLED = "cancelled", _("Cancelled")


SELLING_KINDS = frozenset({Kind.CALL, Kind.EMAIL, Kind.MEETING, Kind.DEMO, Kind.PROSPECTING, Kind.FOLLOW_UP})
MEETING_KINDS = frozenset({Kind.MEETING, Kind.DEMO})
HELD_OUTCOMES = frozenset({Outcome.HELD, Outcome.POSITIVE, Outcome.NEUTRAL, Outcome.NEGATIVE})
_MEETING_OUTCOMES = (Outcome.SCHEDULED, *sorted(HELD_OUTCOMES), Outcome.NO_SHOW, Outcome.CANCELLED)

# The outcomes that fit each kind; a kind missing here takes no outcome.
OUTCOMES_BY_KIND: dict[str, tuple[str, ...]] = {
    Kind.CALL: (Outcome.CONNECTED, Outcome.NO_ANSWER, Outcome.VOICEMAIL, Outcome.WRONG_NUMBER),
    Kind.EMAIL: (Outcome.SENT, Outcome.REPLIED, Outcome.BOUNCED),
    Kind.MEETING: _MEETING_OUTCOMES,
    Kind.DEMO: _MEETING_OUTCOMES,
}
# Kinds that can be booked for a future date (a scheduled meeting or demo).
FUTURE_KINDS = MEETING_KINDS


class ActivityQuerySet(OwnedQuerySet):
    def meetings(self):
        return self.filter(kind__in=MEETING_KINDS)

    def upcoming(self, now=None):
        return self.meetings().filter(outcome=Outcome.SCHEDULED, occurred_at__gte=now or timezone.now())


class Activity(models.Model):
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="activities", verbose_name=_("rep"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now, validators=[validate_in_window])
    day = models.DateField(_("day"), help_text=_("Local date of occurred_at, for grouping by period."))
    duration_minutes = models.PositiveIntegerField(_("minutes"), default=0)
    company = models.ForeignKey(
        "pipeline.Company",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("company"),
    )
    contact = models.ForeignKey(
        "pipeline.Contact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("contact"),
    )
    deal = models.ForeignKey(
        "pipeline.Deal",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("deal"),
    )
    lead_source = models.ForeignKey(
        "pipeline.LeadSource",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("source"),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("logged"), default=timezone.now, help_text=_("When it was logged (booked)."))
    created_day = models.DateField(_("logged on"), help_text=_("Local date of created_at, for meetings booked."))

    objects = ActivityQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            # A rep's activities by day; with the kind, the list's per-kind counts are an index-only scan.
            models.Index(fields=["owner", "day", "kind"], name="activity_owner_day_kind_idx"),
            # Meetings booked: only meetings and demos are read by the day they were logged.
            models.Index(
                fields=["owner", "created_day"], condition=Q(kind__in=sorted(MEETING_KINDS)), name="activity_booked_idx"
            ),
            models.Index(fields=["deal", "occurred_at"]),
            # Follow-ups by stage (the stage rollups): a rep's activities on deals, by day, with the deal
            # and the moment that find the stage the deal sat in, read index-only.
            models.Index(
                fields=["owner", "day", "deal", "occurred_at"],
                condition=Q(deal__isnull=False),
                name="activity_followups_idx",
            ),
            # A rep's activity list, newest first.
            models.Index(fields=["owner", "-occurred_at", "-id"], name="activity_owner_recent_idx"),
            # A manager's or an admin's list, newest first: read backwards until a page of their
            # reps' rows is found (with the owner's index alone, every row of ten reps was sorted).
            models.Index(fields=["-occurred_at", "-id"], name="activity_recent_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.occurred_at:%Y-%m-%d}"

    @property
    def is_selling(self) -> bool:
        return self.kind in SELLING_KINDS

    @property
    def is_held(self) -> bool:
        return self.outcome in HELD_OUTCOMES


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded: choose the columns")
    VALIDATING = "validating", _("Checking every row")
    INVALID = "invalid", _("Some rows have errors; nothing was imported")
    READY = "ready", _("Checked: ready to import")
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")


class ActivityImport(models.Model):
    """One CSV import of activities, checked and written by Celery tasks.

    The file's text is kept in the database, so a worker on another machine
    reads exactly what was uploaded; the page polls ``processed_rows``.
    """

    created_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", verbose_name=_("by"))
    file_name = models.CharField(_("file"), max_length=255)
    content = models.TextField(_("content"))
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows done"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    preview = models.JSONField(_("preview"), default=list, blank=True)
    imported_rows = models.PositiveIntegerField(_("rows imported"), default=0)
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("activity import")
        verbose_name_plural = _("activity imports")

    def __str__(self):
        return self.file_name

    @property
    def progress_percent(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0

    @property
    def is_running(self) -> bool:
        return self.status in (ImportStatus.VALIDATING, ImportStatus.IMPORTING)
