"""What every CSV import shares: reading the file, errors by row, column and reason, cells converted
and checked, names looked up once per file (row numbers as a spreadsheet shows them, the header is
row 1; names match case-insensitively, ignoring surrounding spaces).

Pipeline's imports are ``ImportKind``s: their columns, ``prepare`` (the look-ups,
once per file), ``clean`` (one row) and ``create`` (one service call);
``parse_csv(spec, text, user, max_rows=...)`` checks every row and writes
nothing, ``import_rows(spec, rows, user)`` writes them all or none. Activities'
import (``activities/importers/``, in Celery tasks, with a column mapping of its
own) uses ``reader``, ``cell``, ``file_problem``, ``too_wide``, ``lookup_in`` and ``one_of``.
"""

import csv
import io
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import Model, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from .csvio import FORMULA_PREFIXES
from .dates import validate_in_window

PREVIEW_ROWS = 20
# Names per look-up query: well below SQLite's limit on query parameters.
LOOKUP_CHUNK = 5_000

TRUE_WORDS = {"yes", "true", "1"}
FALSE_WORDS = {"no", "false", "0", ""}


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


class RowErrors:
    """The problems of one row, as ``clean`` finds them."""

    def __init__(self, row: int):
        self.row = row
        self.found: list[RowError] = []

    def add(self, column: str, message: str) -> None:
        self.found.append(RowError(self.row, column, str(message)))

    def add_validation_error(self, column: str, exc: ValidationError) -> None:
        for message in exc.messages:
            self.add(column, message)


# --- reading the file -----------------------------------------------------


def normalise_header(name: str) -> str:
    return re.sub(r"[\s-]+", "_", name.strip().lstrip("\ufeff").strip().lower()).rstrip("*")


def delimiter(text: str) -> str:
    """Comma, unless the header line plainly uses semicolons or tabs (Excel in many locales)."""
    first_line = text.split("\n", 1)[0]
    return max([",", ";", "\t"], key=first_line.count) if first_line.count(",") == 0 else ","


def reader(text: str):
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(text))


def cell(record: list[str], index: int) -> str:
    """The cell's text, trimmed; the apostrophe our exports put before formula-like text is dropped."""
    text = record[index].strip() if index < len(record) else ""
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


def file_problem(text: str) -> str:
    """Why this text is no CSV file at all (empty or binary), or ""."""
    if not text.strip():
        return _("The file is empty.")
    if "\x00" in text:
        return _("This is not a CSV file: it contains binary data.")
    return ""


def unreadable(exc: csv.Error) -> RowError:
    return RowError(None, "", _("The file could not be read as CSV: %(error)s") % {"error": exc})


def no_data_rows() -> RowError:
    return RowError(None, "", _("The file has a header row but no data rows."))


def too_wide(number: int, record: list[str], width: int) -> RowError | None:
    """The error of a row with values beyond the header's last column, if it has any."""
    if not any(text.strip() for text in record[width:]):
        return None
    return RowError(
        number,
        "",
        _("This row has more cells (%(cells)d) than the header has columns (%(columns)d).")
        % {"cells": len(record), "columns": width},
    )


# --- converting cells -----------------------------------------------------


