"""Deals (list, move) and the contact lookup by phone number.

Deals through the pages' reads and ``pipeline.services.deal_move``: the same history as the
board, the same people. Contacts are the shared address book: every signed-in person reads it.
"""

from typing import Annotated

import phonenumbers
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router

from pipeline import selectors, services
from pipeline.forms import DealFilterForm, DealMoveForm
from pipeline.models import Contact, Deal
from pipeline.phones import phone_display, phone_normalise

from .pages import MAX_PAGE_SIZE, PAGE_SIZE, paginate
from .problems import field_errors, invalid
from .schemas import ERRORS, ContactOut, DealMoveIn, DealMoveOut, DealOut, DealPage

router = Router(tags=["pipeline"])

MOVE_NAMES = {"stage": "stage_id", "lost_reason": "lost_reason_id", "competitor": "competitor_id"}
LOOKUP_LIMIT = 20


def _deal_out(deal: Deal) -> dict:
    return {
        **{name: getattr(deal, name) for name in DealOut.model_fields if name not in ("company", "stage")},
        "company": deal.company.name,
        "stage": deal.stage,
    }


@router.get("/deals", response={200: DealPage, **ERRORS}, summary="List deals")
def deal_list(
    request,
    q: Annotated[str | None, Query(max_length=100, description="In the title or the company's name.")] = None,
    pipeline: int | None = None,
    stage: int | None = None,
    status: Annotated[str | None, Query(description="open, won or lost")] = None,
    owner: Annotated[int | None, Query(description="Managers and admins.")] = None,
    team: Annotated[int | None, Query(description="Managers and admins.")] = None,
    territory: int | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = PAGE_SIZE,
):
    """Newest first, as the deal list shows them: a rep's own, a manager's teams', an admin's all."""
    data = {"q": q, "pipeline": pipeline, "stage": stage, "status": status}
    data |= {"owner": owner, "team": team, "territory": territory}
    form = DealFilterForm({k: v for k, v in data.items() if v is not None}, user=request.user)
    if not form.is_valid():
        raise invalid(field_errors(ValidationError(form.errors.as_data())))
    rows = selectors.deal_list(user=request.user, **form.selected())
    found = paginate(rows, page=page, page_size=page_size)
    found["items"] = [_deal_out(deal) for deal in found["items"]]
    return found


@router.post("/deals/{deal_id}/move", response={200: DealMoveOut, **ERRORS}, summary="Move a deal")
def deal_move(request, deal_id: int, payload: DealMoveIn):
    """The board's move: one StageChange row in the deal's history. Moving a deal to the stage it
    is in writes nothing (``moved``: false), so a retry is harmless."""
    deal = get_object_or_404(
        Deal.objects.visible_to(request.user).select_related("company", "stage", "pipeline"), pk=deal_id
    )
    form = DealMoveForm(
        {
            "stage": payload.stage_id,
            "closed_on": payload.closed_on or "",
            "lost_reason": payload.lost_reason_id or "",
            "competitor": payload.competitor_id or "",
        },
        deal=deal,
    )
    if not form.is_valid():
        raise invalid(field_errors(ValidationError(form.errors.as_data()), MOVE_NAMES))
    try:
        change = services.deal_move(deal=deal, by=request.user, **form.move_arguments())
    except ValidationError as error:
        raise invalid(field_errors(error, MOVE_NAMES)) from None
    return {"moved": change is not None, "deal": _deal_out(deal)}


@router.get("/contacts/lookup", response={200: list[ContactOut], **ERRORS}, summary="Find contacts by phone")
def contact_lookup(
    request,
    phone: Annotated[str, Query(min_length=3, max_length=50, description="Any format; +country code, or give region.")],
    region: Annotated[
        str | None, Query(min_length=2, max_length=2, description="ISO 3166 code for numbers without a country code.")
    ] = None,
):
    """The contacts whose stored number is the same number: the query is normalised to E.164 as
    the contact form and the import normalise what they store, then compared as it is."""
    region = region.upper() if region else None
    if region and region not in phonenumbers.SUPPORTED_REGIONS:
        raise invalid([{"pointer": "region", "detail": _("“%(region)s” is not a region code.") % {"region": region}}])
    # A caller (a dialer, a phone system) knows the full number; the organisation's default
    # region, which the forms use for people typing, would guess the country for it.
    if not region and not phone.strip().startswith("+"):
        raise invalid([{"pointer": "phone", "detail": _("Give the number with its country code (+…), or a region.")}])
    try:
        wanted = phone_normalise(phone, region=region)
    except ValidationError as error:
        raise invalid([{"pointer": "phone", "detail": message} for message in error.messages]) from None
    contacts = Contact.objects.filter(phone=wanted).select_related("company").order_by("pk")[:LOOKUP_LIMIT]
    return [
        {
            "id": contact.pk,
            "name": str(contact),
            "company_id": contact.company_id,
            "company": contact.company.name if contact.company else None,
            "title": contact.title,
            "phone": phone_display(contact.phone),
            "phone_e164": contact.phone,
            "email": contact.email,
        }
        for contact in contacts
    ]
