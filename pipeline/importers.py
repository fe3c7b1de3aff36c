"""CSV import of companies, contacts and deals: parse and validate every row, then write all or nothing.

Two steps, so the screen can show a preview (or every error) before anything is written:

- ``parse_csv(kind, text, user)`` reads the file and checks every row; it
  writes nothing. Names the rows refer to (territories, companies, owners,
  stages ...) are looked up once per import, in a few queries, never per row.
- ``import_rows(kind, rows, user)`` writes the parsed rows through the
  pipeline services in one transaction; if any row fails, nothing is kept.

Row numbers are those a spreadsheet shows: the header is row 1. Names match
case-insensitively, ignoring surrounding spaces. Other imports (activities)
follow the same shape: an ``ImportKind`` with its columns, ``prepare`` (the
look-ups), ``clean`` (one row) and ``create`` (one service call).
"""

import csv
import io
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import Model, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import Team, Territory, User
from salestracker.csvio import FORMULA_PREFIXES
from salestracker.dates import validate_in_window

from . import services
from .models import (
    Company,
    Competitor,
    Contact,
    Deal,
    DealType,
    LeadSource,
    LostReason,
    Pipeline,
    Segment,
    Stage,
    StageChange,
    StageKind,
)

MAX_FILE_BYTES = 5 * 1024 * 1024
# Pipeline imports are written inside the request, through the same services as
# the forms (about 8 statements a deal): 2,000 rows stay well inside a web
# worker's timeout on either database. Bigger files are split by the user.
MAX_ROWS = 2_000
PREVIEW_ROWS = 20
# Names per look-up query: well below SQLite's limit on query parameters.
LOOKUP_CHUNK = 5_000

TRUE_WORDS = {"yes", "true", "1"}
FALSE_WORDS = {"no", "false", "0", ""}
AMOUNT_PATTERN = re.compile(r"^(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$")


@dataclass(frozen=True)
class RowError:
    row: int | None  # as a spreadsheet numbers it (header = 1); None for the file as a whole
    column: str
    message: str


@dataclass
class ParsedRow:
    row: int
    values: dict[str, Any]  # by column name, already converted (dates, amounts, model instances)


@dataclass
class ImportResult:
    kind: str
    columns: list[str] = field(default_factory=list)
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    @property
    def total(self) -> int:
        return len(self.rows)

    def preview(self, limit: int = PREVIEW_ROWS) -> list[tuple[int, list[str]]]:
        """The first rows as text, one cell per column of the file, for the confirmation screen."""
        return [(row.row, [_display(row.values.get(column)) for column in self.columns]) for row in self.rows[:limit]]