def _display(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if hasattr(value, "label"):  # a choice (segment, deal type)
        return str(value.label)
    return str(value)


def model_value(model: type[Model], field_name: str, text, column: str, errors: RowErrors):
    """The cell converted and checked by the model field itself (length, email, URL, digits ...)."""
    model_field = model._meta.get_field(field_name)
    try:
        return model_field.clean(text, None)
    except ValidationError as exc:
        errors.add_validation_error(column, exc)
        return None


def read_required(cells: dict[str, str], column: str, errors: RowErrors) -> str:
    text = cells.get(column, "")
    if not text:
        errors.add(column, _("This value is required."))
    return text


def read_text(model: type[Model], cells: dict[str, str], column: str, errors: RowErrors, *, required=False) -> str:
    """A text cell checked by the model field of the same name (length, email format ...)."""
    text = read_required(cells, column, errors) if required else cells.get(column, "")
    if not text:
        return ""
    return model_value(model, column, text, column, errors) or ""


def read_bool(cells: dict[str, str], column: str, errors: RowErrors) -> bool:
    text = cells.get(column, "").lower()
    if text in TRUE_WORDS:
        return True
    if text not in FALSE_WORDS:
        errors.add(column, _("Write yes or no (or true/false, 1/0)."))
    return False


def read_date(cells: dict[str, str], column: str, errors: RowErrors) -> date | None:
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


def not_future(value: date | None, column: str, errors: RowErrors) -> None:
    if value and value > timezone.localdate():
        errors.add(column, _("This date is in the future."))


def read_count(cells: dict[str, str], column: str, errors: RowErrors) -> int | None:
    text = cells.get(column, "").replace(",", "").replace(" ", "")
    if not text:
        return None
    if not text.isdigit():
        errors.add(column, _("Write a whole number, for example 250."))
        return None
    return int(text)


def read_choice(choices: type, cells: dict[str, str], column: str, errors: RowErrors):
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


def first_seen(seen: dict[str, int], key: str, row: int) -> int | None:
    """The earlier row of this file with the same key, if any; remembers this one otherwise."""
    if key in seen:
        return seen[key]
    seen[key] = row
    return None


# --- looking names up once per import --------------------------------------


def key(text: str) -> str:
    return text.strip().lower()


def index(objects: Iterable[Model], attribute: str = "name") -> dict[str, list[Model]]:
    found: dict[str, list[Model]] = {}
    for obj in objects:
        found.setdefault(key(getattr(obj, attribute)), []).append(obj)
    return found


def lookup_in(queryset: QuerySet, attribute: str, texts: Iterable[str]) -> dict[str, list[Model]]:
    """Rows of ``queryset`` whose ``attribute`` matches one of ``texts`` (case-insensitively),
    by lower-cased text: one query per few thousand distinct names, whatever the row count."""
    texts = {text.strip(): key(text) for text in texts if text.strip()}
    wanted = set(texts.values())
    found: dict[str, list[Model]] = {}
    names = sorted(texts)
    for start in range(0, len(names), LOOKUP_CHUNK):
        chunk = names[start : start + LOOKUP_CHUNK]
        # The exact text too: SQLite's lower() leaves non-ASCII capitals ("Øresund") as they are.
        rows = queryset.annotate(_match=Lower(attribute)).filter(
            Q(_match__in={texts[name] for name in chunk}) | Q(**{f"{attribute}__in": chunk})
        )
        for name, objects in index(rows, attribute).items():
            if name in wanted:
                for obj in objects:
                    if obj not in found.setdefault(name, []):
                        found[name].append(obj)
    return found


def column_values(rows: list[dict[str, str]], column: str) -> list[str]:
    return [cells.get(column, "") for cells in rows]


def one_of(found: dict[str, list[Model]], text: str, *, missing: str, many: str) -> tuple[Model | None, str]:
    """The one record ``text`` names, or None and why: none or several match (``%(name)s`` in the messages)."""
    matches = found.get(key(text), [])
    if len(matches) == 1:
        return matches[0], ""
    return None, (many if matches else missing) % {"name": text}


@dataclass(frozen=True)
class Named:
    """A column that names a record: where ``prepare`` put the records, and the two refusals."""

    lookup: str  # the key of ``context``
    missing: str
    many: str


def read_named(named: Named, context: dict, cells: dict[str, str], column: str, errors: RowErrors):
    """The one record named in ``column`` (None when the cell is empty); an error when none or several match."""
    text = cells.get(column, "")
    if not text:
        return None
    record, why = one_of(context[named.lookup], text, missing=named.missing, many=named.many)
    if why:
        errors.add(column, why)
    return record


# --- the kinds of the imports done in the request ------------------------------


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
    def clean(self, cells: dict[str, str], context: dict, errors: RowErrors) -> dict[str, Any]:
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


def parse_csv(spec: ImportKind, text: str, user, *, max_rows: int) -> ImportResult:
    """Read and check every row of a CSV file of ``spec``'s kind; writes nothing.

    The result holds the rows that passed and every error found. Header
    problems (unknown, repeated or missing columns) are reported on row 1 and
    stop the check there: every row would fail for the same reason.
    """
    result = ImportResult(kind=spec.slug)
    records = _records(text, result)
    if not records:
        return result
    header, body = records[0], records[1:]
    columns = [normalise_header(name) for name in header]
    result.errors.extend(_header_errors(spec, columns, body))
    if result.errors:
        return result
    # Columns without a name and without values (a spreadsheet's trailing commas) are ignored.
    kept = [(index, name) for index, name in enumerate(columns) if name]
    result.columns = [name for _index, name in kept]
    cells_by_row = _cells_by_row(body, len(columns), kept, result)
    if not cells_by_row and not result.errors:
        result.errors.append(no_data_rows())
    elif len(cells_by_row) > max_rows:
        result.errors.append(_too_many_rows(len(cells_by_row), max_rows))
    else:
        _check_rows(spec, cells_by_row, user, result)
    return result


def _records(text: str, result: ImportResult) -> list[list[str]]:
    """Every record of the file, or none and the reason in ``result``."""
    if problem := file_problem(text):
        result.errors.append(RowError(None, "", problem))
        return []
    try:
        return list(reader(text))
    except csv.Error as exc:
        result.errors.append(unreadable(exc))
        return []


def _cells_by_row(
    body: list[list[str]], width: int, kept: list[tuple[int, str]], result: ImportResult
) -> list[tuple[int, dict[str, str]]]:
    """(row number, cells by column) of each row with a value; a row wider than the header is an error."""
    cells_by_row = []
    for number, record in enumerate(body, start=2):
        if not any(text.strip() for text in record):
            continue
        if error := too_wide(number, record, width):
            result.errors.append(error)
            continue
        cells_by_row.append((number, {name: cell(record, index) for index, name in kept}))
    return cells_by_row


def _too_many_rows(count: int, limit: int) -> RowError:
    return RowError(
        None,
        "",
        _("The file has %(count)d rows; at most %(limit)d can be imported at once. Split it into smaller files.")
        % {"count": count, "limit": limit},
    )


def _check_rows(spec: ImportKind, cells_by_row: list[tuple[int, dict[str, str]]], user, result: ImportResult):
    context = spec.prepare([cells for _number, cells in cells_by_row], user)
    position = {name: index for index, name in enumerate(result.columns)}
    for number, cells in cells_by_row:
        errors = RowErrors(number)
        values = spec.clean(cells, context, errors)
        if errors.found:
            # Left to right, as the row reads in the spreadsheet.
            result.errors.extend(sorted(errors.found, key=lambda error: position.get(error.column, -1)))
        else:
            result.rows.append(ParsedRow(number, values))


def _header_errors(spec: ImportKind, columns: list[str], body: list[list[str]]) -> list[RowError]:
    """Nameless columns with values, unknown, repeated and missing columns, each reported on row 1."""
    names = ", ".join(spec.column_names)
    errors, seen = [], set()
    for index, name in enumerate(columns):
        if not name:
            if any(index < len(record) and record[index].strip() for record in body):
                column = _("column %(number)d") % {"number": index + 1}
                errors.append(RowError(1, column, _("This column has values but no name.")))
        elif name not in spec.column_names:
            errors.append(RowError(1, name, _("Unknown column. The columns are: %(columns)s.") % {"columns": names}))
        elif name in seen:
            errors.append(RowError(1, name, _("This column appears more than once.")))
        seen.add(name)
    missing = [column.name for column in spec.columns if column.required and column.name not in seen]
    errors.extend(RowError(1, name, _("This column is required.")) for name in missing)
    return errors


def import_rows(spec: ImportKind, rows: list[ParsedRow], user) -> int:
    """Write every parsed row through the services in one transaction; returns how many.

    A row the services refuse (the data changed since the check, say) does not
    stop the loop, so every such row is reported; then ``ImportFailed`` rolls
    the whole import back. Each service call runs in its own savepoint, which
    keeps the transaction usable after a refused row.
    """
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
