"""Every write to activities, with its rules, in one transaction. The quick-log
panel, the edit form, Django admin and the CSV import all call these."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pipeline.models import Deal
from salestracker.dates import validate_in_window

from .models import FUTURE_KINDS, HELD_OUTCOMES, MEETING_KINDS, OUTCOMES_BY_KIND, Activity, Kind, Outcome

# Clocks drift: "now" on the rep's phone may be a little ahead of the server.
CLOCK_TOLERANCE = timedelta(minutes=5)
# The same words for a deal that does not exist and one the user may not see, so neither is told apart.
DEAL_REFUSED = gettext_lazy("You cannot log activity on that deal.")
PROSPECTING_WITHOUT_COMPANY = gettext_lazy("Prospecting is about a company: name it, or its decision maker.")


def default_outcome(kind: str, occurred_at: datetime, now: datetime | None = None) -> str:
    """The outcome a form pre-selects: emails are sent, future meetings scheduled."""
    if kind == Kind.EMAIL:
        return Outcome.SENT
    if kind in MEETING_KINDS and occurred_at > (now or timezone.now()):
        return Outcome.SCHEDULED
    return ""


def check_activity(*, kind: str, outcome: str, occurred_at: datetime, now: datetime | None = None) -> None:
    """Raise ValidationError (keyed by field) when the kind, outcome and time do not fit together."""
    now = now or timezone.now()
    allowed = OUTCOMES_BY_KIND.get(kind, ())
    errors = {}
    if outcome and outcome not in allowed:
        errors["outcome"] = (
            _("“%(outcome)s” does not fit a %(kind)s.")
            % {"outcome": Outcome(outcome).label, "kind": Kind(kind).label.lower()}
            if allowed
            else _("A %(kind)s has no outcome.") % {"kind": Kind(kind).label.lower()}
        )
    elif allowed and not outcome:
        errors["outcome"] = _("Choose how it went.")
    try:
        validate_in_window(occurred_at)
    except ValidationError as error:
        # Checked before anything works out its local day, which overflows at year 1 or 9999.
        errors["occurred_at"] = error.messages
    else:
        _check_future(kind, outcome, occurred_at, now, errors)
    if errors:
        raise ValidationError(errors)


def check_prospecting(*, kind: str, contact, company) -> None:
    """Prospecting is about a company: refuse it without a company or contact (keyed by ``company``)."""
    if kind == Kind.PROSPECTING and contact is None and company is None:
        raise ValidationError({"company": PROSPECTING_WITHOUT_COMPANY})


def _check_future(kind: str, outcome: str, occurred_at: datetime, now: datetime, errors: dict) -> None:
    if occurred_at > now + CLOCK_TOLERANCE:
        if kind not in FUTURE_KINDS:
            errors["occurred_at"] = _(
                "A %(kind)s cannot be logged in the future; only meetings and demos are booked ahead."
            ) % {"kind": Kind(kind).label.lower()}
        elif outcome and outcome not in (Outcome.SCHEDULED, Outcome.CANCELLED):
            errors["outcome"] = _("A meeting in the future can only be scheduled or cancelled.")


def _links(*, by, deal, contact, company):
    """Check the linked records and fill the company from the deal or contact."""
    if deal is not None and not Deal.objects.visible_to(by).filter(pk=deal.pk).exists():
        raise ValidationError({"deal": DEAL_REFUSED})
    if contact is not None and company is not None and contact.company_id and contact.company_id != company.pk:
        raise ValidationError({"contact": _("That contact works at another company.")})
    if deal is not None and company is not None and deal.company_id != company.pk:
        raise ValidationError({"deal": _("That deal belongs to another company.")})
    return company or (deal.company if deal else None) or (contact.company if contact else None)


@transaction.atomic
def activity_log(
    *,
    owner,
    by,
    kind: str,
    outcome: str = "",
    occurred_at: datetime | None = None,
    duration_minutes: int = 0,
    company=None,
    contact=None,
    deal=None,
    lead_source=None,
    notes: str = "",
    created_at: datetime | None = None,
) -> Activity:
    """Log one activity for ``owner`` (``by`` is who typed it in).

    The save leaves a dirty mark on the owner's day through ``dashboards/receivers.py`` (post_save),
    which the rollup drain turns into dashboard rows.
    """
    now = timezone.now()
    occurred_at = occurred_at or now
    check_activity(kind=kind, outcome=outcome, occurred_at=occurred_at, now=now)
    check_prospecting(kind=kind, contact=contact, company=company)
    company = _links(by=by, deal=deal, contact=contact, company=company)
    created_at = created_at or now
    activity = Activity(
        owner=owner,
        kind=kind,
        outcome=outcome,
        occurred_at=occurred_at,
        day=timezone.localdate(occurred_at),
        duration_minutes=duration_minutes,
        company=company,
        contact=contact,
        deal=deal,
        lead_source=lead_source,
        notes=notes,
        created_at=created_at,
        created_day=timezone.localdate(created_at),
    )
    activity.full_clean()
    activity.save()
    return activity


@transaction.atomic
def activity_update(*, activity: Activity, by, **fields) -> Activity:
    """Change an activity; the same rules as logging it.

    The save leaves dirty marks on the days before and after through ``dashboards/receivers.py``.
    """
    for name, value in fields.items():
        setattr(activity, name, value)
    check_activity(kind=activity.kind, outcome=activity.outcome, occurred_at=activity.occurred_at)
    check_prospecting(kind=activity.kind, contact=activity.contact, company=activity.company)
    activity.company = _links(by=by, deal=activity.deal, contact=activity.contact, company=activity.company)
    activity.day = timezone.localdate(activity.occurred_at)
    activity.full_clean()
    activity.save()
    return activity


@transaction.atomic
def activity_delete(*, activity: Activity, by) -> None:
    """Delete an activity; the delete leaves a dirty mark on its day through ``dashboards/receivers.py``."""
    activity.delete()


@transaction.atomic
def meeting_mark(*, activity: Activity, outcome: str, by) -> Activity:
    """Record how a booked meeting or demo went, in one click (a save through ``activity_update``,
    so it leaves a dirty mark through ``dashboards/receivers.py``)."""
    if activity.kind not in MEETING_KINDS:
        raise ValidationError({"outcome": _("Only meetings and demos are marked held or no-show.")})
    if outcome in HELD_OUTCOMES | {Outcome.NO_SHOW} and activity.occurred_at > timezone.now() + CLOCK_TOLERANCE:
        raise ValidationError({"outcome": _("This meeting has not happened yet.")})
    return activity_update(activity=activity, by=by, outcome=outcome)