class ImportFailed(Exception):
    """Raised by ``import_rows`` when a row could not be written; nothing was."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} row errors")
        self.errors = errors


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = False
    help: str = ""


# --- reading the file -----------------------------------------------------


def _normalise_header(name: str) -> str:
    return re.sub(r"[\s-]+", "_", name.strip().lstrip("\ufeff").strip().lower()).rstrip("*")


def _delimiter(text: str) -> str:
    """Comma, unless the header line plainly uses semicolons or tabs (Excel in many locales)."""
    first_line = text.split("\n", 1)[0]
    return max([",", ";", "\t"], key=first_line.count) if first_line.count(",") == 0 else ","


def parse_csv(kind: str, text: str, user) -> ImportResult:
    """Read and check every row of a CSV file of ``kind``; writes nothing.

    The result holds the rows that passed and every error found. Header
    problems (unknown, repeated or missing columns) are reported on row 1 and
    stop the check there: every row would fail for the same reason.
    """
    spec = KINDS[kind]
    result = ImportResult(kind=kind)
    if not text.strip():
        result.errors.append(RowError(None, "", _("The file is empty.")))
        return result
    if "\x00" in text:
        result.errors.append(RowError(None, "", _("This is not a CSV file: it contains binary data.")))
        return result
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    except csv.Error as exc:
        result.errors.append(RowError(None, "", _("The file could not be read as CSV: %(error)s") % {"error": exc}))
        return result

    header, body = records[0], records[1:]
    columns = [_normalise_header(name) for name in header]
    result.errors.extend(_header_errors(spec, columns, body))
    if result.errors:
        return result
    # Columns without a name and without values (a spreadsheet's trailing commas) are ignored.
    kept = [(index, name) for index, name in enumerate(columns) if name]
    result.columns = [name for _index, name in kept]

    cells_by_row: list[tuple[int, dict[str, str]]] = []
    for number, record in enumerate(body, start=2):
        if not any(cell.strip() for cell in record):
            continue
        if any(cell.strip() for cell in record[len(columns) :]):
            result.errors.append(
                RowError(
                    number,
                    "",
                    _("This row has more cells (%(cells)d) than the header has columns (%(columns)d).")
                    % {"cells": len(record), "columns": len(columns)},
                )
            )
            continue
        cells_by_row.append((number, {name: _cell(record, index) for index, name in kept}))
    if not cells_by_row and not result.errors:
        result.errors.append(RowError(None, "", _("The file has a header row but no data rows.")))
        return result
    if len(cells_by_row) > MAX_ROWS:
        result.errors.append(
            RowError(
                None,
                "",
                _(
                    "The file has %(count)d rows; at most %(limit)d can be imported at once. "
                    "Split it into smaller files."
                )
                % {"count": len(cells_by_row), "limit": MAX_ROWS},
            )
        )
        return result

    context = spec.prepare([cells for _number, cells in cells_by_row], user)
    position = {name: index for index, name in enumerate(result.columns)}
    for number, cells in cells_by_row:
        errors = _RowErrors(number)
        values = spec.clean(cells, context, errors)
        if errors.found:
            # Left to right, as the row reads in the spreadsheet.
            result.errors.extend(sorted(errors.found, key=lambda error: position.get(error.column, -1)))
        else:
            result.rows.append(ParsedRow(number, values))
    return result


def _cell(record: list[str], index: int) -> str:
    """The cell's text, trimmed; the apostrophe our exports put before formula-like text is dropped."""
    text = record[index].strip() if index < len(record) else ""
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


def _header_errors(spec: "ImportKind", columns: list[str], body: list[list[str]]) -> list[RowError]:
    errors = []
    known = {column.name for column in spec.columns}
    seen = set()
    for index, name in enumerate(columns):
        if not name:
            if any(index < len(record) and record[index].strip() for record in body):
                errors.append(
                    RowError(
                        1, _("column %(number)d") % {"number": index + 1}, _("This column has values but no name.")
                    )
                )
        elif name not in known:
            errors.append(
                RowError(
                    1,
                    name,
                    _("Unknown column. The columns are: %(columns)s.")
                    % {"columns": ", ".join(column.name for column in spec.columns)},
                )
            )
        elif name in seen:
            errors.append(RowError(1, name, _("This column appears more than once.")))
        seen.add(name)
    for column in spec.columns:
        if column.required and column.name not in seen:
            errors.append(RowError(1, column.name, _("This column is required.")))
    return errors


class _RowErrors:
    def __init__(self, row: int):
        self.row = row
        self.found: list[RowError] = []

    def add(self, column: str, message: str) -> None:
        self.found.append(RowError(self.row, column, str(message)))

    def add_validation_error(self, column: str, exc: ValidationError) -> None:
        for message in exc.messages:
            self.add(column, message)


# --- converting cells -----------------------------------------------------


