"""Activities: log (with an ``Idempotency-Key``), list, read and change the caller's activities.

The same reads and writes as the pages (``activities.selectors`` and ``activities.services``), so
the same people see and change the same rows: reps their own, managers their teams', admins all.
"""

import json
from datetime import date
from typing import Annotated

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Header, Query, Router, Status
from ninja.responses import NinjaJSONEncoder

from accounts.models import User
from activities import selectors, services
from activities.forms import ActivityFilterForm, may_choose_owner
from activities.models import Activity, Kind, Outcome
from pipeline.models import Company, Contact, Deal, LeadSource

from . import services as api_services
from .pages import MAX_PAGE_SIZE, PAGE_SIZE, paginate
from .problems import Problem, field_errors, invalid
from .schemas import ERRORS, ActivityIn, ActivityOut, ActivityPage, ActivityPatch

router = Router(tags=["activities"])

# The API's field names for the services' (and the forms') ones.
API_NAMES = {
    "owner": "owner_id",
    "contact": "contact_id",
    "company": "company_id",
    "deal": "deal_id",
    "lead_source": "lead_source_id",
}


def _activity_for(request, activity_id: int) -> Activity:
    """The activity, if the caller may see it (and so change it); 404 otherwise."""
    return get_object_or_404(Activity.objects.visible_to(request.user), pk=activity_id)


def _owner(user: User, owner_id: int | None, *, keep: int | None = None) -> User | None:
    """The rep an activity is for, as the form allows: a rep only themselves, a manager the people
    they may assign to, an admin anyone. The same words whether the id exists or not."""
    if owner_id is None:
        return None
    if may_choose_owner(user):
        found = User.objects.assignable_by(user, keep=keep).filter(pk=owner_id).first()
    else:
        found = user if owner_id == user.pk else None
    if found is None:
        raise invalid([{"pointer": "#/owner_id", "detail": _("You cannot log activity for that person.")}])
    return found


def _links(values: dict, errors: list) -> dict:
    """The linked rows from their ids. A deal the caller may not see is refused by the service
    with the words used here for an id of no deal at all, so neither is told apart."""
    found = {}
    lookups = {
        "contact": (Contact.objects.all(), _("There is no such contact.")),
        "company": (Company.objects.all(), _("There is no such company.")),
        "deal": (Deal.objects.all(), services.DEAL_REFUSED),
        "lead_source": (LeadSource.objects.active(), _("There is no such lead source.")),
    }
    for name, (rows, message) in lookups.items():
        api_name = API_NAMES[name]
        if api_name not in values:
            continue
        pk = values[api_name]
        found[name] = rows.filter(pk=pk).first() if pk is not None else None
        if pk is not None and found[name] is None:
            errors.append({"pointer": f"#/{api_name}", "detail": str(message)})
    return found


def _log(request, payload: ActivityIn) -> tuple[int, dict]:
    values = payload.model_dump()
    errors = []
    links = _links(values, errors)
    if errors:
        raise invalid(errors)
    owner = _owner(request.user, payload.owner_id) or request.user
    try:
        activity = services.activity_log(
            owner=owner,
            by=request.user,
            kind=payload.kind,
            outcome=payload.outcome or "",
            occurred_at=payload.occurred_at,
            duration_minutes=payload.duration_minutes,
            notes=payload.notes,
            **links,
        )
    except ValidationError as error:
        raise invalid(field_errors(error, API_NAMES)) from None
    # Stored for a replay exactly as it is sent the first time.
    return 201, json.loads(json.dumps(ActivityOut.from_orm(activity).model_dump(), cls=NinjaJSONEncoder))


@router.post(
    "/activities",
    response={201: ActivityOut, **ERRORS},
    summary="Log an activity",
    description=(
        "Send an `Idempotency-Key` (any unique string, e.g. the dialer's call id): a retry with the "
        "same key and body answers the first response again and logs nothing twice; the same key "
        "with another body is refused (409)."
    ),
)
def activity_log(
    request,
    payload: ActivityIn,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)] = None,
):
    if not idempotency_key:
        return Status(*_log(request, payload))
    fingerprint = api_services.request_fingerprint(request.method, request.path, request.body)
    result = api_services.idempotent(
        user=request.user, key=idempotency_key, fingerprint=fingerprint, write=lambda: _log(request, payload)
    )
    if isinstance(result, api_services.Replay):
        if not result.matches:
            raise Problem(
                409,
                "idempotency-key-reused",
                _("This Idempotency-Key was used for another request."),
                _("Send a new key for a new activity; a retry must repeat the first request exactly."),
            )
        response = JsonResponse(result.response, status=result.status_code)
        response["Idempotent-Replayed"] = "true"
        return response
    return Status(*result)


@router.get("/activities", response={200: ActivityPage, **ERRORS}, summary="List activities")
def activity_list(
    request,
    kind: Kind | None = None,
    outcome: Outcome | None = None,
    date_from: Annotated[date | None, Query(description="On the organisation's local day, inclusive.")] = None,
    date_to: date | None = None,
    owner: Annotated[int | None, Query(description="Managers and admins: one rep's.")] = None,
    company: int | None = None,
    deal: int | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = PAGE_SIZE,
):
    """Newest first: the caller's own (a rep), their teams' (a manager), everyone's (an admin)."""
    data = {"kind": kind, "outcome": outcome, "date_from": date_from, "date_to": date_to}
    data |= {"owner": owner, "company": company, "deal": deal}
    form = ActivityFilterForm({k: v for k, v in data.items() if v is not None}, user=request.user)
    if not form.is_valid():
        raise invalid(field_errors(ValidationError(form.errors.as_data())))
    rows = selectors.activity_list(user=request.user, filters=form.selected()).prefetch_related(None)
    return paginate(rows, page=page, page_size=page_size)


@router.get("/activities/{activity_id}", response={200: ActivityOut, **ERRORS}, summary="Read an activity")
def activity_detail(request, activity_id: int):
    return _activity_for(request, activity_id)


@router.patch("/activities/{activity_id}", response={200: ActivityOut, **ERRORS}, summary="Change an activity")
def activity_update(request, activity_id: int, payload: ActivityPatch):
    activity = _activity_for(request, activity_id)
    values = payload.model_dump(exclude_unset=True)
    for name in ("kind", "duration_minutes", "notes"):
        if name in values and values[name] is None:
            values.pop(name)  # null for a field that cannot be empty: left as it is
    errors = []
    fields = _links(values, errors)
    if errors:
        raise invalid(errors)
    if "owner_id" in values and values["owner_id"] is not None:
        fields["owner"] = _owner(request.user, values["owner_id"], keep=activity.owner_id)
    for name in ("kind", "occurred_at", "duration_minutes", "notes"):
        if values.get(name) is not None:
            fields[name] = values[name]
    if "outcome" in values:
        fields["outcome"] = values["outcome"] or ""
    try:
        services.activity_update(activity=activity, by=request.user, **fields)
    except ValidationError as error:
        raise invalid(field_errors(error, API_NAMES)) from None
    return activity
