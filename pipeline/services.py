"""Every write to the pipeline, with its rules, in one transaction.

Forms, the board, Django admin and the CSV import all call these, so every
stage change on any path writes exactly one ``StageChange`` row, and every write that
changes a deal's forecast fields one ``DealChange`` row.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from salestracker.dates import validate_in_window

from .models import Company, Contact, Deal, DealChange, NamedList, Pipeline, Stage, StageChange, StageKind
from .phones import phone_normalise
from .signals import stages_reordered


def _local_day(moment: datetime) -> date:
    return timezone.localdate(moment)


def _foreign_keys(model) -> list[str]:
    """Foreign-key field names. Services receive related rows as instances, and
    the database's constraints guarantee they exist, so ``full_clean`` need not
    re-query each one (an import of 10,000 deals would pay 8 SELECTs a row)."""
    return [f.name for f in model._meta.concrete_fields if f.is_relation]


def _locked_stage(stage: Stage) -> Stage:
    """The stage row, read fresh and share-locked for this transaction, so a deal can
    never land in a stage that ``stage_archive`` is archiving at this moment.

    FOR SHARE, not FOR UPDATE: it waits for ``stage_archive`` and ``stage_reorder`` (FOR NO KEY
    UPDATE) but neither for other moves nor for the foreign-key checks (FOR KEY SHARE) of a
    move out of this stage, which deadlocked with a move in the opposite direction. Stages are
    always locked before deals (as ``stage_archive`` does). Django's ``select_for_update``
    cannot share-lock, hence raw SQL; SQLite locks the whole database anyway."""
    if connection.vendor != "postgresql":
        return Stage.objects.get(pk=stage.pk)
    found = list(Stage.objects.raw(f"SELECT * FROM {Stage._meta.db_table} WHERE id = %s FOR SHARE", [stage.pk]))
    if not found:
        raise Stage.DoesNotExist
    return found[0]


def check_closing(*, stage: Stage, closed_on: date | None, lost_reason) -> None:
    errors = {}
    if stage.kind == StageKind.WON and not closed_on:
        errors["closed_on"] = _("Enter the date the deal was won.")
    if stage.kind == StageKind.LOST and not lost_reason:
        errors["lost_reason"] = _("Choose why the deal was lost.")
    if closed_on and closed_on > timezone.localdate():
        errors["closed_on"] = _("The close date cannot be in the future.")
    else:
        # deal_move saves without full_clean, so the model's validator would not see year 1.
        try:
            validate_in_window(closed_on)
        except ValidationError as error:
            errors["closed_on"] = error.messages
    if errors:
        raise ValidationError(errors)


def check_forecast(*, deal: Deal, before: Deal | None = None) -> None:
    """The forecast fields' rules, on a deal about to be saved (``before``: as it is stored). Only
    a field the write changes is checked, so an old deal stays editable."""
    errors = {}
    close = deal.expected_close_date
    if close and (before is None or close != before.expected_close_date):
        created = _local_day(deal.created_at)
        if close < created:
            errors["expected_close_date"] = _(
                "The expected close date cannot be before the deal was created (%(day)s)."
            ) % {"day": date_format(created, "SHORT_DATE_FORMAT")}
    # A new deal's category is set when it is not its stage's default.
    category_set = deal.forecast_category != (before or deal.stage).forecast_category
    if category_set and deal.stage.is_closed:
        errors["forecast_category"] = _("A closed deal is no longer forecast: reopen it to set its category.")
    if errors:
        raise ValidationError(errors)


def _record(deal: Deal, *, by, at: datetime, first: bool = False) -> DealChange:
    """The deal's forecast fields as this write leaves them (``DealChange``); ``first``: the row
    of its creation, which the dashboards' receiver need not look around (``is_first``)."""
    change = DealChange(
        deal=deal,
        changed_at=at,
        day=_local_day(at),
        changed_by=by,
        owner_id=deal.owner_id,
        stage=deal.stage,
        amount=deal.amount,
        probability=deal.stage.probability,
        expected_close_date=deal.expected_close_date,
        forecast_category=deal.forecast_category,
    )
    change.is_first = first
    change.save()
    return change


def check_stage(*, pipeline: Pipeline, stage: Stage) -> None:
    if stage.pipeline_id != pipeline.pk:
        raise ValidationError({"stage": _("That stage belongs to another pipeline.")})
    if stage.is_archived:
        raise ValidationError({"stage": _("That stage is archived.")})