def _display(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if hasattr(value, "label"):  # a choice (segment, deal type)
        return str(value.label)
    return str(value)


def _model_value(model: type[Model], field_name: str, text: str, column: str, errors: _RowErrors):
    """The cell converted and checked by the model field itself (length, email, URL, digits ...)."""
    model_field = model._meta.get_field(field_name)
    try:
        return model_field.clean(text, None)
    except ValidationError as exc:
        errors.add_validation_error(column, exc)
        return None


def _required(cells: dict[str, str], column: str, errors: _RowErrors) -> str:
    text = cells.get(column, "")
    if not text:
        errors.add(column, _("This value is required."))
    return text


def _text(model: type[Model], cells: dict[str, str], column: str, errors: _RowErrors, *, required=False) -> str:
    """A text cell checked by the model field of the same name (length, email format ...)."""
    text = _required(cells, column, errors) if required else cells.get(column, "")
    if not text:
        return ""
    return _model_value(model, column, text, column, errors) or ""


def _boolean(cells: dict[str, str], column: str, errors: _RowErrors) -> bool:
    text = cells.get(column, "").lower()
    if text in TRUE_WORDS:
        return True
    if text not in FALSE_WORDS:
        errors.add(column, _("Write yes or no (or true/false, 1/0)."))
    return False


def _date(cells: dict[str, str], column: str, errors: _RowErrors) -> date | None:
    text = cells.get(column, "")
    if not text:
        return None
    try:
        day = datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        errors.add(column, _("Write the date as YYYY-MM-DD, for example 2026-03-31."))
        return None
    try:
        validate_in_window(day)
    except ValidationError as exc:
        errors.add_validation_error(column, exc)
        return None
    return day


def _not_future(value: date | None, column: str, errors: _RowErrors) -> None:
    if value and value > timezone.localdate():
        errors.add(column, _("This date is in the future."))


def _count(cells: dict[str, str], column: str, errors: _RowErrors) -> int | None:
    text = cells.get(column, "").replace(",", "").replace(" ", "")
    if not text:
        return None
    if not text.isdigit():
        errors.add(column, _("Write a whole number, for example 250."))
        return None
    return int(text)


def _amount(cells: dict[str, str], column: str, errors: _RowErrors) -> Decimal | None:
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
    return _model_value(Deal, "amount", value, column, errors)


def _choice(choices: type, cells: dict[str, str], column: str, errors: _RowErrors):
    """A choice given by its code or its label ("mid_market" or "Mid-market")."""
    text = cells.get(column, "").lower()
    if not text:
        return None
    by_word = {member.value.lower(): member for member in choices} | {str(m.label).lower(): m for m in choices}
    if text not in by_word:
        errors.add(
            column,
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(f"{m.value} ({m.label})" for m in choices)},
        )
        return None
    return by_word[text]


# --- looking names up once per import --------------------------------------


def _key(text: str) -> str:
    return text.strip().lower()


def _index(objects: Iterable[Model], attribute: str = "name") -> dict[str, list[Model]]:
    found: dict[str, list[Model]] = {}
    for obj in objects:
        found.setdefault(_key(getattr(obj, attribute)), []).append(obj)
    return found


def _lookup_in(queryset: QuerySet, attribute: str, texts: Iterable[str]) -> dict[str, list[Model]]:
    """Rows of ``queryset`` whose ``attribute`` matches one of ``texts`` (case-insensitively),
    by lower-cased text: one query per few thousand distinct names, whatever the row count."""
    texts = {text.strip(): _key(text) for text in texts if text.strip()}
    wanted = set(texts.values())
    found: dict[str, list[Model]] = {}
    names = sorted(texts)
    for start in range(0, len(names), LOOKUP_CHUNK):
        chunk = names[start : start + LOOKUP_CHUNK]
        # The exact text too: SQLite's lower() leaves non-ASCII capitals ("Øresund") as they are.
        rows = queryset.annotate(_match=Lower(attribute)).filter(
            Q(_match__in={texts[name] for name in chunk}) | Q(**{f"{attribute}__in": chunk})
        )
        for key, objects in _index(rows, attribute).items():
            if key in wanted:
                for obj in objects:
                    if obj not in found.setdefault(key, []):
                        found[key].append(obj)
    return found


def _column_values(rows: list[dict[str, str]], column: str) -> list[str]:
    return [cells.get(column, "") for cells in rows]


def _one(
    index: dict[str, list[Model]], cells: dict[str, str], column: str, errors: _RowErrors, *, missing: str, many: str
):
    """The one row named in ``column`` (None when the cell is empty); an error when none or several match."""
    text = cells.get(column, "")
    if not text:
        return None
    matches = index.get(_key(text), [])
    if len(matches) == 1:
        return matches[0]
    errors.add(column, (many if matches else missing) % {"name": text})
    return None


# --- the kinds --------------------------------------------------------------


class ImportKind(ABC):
    slug: str
    label = ""
    columns: tuple[Column, ...] = ()
    example: dict[str, str] = {}
    # Model field name -> column name, for errors a service reports by field.
    field_columns: dict[str, str] = {}
    # The models an import writes, whose foreign keys are checked before it commits.
    models: tuple[type[Model], ...] = ()

    def tables(self) -> list[str]:
        return [model._meta.db_table for model in self.models]

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    @abstractmethod
    def imported_message(self, count: int) -> str:
        """The success message for ``count`` imported rows."""

    def prepare(self, rows: list[dict[str, str]], user) -> dict:
        """Everything ``clean`` needs to look up, fetched once for the whole file."""
        return {}

    @abstractmethod
    def clean(self, cells: dict[str, str], context: dict, errors: _RowErrors) -> dict[str, Any]:
        """One row's cells as model values; problems go to ``errors``."""

    @abstractmethod
    def create(self, values: dict[str, Any], user) -> Model:
        """Write one checked row through the services."""

    def errors_from(self, exc: ValidationError, row: int) -> list[RowError]:
        if not hasattr(exc, "error_dict"):
            return [RowError(row, "", message) for message in exc.messages]
        return [
            RowError(row, self.field_columns.get(name, name), message)
            for name, messages in exc.message_dict.items()
            for message in messages
        ]


