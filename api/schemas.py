"""The API's typed bodies and answers (Pydantic, through django-ninja): they make the OpenAPI schema."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Schema
from pydantic import ConfigDict, Field

from activities.forms import MAX_MINUTES
from activities.models import Kind, Outcome
from pipeline.models import ForecastCategory, StageKind

NOTES_MAX = 5000


class StrictIn(Schema):
    # An unknown field is refused, not ignored: a typo ("outcom") must not log a call without its outcome.
    model_config = ConfigDict(extra="forbid")


class ProblemError(Schema):
    pointer: str
    detail: str


class ProblemOut(Schema):
    """RFC 9457 problem details (sent as application/problem+json)."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[ProblemError] | None = None


# The problems any operation may answer (documented in the schema for each).
ERRORS = dict.fromkeys((400, 401, 403, 404, 409, 413, 422, 429), ProblemOut)


class Page(Schema):
    count: int = Field(description="Rows matching the filters, on every page.")
    page: int
    page_size: int
    pages: int


# --- activities ---------------------------------------------------------------------------


class ActivityIn(StrictIn):
    kind: Kind
    outcome: Outcome | None = Field(None, description="Required for calls, emails, meetings and demos.")
    occurred_at: datetime | None = Field(None, description="Default: now. Only meetings and demos may be ahead.")
    duration_minutes: int = Field(0, ge=0, le=MAX_MINUTES)
    owner_id: int | None = Field(None, description="Managers and admins: the rep it is for. Default: the caller.")
    contact_id: int | None = None
    company_id: int | None = Field(None, description="Default: the deal's or the contact's company.")
    deal_id: int | None = None
    lead_source_id: int | None = Field(None, description="For prospecting.")
    notes: str = Field("", max_length=NOTES_MAX)


class ActivityPatch(StrictIn):
    """Only the fields sent change; null clears a link."""

    kind: Kind | None = None
    outcome: Outcome | None = None
    occurred_at: datetime | None = None
    duration_minutes: int | None = Field(None, ge=0, le=MAX_MINUTES)
    owner_id: int | None = None
    contact_id: int | None = None
    company_id: int | None = None
    deal_id: int | None = None
    lead_source_id: int | None = None
    notes: str | None = Field(None, max_length=NOTES_MAX)


class ActivityOut(Schema):
    id: int
    owner_id: int
    kind: str
    outcome: str
    occurred_at: datetime
    day: date = Field(description="The organisation's local date of occurred_at.")
    duration_minutes: int
    contact_id: int | None
    company_id: int | None
    deal_id: int | None
    lead_source_id: int | None
    notes: str
    created_at: datetime


class ActivityPage(Page):
    items: list[ActivityOut]


# --- contacts -----------------------------------------------------------------------------


class ContactOut(Schema):
    id: int
    name: str
    company_id: int | None
    company: str | None
    title: str
    phone: str = Field(description="The number as the app shows it, in international format.")
    phone_e164: str = Field(description="The stored number, in E.164.")
    email: str


# --- deals --------------------------------------------------------------------------------


class StageOut(Schema):
    id: int
    name: str
    kind: StageKind


class DealOut(Schema):
    id: int
    title: str
    company_id: int
    company: str
    owner_id: int
    pipeline_id: int
    stage: StageOut
    amount: Decimal
    forecast_category: ForecastCategory
    expected_close_date: date | None
    closed_on: date | None
    stage_entered_at: datetime
    created_at: datetime


class DealPage(Page):
    items: list[DealOut]


class DealMoveIn(StrictIn):
    stage_id: int
    closed_on: date | None = Field(None, description="Needed when the stage is won.")
    lost_reason_id: int | None = Field(None, description="Needed when the stage is lost.")
    competitor_id: int | None = None


class DealMoveOut(Schema):
    moved: bool = Field(description="False when the deal was in that stage already (nothing written).")
    deal: DealOut


# --- figures ------------------------------------------------------------------------------


class PeriodOut(Schema):
    name: str
    start: date
    end: date


class GoalOut(Schema):
    metric: str
    period: PeriodOut
    count: int
    target: int
    ratio: float | None


class QuotaOut(Schema):
    measure: str
    period: PeriodOut
    target: Decimal
    achieved: Decimal | None
    attainment: Decimal | None


class KindCountOut(Schema):
    kind: str
    count: int
    minutes: int


class MeetingOut(Schema):
    id: int
    kind: str
    occurred_at: datetime
    contact_id: int | None
    company_id: int | None
    deal_id: int | None


class MyWeekOut(Schema):
    today: date
    week: PeriodOut
    month: PeriodOut
    currency: str
    goals: list[GoalOut]
    quotas: list[QuotaOut]
    open_deals: int
    open_amount: Decimal
    weighted_amount: Decimal
    stale_deal_ids: list[int]
    today_activities: list[KindCountOut]
    upcoming: list[MeetingOut]


class RepFiguresOut(Schema):
    rep_id: int | None = Field(description="None on the team's total row.")
    name: str
    calls: int
    connected: int
    emails: int
    replied: int
    meetings: int
    booked: int
    held: int
    positive: int
    minutes: int
    selling_minutes: int
    won_deals: int
    won_amount: Decimal
    lost_deals: int
    open_deals: int
    open_amount: Decimal
    weighted_amount: Decimal
    stale_deals: int
    quota_target: Decimal | None
    quota_achieved: Decimal | None
    connect_rate: float | None
    reply_rate: float | None
    win_rate: float | None


class TeamFiguresOut(Schema):
    team_id: int | None = Field(description="None: every team the caller may see.")
    start: date
    end: date
    rows: list[RepFiguresOut]
    total: RepFiguresOut