@transaction.atomic
def deal_create(
    *,
    by,
    title: str,
    company: Company,
    owner,
    pipeline: Pipeline,
    stage: Stage,
    amount,
    deal_type: str,
    units: int = 0,
    contact: Contact | None = None,
    lead_source=None,
    expected_close_date: date | None = None,
    forecast_category: str | None = None,
    closed_on: date | None = None,
    lost_reason=None,
    competitor=None,
    created_at: datetime | None = None,
) -> Deal:
    """Create a deal in its first stage, with the first row of its stage history and of its
    forecast history; no category given: the stage's default.

    The saves leave dirty marks on the owner's days through ``dashboards/receivers.py`` (post_save).
    """
    stage = _locked_stage(stage)
    check_stage(pipeline=pipeline, stage=stage)
    check_closing(stage=stage, closed_on=closed_on, lost_reason=lost_reason)
    now = created_at or timezone.now()
    deal = Deal(
        title=title,
        company=company,
        contact=contact,
        owner=owner,
        pipeline=pipeline,
        stage=stage,
        amount=amount,
        units=units,
        deal_type=deal_type,
        lead_source=lead_source or (contact.lead_source if contact else None),
        expected_close_date=expected_close_date,
        forecast_category=forecast_category or stage.forecast_category,
        closed_on=closed_on if stage.is_closed else None,
        lost_reason=lost_reason if stage.kind == StageKind.LOST else None,
        competitor=competitor if stage.kind == StageKind.LOST else None,
        stage_entered_at=now,
        created_at=now,
    )
    deal.full_clean(exclude=_foreign_keys(Deal))
    check_forecast(deal=deal)
    deal.save()
    StageChange.objects.create(
        deal=deal, to_stage=stage, changed_at=now, day=_local_day(now), changed_by=by, owner=owner
    )
    _record(deal, by=by, at=now, first=True)
    return deal


@transaction.atomic
def deal_update(*, deal: Deal, by, at: datetime | None = None, **fields) -> Deal:
    """Change a deal's details (not its stage: that is ``deal_move``); a change of its owner,
    amount, expected close date or forecast category is recorded (``DealChange``), as made
    ``at`` (default now: the demo seed replays a year of such changes).

    The save leaves dirty marks on the deal's days, for its old and new owner, through ``dashboards/receivers.py``.
    """
    if "stage" in fields or "pipeline" in fields:
        raise ValueError("use deal_move to change a deal's stage")
    # As stored, locked: forms hand in an instance they already changed, and a move meanwhile waits.
    before = Deal.objects.select_for_update().select_related("stage").get(pk=deal.pk)
    for name, value in fields.items():
        setattr(deal, name, value)
    deal.full_clean()
    check_forecast(deal=deal, before=before)
    deal.save()
    if any(getattr(before, name) != getattr(deal, name) for name in DealChange.TRACKED):
        _record(deal, by=by, at=at or timezone.now())
    return deal


@transaction.atomic
def deal_move(
    *,
    deal: Deal,
    to_stage: Stage,
    by,
    closed_on: date | None = None,
    lost_reason=None,
    competitor=None,
    at: datetime | None = None,
) -> StageChange | None:
    """Move a deal to another stage and record it; a move to its current stage does nothing.
    A deal whose category follows its stage (it is the stage's default) takes the new open
    stage's default; one its owner set keeps it; a closed deal keeps the category it closed with.

    The deal row is locked first, so two people moving the same deal at once
    are serialised: the second move starts from where the first one left the
    deal, and the history stays a complete chain. The new history row and the deal's
    save leave dirty marks on the owner's days through ``dashboards/receivers.py``.
    """
    # Lock the deal row alone: with a join, PostgreSQL re-checks the join after
    # waiting for the lock and the row vanishes once the other mover changed
    # its stage. The stage is read after the lock, so it is the one the deal is in.
    to_stage = _locked_stage(to_stage)
    locked = Deal.objects.select_for_update().get(pk=deal.pk)
    if locked.stage_id == to_stage.pk:
        return None
    check_stage(pipeline=locked.pipeline, stage=to_stage)
    check_closing(stage=to_stage, closed_on=closed_on, lost_reason=lost_reason)
    now = at or timezone.now()
    change = StageChange.objects.create(
        deal=locked,
        from_stage=locked.stage,
        from_entered_at=locked.stage_entered_at,
        to_stage=to_stage,
        changed_at=now,
        day=_local_day(now),
        changed_by=by,
        owner_id=locked.owner_id,
    )
    if not to_stage.is_closed and (
        locked.stage.is_closed or locked.forecast_category == locked.stage.forecast_category
    ):
        locked.forecast_category = to_stage.forecast_category
    locked.stage = to_stage
    locked.stage_entered_at = now
    # Closing records how; reopening clears it (the history keeps what happened).
    locked.closed_on = closed_on if to_stage.is_closed else None
    locked.lost_reason = lost_reason if to_stage.kind == StageKind.LOST else None
    locked.competitor = competitor if to_stage.kind == StageKind.LOST else None
    locked.save(
        update_fields=[
            *("stage", "stage_entered_at", "forecast_category"),
            *("closed_on", "lost_reason", "competitor", "updated_at"),
        ]
    )
    _record(locked, by=by, at=now)
    # Keep the caller's instance in step with the database.
    deal.stage, deal.stage_entered_at = locked.stage, locked.stage_entered_at
    deal.forecast_category = locked.forecast_category
    deal.closed_on, deal.lost_reason, deal.competitor = locked.closed_on, locked.lost_reason, locked.competitor
    return change