def _first_seen(seen: dict[str, int], key: str, row: int) -> int | None:
    """The earlier row of this file with the same key, if any; remembers this one otherwise."""
    if key in seen:
        return seen[key]
    seen[key] = row
    return None


class CompanyImport(ImportKind):
    slug = "companies"
    models = (Company,)
    label = gettext_lazy("companies")
    columns = (
        Column("name", True, gettext_lazy("Must not already be in the address book.")),
        Column("segment", help=gettext_lazy("Code or label, e.g. smb or Small business.")),
        Column("territory", help=gettext_lazy("Name of an active territory.")),
        Column("employees", help=gettext_lazy("A whole number.")),
        Column("customer", help=gettext_lazy("yes or no; empty means a prospect.")),
        Column("website"),
    )
    example = {
        "name": "Acme Corporation",
        "segment": "mid_market",
        "territory": "Northeast",
        "employees": "250",
        "customer": "no",
        "website": "https://acme.example",
    }
    field_columns = {"is_customer": "customer"}

    def imported_message(self, count):
        return ngettext("Imported %(count)d company.", "Imported %(count)d companies.", count) % {"count": count}

    def prepare(self, rows, user):
        return {
            "territories": _index(Territory.objects.active()),
            "existing": _lookup_in(Company.objects.only("pk", "name"), "name", _column_values(rows, "name")),
            "seen": {},
        }

    def clean(self, cells, context, errors):
        name = _text(Company, cells, "name", errors, required=True)
        if name:
            if _key(name) in context["existing"]:
                errors.add("name", _("A company called “%(name)s” is already in the address book.") % {"name": name})
            elif earlier := _first_seen(context["seen"], _key(name), errors.row):
                errors.add("name", _("“%(name)s” is also on row %(row)d.") % {"name": name, "row": earlier})
        website = cells.get("website", "")
        if website and "://" not in website:
            website = "https://" + website
        return {
            "name": name,
            "segment": _choice(Segment, cells, "segment", errors),
            "territory": _one(
                context["territories"],
                cells,
                "territory",
                errors,
                missing=_("No active territory is called “%(name)s”."),
                many=_("Several territories are called “%(name)s”."),
            ),
            "employees": _model_value(Company, "employees", _count(cells, "employees", errors), "employees", errors),
            "customer": _boolean(cells, "customer", errors),
            "website": _model_value(Company, "website", website, "website", errors) if website else "",
        }

    def create(self, values, user):
        company = Company(
            name=values["name"],
            segment=values["segment"] or "",
            territory=values["territory"],
            employees=values["employees"],
            is_customer=values["customer"],
            website=values["website"] or "",
            owner=user,
        )
        return services.company_save(company=company)


