"""The deals import: one row a deal, created through ``services.deal_create`` with its first stage change,
open, won or lost; reps import their own deals, managers those of their teams."""

import re
from datetime import datetime, time
from decimal import Decimal, InvalidOperation

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import Team, User
from salestracker import csvimport
from salestracker.csvimport import Column, ImportKind, RowErrors

from .. import services
from ..models import (
    Company,
    Competitor,
    Contact,
    Deal,
    DealType,
    ForecastCategory,
    LeadSource,
    LostReason,
    Pipeline,
    Stage,
    StageChange,
    StageKind,
)
from . import names

AMOUNT_PATTERN = re.compile(r"^(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$")


class DealImport(ImportKind):
    slug = "deals"
    models = (Deal, StageChange)
    label = gettext_lazy("deals")
    columns = (
        Column("title", True),
        Column("company", True, gettext_lazy("Name of a company already in the address book.")),
        Column("contact", help=gettext_lazy("Email of a contact of that company.")),
        Column(
            "owner",
            help=gettext_lazy("Username; empty means you. Reps import their own deals, managers those of their teams."),
        ),
        Column("pipeline", True, gettext_lazy("Name of an active pipeline.")),
        Column("stage", True, gettext_lazy("Name of a stage of that pipeline.")),
        Column("amount", True, gettext_lazy("For example 1234.50 or 1,234.50.")),
        Column("type", help=gettext_lazy("new_business, expansion or renewal; empty means new business.")),
        Column("expected_close_date", help=gettext_lazy("YYYY-MM-DD, not before the deal was created.")),
        Column(
            "forecast_category",
            help=gettext_lazy("pipeline, best_case, commit or omitted, for an open deal; empty means the stage's."),
        ),
        Column("closed_on", help=gettext_lazy("YYYY-MM-DD; required for a won deal.")),
        Column("lost_reason", help=gettext_lazy("Required for a lost deal.")),
        Column("competitor", help=gettext_lazy("Kept for lost deals.")),
        Column("lead_source", help=gettext_lazy("Empty means the contact's.")),
        Column("created_at", help=gettext_lazy("YYYY-MM-DD, for deals created before today.")),
    )
    example = {
        "title": "Acme - 50 seats",
        "company": "Acme Corporation",
        "contact": "ada@acme.example",
        "owner": "",
        "pipeline": "New business",
        "stage": "Qualified",
        "amount": "12,500.00",
        "type": "new_business",
        "expected_close_date": "2026-06-30",
        "forecast_category": "best_case",
        "closed_on": "",
        "lost_reason": "",
        "competitor": "",
        "lead_source": "Referral",
        "created_at": "2026-03-02",
    }
    field_columns = {"deal_type": "type"}

    def imported_message(self, count):
        return ngettext("Imported %(count)d deal.", "Imported %(count)d deals.", count) % {"count": count}

    def prepare(self, rows, user):
        pipelines = list(Pipeline.objects.filter(is_active=True))
        owners = [
            name
            for name in csvimport.column_values(rows, "owner")
            if csvimport.key(name) != csvimport.key(user.username)
        ]
        stages: dict[int, dict[str, list[Stage]]] = {}
        for stage in Stage.objects.filter(pipeline__in=pipelines, is_archived=False):
            stages.setdefault(stage.pipeline_id, {}).setdefault(csvimport.key(stage.name), []).append(stage)
        return {
            "companies": csvimport.lookup_in(
                Company.objects.only("pk", "name"), "name", csvimport.column_values(rows, "company")
            ),
            "contacts": csvimport.lookup_in(
                Contact.objects.select_related("lead_source"), "email", csvimport.column_values(rows, "contact")
            ),
            "owners": csvimport.lookup_in(_allowed_owners(user), "username", owners) if any(owners) else {},
            "pipelines": csvimport.index(pipelines),
            "stages": stages,
            "lead_sources": csvimport.index(LeadSource.objects.active()),
            "lost_reasons": csvimport.index(LostReason.objects.active()),
            "competitors": csvimport.index(Competitor.objects.active()),
            "user": user,
        }

    def clean(self, cells, context, errors):
        user = context["user"]
        for column in ("company", "pipeline", "stage"):
            csvimport.read_required(cells, column, errors)
        company = csvimport.read_named(names.COMPANY, context, cells, "company", errors)
        pipeline = csvimport.read_named(names.PIPELINE, context, cells, "pipeline", errors)
        values = {
            "title": csvimport.read_text(Deal, cells, "title", errors, required=True),
            "company": company,
            "contact": self._contact(cells, context, company, errors),
            "owner": self._owner(cells, context, user, errors),
            "pipeline": pipeline,
            "stage": self._stage(cells, context, pipeline, errors),
            "amount": _amount(cells, "amount", errors),
            "type": csvimport.read_choice(DealType, cells, "type", errors) or DealType.NEW_BUSINESS,
            "expected_close_date": csvimport.read_date(cells, "expected_close_date", errors),
            "forecast_category": csvimport.read_choice(ForecastCategory, cells, "forecast_category", errors),
            "closed_on": csvimport.read_date(cells, "closed_on", errors),
            "lost_reason": csvimport.read_named(names.LOST_REASON, context, cells, "lost_reason", errors),
            "competitor": csvimport.read_named(names.COMPETITOR, context, cells, "competitor", errors),
            "lead_source": csvimport.read_named(names.LEAD_SOURCE, context, cells, "lead_source", errors),
            "created_at": csvimport.read_date(cells, "created_at", errors),
        }
        self._check_closing(cells, values, errors)
        return values

    def _stage(self, cells, context, pipeline, errors):
        name = cells.get("stage", "")
        if not name or pipeline is None:
            return None
        matches = context["stages"].get(pipeline.pk, {}).get(csvimport.key(name), [])
        if len(matches) != 1:  # live stage names are unique within a pipeline
            errors.add(
                "stage",
                _("“%(name)s” is not a stage of the pipeline %(pipeline)s.") % {"name": name, "pipeline": pipeline},
            )
            return None
        return matches[0]

    def _contact(self, cells, context, company, errors):
        email = cells.get("contact", "")
        if not email:
            return None
        matches = context["contacts"].get(csvimport.key(email), [])
        if not matches:
            errors.add("contact", _("No contact has the email %(email)s.") % {"email": email})
            return None
        if company is None:
            return None  # the company column already has an error
        of_company = [contact for contact in matches if contact.company_id == company.pk]
        if not of_company:
            errors.add(
                "contact", _("%(email)s is not a contact of %(company)s.") % {"email": email, "company": company}
            )
        elif len(of_company) > 1:
            errors.add("contact", _("Several contacts of %(company)s have this email.") % {"company": company})
        else:
            return of_company[0]
        return None

    def _owner(self, cells, context, user, errors):
        username = cells.get("owner", "")
        if not username or csvimport.key(username) == csvimport.key(user.username):
            return user
        matches = context["owners"].get(csvimport.key(username), [])
        if len(matches) == 1:
            return matches[0]
        if user.is_admin:
            message = _("No user is called “%(name)s”.")
        elif user.is_manager:
            message = _("“%(name)s” is neither you nor a member of a team you manage.")
        else:
            message = _("You can import deals only for yourself: leave owner empty or write your own username.")
        errors.add("owner", message % {"name": username})
        return None

    def _check_closing(self, cells, values, errors):
        """The rules deal_create enforces, reported by column before anything is written."""
        stage, closed_on, created_at = values["stage"], values["closed_on"], values["created_at"]
        csvimport.not_future(closed_on, "closed_on", errors)
        csvimport.not_future(created_at, "created_at", errors)
        if closed_on and created_at and closed_on < created_at:
            errors.add("closed_on", _("The deal cannot close before it was created (%(date)s).") % {"date": created_at})
        expected, created = values["expected_close_date"], created_at or timezone.localdate()
        if expected and expected < created:
            errors.add(
                "expected_close_date",
                _("The expected close date cannot be before the deal was created (%(date)s).") % {"date": created},
            )
        if stage is None:
            return
        # Refused rather than dropped: the service keeps these only for closed (or lost) deals.
        if stage.kind == StageKind.WON and not cells.get("closed_on"):
            errors.add("closed_on", _("Enter the date the deal was won."))
        if not stage.is_closed and cells.get("closed_on"):
            errors.add("closed_on", _("Only won or lost deals have a close date."))
        if stage.kind == StageKind.LOST and not cells.get("lost_reason"):
            errors.add("lost_reason", _("Choose why the deal was lost."))
        for column in ("lost_reason", "competitor"):
            if stage.kind != StageKind.LOST and cells.get(column):
                errors.add(column, _("Only lost deals have a lost reason or competitor."))
        if stage.is_closed and cells.get("forecast_category"):
            errors.add("forecast_category", _("Only open deals have a forecast category."))

    def create(self, values, user):
        created_at = None
        if values["created_at"]:
            created_at = min(timezone.make_aware(datetime.combine(values["created_at"], time.min)), timezone.now())
        same = ("title", "company", "owner", "pipeline", "stage", "amount", "contact", "lead_source")
        dates = ("expected_close_date", "forecast_category", "closed_on", "lost_reason", "competitor")
        return services.deal_create(
            by=user,
            deal_type=values["type"],
            created_at=created_at,
            **{name: values[name] for name in (*same, *dates)},
        )


def _allowed_owners(user) -> QuerySet[User]:
    """People this user may import deals for: reps themselves, managers also their teams' members, admins anyone."""
    if user.is_admin:
        return User.objects.all()
    if user.is_manager:
        return User.objects.filter(Q(pk=user.pk) | Q(team_id__in=Team.managed_team_ids(user)))
    return User.objects.filter(pk=user.pk)


def _amount(cells: dict[str, str], column: str, errors: RowErrors) -> Decimal | None:
    text = cells.get(column, "").replace(" ", "").replace("\u00a0", "")
    if not text:
        errors.add(column, _("This value is required."))
        return None
    if text.startswith("-") and AMOUNT_PATTERN.match(text[1:]):
        errors.add(column, _("The amount cannot be negative."))
        return None
    if not AMOUNT_PATTERN.match(text):
        errors.add(column, _("Write the amount like 1234.50 or 1,234.50."))
        return None
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        errors.add(column, _("Write the amount like 1234.50 or 1,234.50."))
        return None
    return csvimport.model_value(Deal, "amount", value, column, errors)