@transaction.atomic
def pipeline_save(*, pipeline: Pipeline) -> Pipeline:
    """Add or change a pipeline; the save expires the dashboards' cached figures through ``dashboards/receivers.py``."""
    pipeline.full_clean()
    pipeline.save()
    return pipeline


@transaction.atomic
def stage_save(*, stage: Stage) -> Stage:
    """Add or change a stage. A new stage goes to the end of its pipeline; only
    one stage per pipeline counts as "opportunity"; a stage that holds deals
    keeps its kind (open deals in a "won" stage would be nonsense). A change of order or
    kind marks every dashboard row dirty through ``dashboards/receivers.py``."""
    if stage.pk is not None:
        saved_kind = Stage.objects.filter(pk=stage.pk).values_list("kind", flat=True).first()
        if saved_kind != stage.kind and Deal.objects.filter(stage=stage).exists():
            raise ValidationError({"kind": _("This stage holds deals; move them before changing its kind.")})
    if stage.pk is None and not stage.order:
        last = Stage.objects.filter(pipeline=stage.pipeline).aggregate(m=Max("order"))["m"]
        stage.order = (last or 0) + 1
    if stage.is_opportunity:
        Stage.objects.filter(pipeline=stage.pipeline, is_opportunity=True).exclude(pk=stage.pk).update(
            is_opportunity=False
        )
    stage.full_clean()
    stage.save()
    return stage


@transaction.atomic
def stage_reorder(*, pipeline: Pipeline, stage_ids: list[int]) -> None:
    """Put the pipeline's live stages in the given order (ids of all of them).

    Its ``stages_reordered`` signal marks every dashboard row dirty through ``dashboards/receivers.py``.
    """
    # NO KEY: the order is no key, so moves' foreign-key checks on these stages go on meanwhile.
    stages = {
        s.pk: s for s in Stage.objects.select_for_update(no_key=True).filter(pipeline=pipeline, is_archived=False)
    }
    if set(stage_ids) != set(stages) or len(stage_ids) != len(stages):
        raise ValidationError(_("The new order must list every stage of the pipeline exactly once."))
    for position, stage_id in enumerate(stage_ids, start=1):
        stages[stage_id].order = position
    Stage.objects.bulk_update(stages.values(), ["order"])
    stages_reordered.send(sender=Pipeline, pipeline=pipeline)


@transaction.atomic
def stage_archive(*, stage: Stage, move_to: Stage | None, by) -> int:
    """Archive a stage, first moving its deals to ``move_to`` (each move recorded).

    History keeps pointing at the archived stage; nothing is rewritten.
    Returns how many deals moved. Each move leaves its dirty marks through ``dashboards/receivers.py``.
    """
    # NO KEY: waits for moves into the stage (FOR SHARE) but not for the foreign-key checks
    # of moves out of it, which it would deadlock with while it waits for their deals.
    stage = Stage.objects.select_for_update(no_key=True).get(pk=stage.pk)
    # Its deals locked at once: one moved elsewhere meanwhile is no longer among them.
    deals = list(Deal.objects.select_for_update().filter(stage=stage))
    if deals and move_to is None:
        raise ValidationError({"move_to": _("Choose where this stage's deals go.")})
    if move_to is not None and (move_to.pk == stage.pk or move_to.pipeline_id != stage.pipeline_id):
        raise ValidationError({"move_to": _("Choose another stage of the same pipeline.")})
    if deals and move_to.is_closed:
        raise ValidationError({"move_to": _("Move the deals to an open stage; close them one by one.")})
    for deal in deals:
        deal_move(deal=deal, to_stage=move_to, by=by)
    stage.is_archived = True
    stage.is_opportunity = False
    stage.save(update_fields=["is_archived", "is_opportunity"])
    return len(deals)


@transaction.atomic
def named_list_save(*, item: NamedList) -> NamedList:
    """Save a lead source, competitor or lost reason; the save expires the dashboards' cached figures
    through ``dashboards/receivers.py``."""
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def company_save(*, company: Company) -> Company:
    """Add or change a company; a new territory or segment marks its closed deals' days dirty through
    ``dashboards/receivers.py``."""
    company.full_clean(exclude=_foreign_keys(Company))
    company.save()
    return company


@transaction.atomic
def contact_save(*, contact: Contact) -> Contact:
    """Add or change a contact; a new time zone marks its activities' days dirty (through
    ``insights/receivers.py``: the best-time rollup reads it). The phone number is stored as E.164
    whichever way it came (form, import, admin, API), so one number is always one value."""
    try:
        contact.phone = phone_normalise(contact.phone)
    except ValidationError as error:
        raise ValidationError({"phone": error.messages}) from error
    contact.full_clean(exclude=_foreign_keys(Contact))
    contact.save()
    return contact