class ContactImport(ImportKind):
    slug = "contacts"
    models = (Contact,)
    label = gettext_lazy("contacts")
    columns = (
        Column("first_name", True),
        Column("last_name"),
        Column("company", help=gettext_lazy("Name of a company already in the address book.")),
        Column("title"),
        Column("phone"),
        Column("email", help=gettext_lazy("Must not already belong to another contact.")),
        Column("decision_maker", help=gettext_lazy("yes or no.")),
        Column("pain_points"),
        Column("lead_source", help=gettext_lazy("Name of an active lead source.")),
    )
    example = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "company": "Acme Corporation",
        "title": "Head of Operations",
        "phone": "555 0100",
        "email": "ada@acme.example",
        "decision_maker": "yes",
        "pain_points": "Manual reporting takes two days a month",
        "lead_source": "Referral",
    }
    field_columns = {"is_decision_maker": "decision_maker"}

    def imported_message(self, count):
        return ngettext("Imported %(count)d contact.", "Imported %(count)d contacts.", count) % {"count": count}

    def prepare(self, rows, user):
        return {
            "companies": _lookup_in(Company.objects.only("pk", "name"), "name", _column_values(rows, "company")),
            "lead_sources": _index(LeadSource.objects.active()),
            "existing_emails": _lookup_in(Contact.objects.only("pk", "email"), "email", _column_values(rows, "email")),
            "seen": {},
        }

    def clean(self, cells, context, errors):
        values = {
            column: _text(Contact, cells, column, errors)
            for column in ("first_name", "last_name", "title", "phone", "email", "pain_points")
        }
        if not cells.get("first_name"):
            errors.add("first_name", _("This value is required."))
        email = values["email"]
        if email:
            if _key(email) in context["existing_emails"]:
                errors.add("email", _("A contact with this email is already in the address book."))
            elif earlier := _first_seen(context["seen"], _key(email), errors.row):
                errors.add("email", _("This email is also on row %(row)d.") % {"row": earlier})
        values |= {
            "company": _one(
                context["companies"],
                cells,
                "company",
                errors,
                missing=_("No company is called “%(name)s”; import or add it first."),
                many=_("Several companies are called “%(name)s”; rename them apart first."),
            ),
            "decision_maker": _boolean(cells, "decision_maker", errors),
            "lead_source": _one(
                context["lead_sources"],
                cells,
                "lead_source",
                errors,
                missing=_("No active lead source is called “%(name)s”."),
                many=_("Several lead sources are called “%(name)s”."),
            ),
        }
        return values

    def create(self, values, user):
        contact = Contact(
            first_name=values["first_name"],
            last_name=values["last_name"] or "",
            company=values["company"],
            title=values["title"] or "",
            phone=values["phone"] or "",
            email=values["email"] or "",
            is_decision_maker=values["decision_maker"],
            pain_points=values["pain_points"] or "",
            lead_source=values["lead_source"],
            owner=user,
        )
        return services.contact_save(contact=contact)


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
        Column("expected_close_date", help=gettext_lazy("YYYY-MM-DD.")),
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
        "closed_on": "",
        "lost_reason": "",
        "competitor": "",
        "lead_source": "Referral",
        "created_at": "",
    }
    field_columns = {"deal_type": "type"}

    def imported_message(self, count):
        return ngettext("Imported %(count)d deal.", "Imported %(count)d deals.", count) % {"count": count}

    def prepare(self, rows, user):
        pipelines = list(Pipeline.objects.filter(is_active=True))
        owners = [name for name in _column_values(rows, "owner") if _key(name) != _key(user.username)]
        stages: dict[int, dict[str, list[Stage]]] = {}
        for stage in Stage.objects.filter(pipeline__in=pipelines, is_archived=False):
            stages.setdefault(stage.pipeline_id, {}).setdefault(_key(stage.name), []).append(stage)
        return {
            "companies": _lookup_in(Company.objects.only("pk", "name"), "name", _column_values(rows, "company")),
            "contacts": _lookup_in(
                Contact.objects.select_related("lead_source"), "email", _column_values(rows, "contact")
            ),
            "owners": _lookup_in(_allowed_owners(user), "username", owners) if any(owners) else {},
            "pipelines": _index(pipelines),
            "stages": stages,
            "lead_sources": _index(LeadSource.objects.active()),
            "lost_reasons": _index(LostReason.objects.active()),
            "competitors": _index(Competitor.objects.active()),
            "user": user,
        }

    def clean(self, cells, context, errors):
        user = context["user"]
        for column in ("company", "pipeline", "stage"):
            _required(cells, column, errors)
        company = _one(
            context["companies"],
            cells,
            "company",
            errors,
            missing=_("No company is called “%(name)s”; import or add it first."),
            many=_("Several companies are called “%(name)s”; rename them apart first."),
        )
        pipeline = _one(
            context["pipelines"],
            cells,
            "pipeline",
            errors,
            missing=_("No active pipeline is called “%(name)s”."),
            many=_("Several pipelines are called “%(name)s”."),
        )
        values = {
            "title": _text(Deal, cells, "title", errors, required=True),
            "company": company,
            "contact": self._contact(cells, context, company, errors),
            "owner": self._owner(cells, context, user, errors),
            "pipeline": pipeline,
            "stage": self._stage(cells, context, pipeline, errors),
            "amount": _amount(cells, "amount", errors),
            "type": _choice(DealType, cells, "type", errors) or DealType.NEW_BUSINESS,
            "expected_close_date": _date(cells, "expected_close_date", errors),
            "closed_on": _date(cells, "closed_on", errors),
            "lost_reason": _one(
                context["lost_reasons"],
                cells,
                "lost_reason",
                errors,
                missing=_("No active lost reason is called “%(name)s”."),
                many=_("Several lost reasons are called “%(name)s”."),
            ),
            "competitor": _one(
                context["competitors"],
                cells,
                "competitor",
                errors,
                missing=_("No active competitor is called “%(name)s”."),
                many=_("Several competitors are called “%(name)s”."),
            ),
            "lead_source": _one(
                context["lead_sources"],
                cells,
                "lead_source",
                errors,
                missing=_("No active lead source is called “%(name)s”."),
                many=_("Several lead sources are called “%(name)s”."),
            ),
            "created_at": _date(cells, "created_at", errors),
        }
        self._check_closing(cells, values, errors)
        return values

    def _stage(self, cells, context, pipeline, errors):
        name = cells.get("stage", "")
        if not name or pipeline is None:
            return None
        matches = context["stages"].get(pipeline.pk, {}).get(_key(name), [])
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
        matches = context["contacts"].get(_key(email), [])
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
        if not username or _key(username) == _key(user.username):
            return user
        matches = context["owners"].get(_key(username), [])
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
        _not_future(closed_on, "closed_on", errors)
        _not_future(created_at, "created_at", errors)
        if closed_on and created_at and closed_on < created_at:
            errors.add("closed_on", _("The deal cannot close before it was created (%(date)s).") % {"date": created_at})
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

    def create(self, values, user):
        created_at = None
        if values["created_at"]:
            created_at = min(timezone.make_aware(datetime.combine(values["created_at"], time.min)), timezone.now())
        return services.deal_create(
            by=user,
            title=values["title"],
            company=values["company"],
            owner=values["owner"],
            pipeline=values["pipeline"],
            stage=values["stage"],
            amount=values["amount"],
            deal_type=values["type"],
            contact=values["contact"],
            lead_source=values["lead_source"],
            expected_close_date=values["expected_close_date"],
            closed_on=values["closed_on"],
            lost_reason=values["lost_reason"],
            competitor=values["competitor"],
            created_at=created_at,
        )


def _allowed_owners(user) -> QuerySet[User]:
    """People this user may import deals for: reps themselves, managers also their teams' members, admins anyone."""
    if user.is_admin:
        return User.objects.all()
    if user.is_manager:
        return User.objects.filter(Q(pk=user.pk) | Q(team_id__in=Team.managed_team_ids(user)))
    return User.objects.filter(pk=user.pk)


KINDS: dict[str, ImportKind] = {kind.slug: kind for kind in (CompanyImport(), ContactImport(), DealImport())}


def template_rows(kind: str) -> tuple[list[str], list[str]]:
    """The header and one example row of the downloadable template."""
    spec = KINDS[kind]
    return spec.column_names, [spec.example.get(name, "") for name in spec.column_names]


def import_rows(kind: str, rows: list[ParsedRow], user) -> int:
    """Write every parsed row through the services in one transaction; returns how many.

    A row the services refuse (the data changed since the check, say) does not
    stop the loop, so every such row is reported; then ``ImportFailed`` rolls
    the whole import back. Each service call runs in its own savepoint, which
    keeps the transaction usable after a refused row.
    """
    spec = KINDS[kind]
    errors: list[RowError] = []
    with transaction.atomic():
        for row in rows:
            try:
                spec.create(row.values, user)
            except ValidationError as exc:
                errors.extend(spec.errors_from(exc, row.row))
            except (IntegrityError, DataError) as exc:
                errors.append(RowError(row.row, "", _("The database refused this row: %(error)s") % {"error": exc}))
        if not errors:
            # Foreign keys are checked by the database when the transaction ends;
            # check them now, so a record removed since the file was checked
            # becomes a clear message rather than a failed commit.
            try:
                connection.check_constraints(table_names=spec.tables())
            except IntegrityError:
                errors.append(
                    RowError(
                        None,
                        "",
                        _("A record this file refers to was removed while importing. Nothing was imported; try again."),
                    )
                )
        if errors:
            raise ImportFailed(errors)
    return len(rows)
