"""Checking every row of an activity import against the rules of ``services.activity_log``, with the
names the file refers to looked up once; the checked rows go to the writer in batches."""

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from pipeline.models import Company, Contact, Deal, LeadSource
from salestracker import csvimport
from salestracker.csvimport import RowError
from salestracker.dates import validate_in_window

from ..models import OUTCOMES_BY_KIND, ActivityImport, Kind, Outcome
from ..services import check_activity, check_prospecting, default_outcome
from .fields import FIELD_NAMES, REFERENCES, file_columns, file_problem

PREVIEW_ROWS = 20
# How often the check reports how far it got (one UPDATE each time).
PROGRESS_EVERY = 2_000
BATCH_SIZE = 5_000
# Errors kept for the page and the download: a file with a wrong column mapped
# has one on every row; beyond this many the rest are only counted.
MAX_ERRORS = 100_000
NOTES_PREVIEW_CHARS = 80

WHEN_PATTERN = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


@dataclass
class CheckResult:
    total: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    preview: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.error_count and self.total > 0

    def add(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(error)

    def stored_errors(self) -> list[dict]:
        """As kept on the import: {row, column, reason}, with a last line for the errors not kept."""
        stored = [{"row": e.row, "column": e.column, "reason": e.message} for e in self.errors]
        if self.error_count > len(self.errors):
            stored.append(
                {
                    "row": None,
                    "column": "",
                    "reason": _("%(count)d more problems are not listed. Fix those above and check the file again.")
                    % {"count": self.error_count - len(self.errors)},
                }
            )
        return stored


def _words(choices) -> dict[str, str]:
    """Code or label, any case, spaces, hyphens or underscores alike -> the code.

    Keyed both as written in the choices and normalised by ``_word``: most cells
    match the first way, without the regular expression."""
    words = {_word(str(member.label)): member.value for member in choices}
    words.update({_word(member.value): member.value for member in choices})
    words.update({str(member.label): member.value for member in choices})
    words.update({member.value: member.value for member in choices})
    return words


def _word(text: str) -> str:
    return re.sub(r"[\s_-]+", " ", text.strip().lower())


class _Lookups:
    """The records the file names, fetched once for the whole file (one query per model)."""

    def __init__(self, user, names: dict[str, set[str]]):
        own = csvimport.key(user.username)
        reps = {name for name in names["rep"] if csvimport.key(name) != own}
        # The same rule as the activity form's rep field.
        self.reps = (
            csvimport.lookup_in(User.objects.assignable_by(user).only("pk", "username"), "username", reps)
            if reps
            else {}
        )
        self.companies = csvimport.lookup_in(Company.objects.only("pk", "name"), "name", names["company"])
        self.contacts = csvimport.lookup_in(
            Contact.objects.only("pk", "email", "company_id"), "email", names["contact"]
        )
        self.deals = (
            csvimport.lookup_in(
                Deal.objects.visible_to(user).only("pk", "title", "company_id", "stage_id"), "title", names["deal"]
            )
            if names["deal"]
            else {}
        )
        self.lead_sources = csvimport.lookup_in(
            LeadSource.objects.active().only("pk", "name"), "name", names["lead_source"]
        )


class _Checker:
    """Checks one row at a time; ``clean`` returns the Activity's field values, or None and records errors.

    It runs for every row, twice per import: messages are translated and words
    looked up once, not per row.
    """

    def __init__(self, *, user, columns: list[str], mapping: dict[str, int], lookups: _Lookups, now: datetime):
        self.user, self.columns, self.lookups, self.now = user, columns, lookups, now
        self.own_key = csvimport.key(user.username)
        self.index = {name: mapping[name] for name in FIELD_NAMES if mapping.get(name) is not None}
        # Errors name the file's column, or our field when the file has none for it.
        self.column = {name: columns[self.index[name]] if name in self.index else name for name in FIELD_NAMES}
        self.position = {name: self.index.get(name, len(columns)) for name in FIELD_NAMES}
        self.kinds, self.outcomes = _words(Kind), _words(Outcome)
        self.tz = timezone.get_current_timezone()
        self.messages = {
            "required": _("This value is required."),
            "kind": _("Choose one of: %(choices)s.")
            % {"choices": ", ".join(f"{kind.value} ({kind.label})" for kind in Kind)},
            "when": _("Write the date as YYYY-MM-DD or YYYY-MM-DD HH:MM, for example 2026-03-31 14:30."),
            "duration": _("Write a whole number of minutes, 0 or more."),
            "company": (
                _("No company is called “%(name)s”; add it to the address book first."),
                _("Several companies are called “%(name)s”; rename them apart first."),
            ),
            "deal": (
                _("No deal you can see is called “%(name)s”."),
                _("Several deals you can see are called “%(name)s”; rename them apart first."),
            ),
            "lead_source": (
                _("No active lead source is called “%(name)s”."),
                _("Several lead sources are called “%(name)s”."),
            ),
        }

    def clean(self, number: int, record: list[str], result: CheckResult) -> dict | None:
        width = len(self.columns)
        if len(record) > width and (error := csvimport.too_wide(number, record, width)):
            result.add(error)
            return None
        cells = {name: self._cell(record, position) for name, position in self.index.items()}
        found: list[tuple[str, str]] = []  # (field, message)
        owner, kind, outcome, occurred_at = self._what(cells, found)
        duration = self._duration(cells.get("duration_minutes", ""), found)
        company, contact, deal, lead_source = self._records(cells, kind, found)
        if found:
            # Left to right, as the row reads in the spreadsheet.
            for name, message in sorted(found, key=lambda error: self.position.get(error[0], -1)):
                result.add(RowError(number, self.column.get(name, name), str(message)))
            return None

        company_id = company.pk if company else deal.company_id if deal else contact.company_id if contact else None
        values = {
            "owner_id": owner.pk,
            "kind": kind,
            "outcome": outcome,
            "occurred_at": occurred_at,
            "day": timezone.localdate(occurred_at, self.tz),
            "duration_minutes": duration,
            "company_id": company_id,
            "contact_id": contact.pk if contact else None,
            "deal_id": deal.pk if deal else None,
            "lead_source_id": lead_source.pk if lead_source else None,
            "notes": cells.get("notes", ""),
        }
        if len(result.preview) < PREVIEW_ROWS:
            result.preview.append(self._preview(number, values, owner, company, contact, deal, lead_source))
        return values

    def _what(self, cells: dict[str, str], found) -> tuple:
        """Who did what when: the rep, kind, outcome (a default where the kind has one) and time, checked
        together by ``check_activity``."""
        owner = self._rep(cells.get("rep", ""), found)
        kind = self._kind(cells.get("kind", ""), found)
        occurred_at = self._when(cells.get("occurred_at", ""), found)
        outcome = self._outcome(cells.get("outcome", ""), kind, found)
        if kind and outcome is not None and occurred_at:
            outcome = outcome or default_outcome(kind, occurred_at, self.now)
            try:
                check_activity(kind=kind, outcome=outcome, occurred_at=occurred_at, now=self.now)
            except ValidationError as exc:
                found.extend((name, message) for name, messages in exc.message_dict.items() for message in messages)
        return owner, kind, outcome, occurred_at

    def _records(self, cells: dict[str, str], kind: str, found) -> tuple:
        """The company, contact, deal and lead source the row names, each fitting the others."""
        company = self._one("company", self.lookups.companies, cells.get("company", ""), found)
        contact = self._contact(cells.get("contact", ""), company, found)
        if kind and not any(name in ("company", "contact") for name, _message in found):
            try:
                check_prospecting(kind=kind, contact=contact, company=company)
            except ValidationError as exc:
                found.extend((name, message) for name, messages in exc.message_dict.items() for message in messages)
        deal = self._one("deal", self.lookups.deals, cells.get("deal", ""), found)
        if deal is not None and company is not None and deal.company_id != company.pk:
            found.append(("deal", _("That deal belongs to another company.")))
        lead_source = self._one("lead_source", self.lookups.lead_sources, cells.get("lead_source", ""), found)
        return company, contact, deal, lead_source

    @staticmethod
    def _cell(record: list[str], index: int) -> str:
        text = record[index].strip() if index < len(record) else ""
        # Rarely needed, so only then: the apostrophe our exports put before formula-like text.
        return csvimport.cell(record, index) if text.startswith("'") else text

    def _rep(self, username: str, found) -> Model | None:
        if not username or csvimport.key(username) == self.own_key:
            return self.user
        matches = self.lookups.reps.get(csvimport.key(username), [])
        if len(matches) == 1:
            return matches[0]
        if self.user.is_admin:
            message = _("No active user is called “%(name)s”.")
        elif self.user.is_manager:
            message = _("“%(name)s” is neither you nor an active member of a team you manage.")
        else:
            message = _("You can import activities only for yourself: leave rep empty or write your own username.")
        found.append(("rep", message % {"name": username}))
        return None

    def _kind(self, text: str, found) -> str:
        if not text:
            found.append(("kind", self.messages["required"]))
            return ""
        kind = self.kinds.get(text) or self.kinds.get(_word(text), "")
        if not kind:
            found.append(("kind", self.messages["kind"]))
        return kind

    def _outcome(self, text: str, kind: str, found) -> str | None:
        """The outcome's code, "" when empty (a default may apply), None when it is not one."""
        if not text:
            return ""
        outcome = self.outcomes.get(text) or self.outcomes.get(_word(text))
        if outcome is None:
            fitting = OUTCOMES_BY_KIND.get(kind, ()) if kind else tuple(Outcome)
            found.append(
                (
                    "outcome",
                    _("Choose one of: %(choices)s.")
                    % {"choices": ", ".join(f"{Outcome(code).value} ({Outcome(code).label})" for code in fitting)}
                    if fitting
                    else _("A %(kind)s has no outcome.") % {"kind": Kind(kind).label.lower()},
                )
            )
        return outcome

    def _when(self, text: str, found) -> datetime | None:
        """The local time written in the cell, as an aware datetime (midnight for a date alone)."""
        if not text:
            found.append(("occurred_at", self.messages["required"]))
            return None
        match = WHEN_PATTERN.match(text)
        try:
            if not match:
                raise ValueError(text)
            year, month, day, hour, minute, second = (int(part) for part in match.groups(default="0"))
            # What timezone.make_aware does, without looking the time zone up again for every row.
            when = datetime(year, month, day, hour, minute, second, tzinfo=self.tz)
        except ValueError:
            found.append(("occurred_at", self.messages["when"]))
            return None
        try:
            validate_in_window(when)
        except ValidationError as exc:
            found.extend(("occurred_at", message) for message in exc.messages)
            return None
        return when

    def _duration(self, text: str, found) -> int:
        if not text:
            return 0
        if not text.isdigit() or not text.isascii():
            found.append(("duration_minutes", self.messages["duration"]))
            return 0
        minutes = int(text)
        if minutes > 2_147_483_647:  # the column's limit on PostgreSQL
            found.append(("duration_minutes", _("This number is too large.")))
        return minutes

    def _one(self, name: str, index: dict, text: str, found):
        """The one record the cell names (None when it is empty); an error when none or several match."""
        if not text:
            return None
        missing, many = self.messages[name]
        record, why = csvimport.one_of(index, text, missing=missing, many=many)
        if why:
            found.append((name, why))
        return record

    def _contact(self, email: str, company, found):
        if not email:
            return None
        matches = self.lookups.contacts.get(csvimport.key(email), [])
        if not matches:
            found.append(("contact", _("No contact has the email %(email)s.") % {"email": email}))
            return None
        at_company = [contact for contact in matches if company is not None and contact.company_id == company.pk]
        if len(at_company) == 1:
            return at_company[0]
        if len(matches) > 1:
            found.append(("contact", _("Several contacts have the email %(email)s.") % {"email": email}))
            return None
        contact = matches[0]
        if company is not None and contact.company_id and contact.company_id != company.pk:
            found.append(("contact", _("That contact works at another company.")))
            return None
        return contact

    def _preview(self, number, values, owner, company, contact, deal, lead_source) -> dict:
        notes = values["notes"]
        if len(notes) > NOTES_PREVIEW_CHARS:
            notes = notes[: NOTES_PREVIEW_CHARS - 1] + "…"
        when = timezone.localtime(values["occurred_at"])
        return {
            "row": number,
            "cells": [
                owner.username,
                str(Kind(values["kind"]).label),
                str(Outcome(values["outcome"]).label) if values["outcome"] else "",
                f"{when:%Y-%m-%d}" if when.time() == datetime.min.time() else f"{when:%Y-%m-%d %H:%M}",
                str(values["duration_minutes"]),
                company.name if company else "",
                contact.email if contact else "",
                deal.title if deal else "",
                lead_source.name if lead_source else "",
                notes,
            ],
        }


def _data_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """(row number as a spreadsheet shows it, cells) for every row after the header that has a value."""
    reader = csvimport.reader(text)
    next(reader, None)
    for number, record in enumerate(reader, start=2):
        if any(cell.strip() for cell in record):
            yield number, record


def check_rows(
    job: ActivityImport,
    *,
    now: datetime,
    on_start: Callable[[int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    on_rows: Callable[[list[dict]], None] | None = None,
) -> CheckResult:
    """Check every row of the import's file as its creator; writes nothing itself.

    Two passes over the text rather than one kept in memory: the first counts
    the rows and gathers the names they refer to, looked up together; the second
    checks each row. ``on_rows`` receives the checked rows in batches, only as
    long as no row has failed.
    """
    result = CheckResult()
    text, user = job.content, job.created_by
    if problem := file_problem(text):
        result.add(RowError(None, "", problem))
        return result
    columns, _sample = file_columns(text)
    mapping = {name: index for name, index in job.mapping.items() if index is not None and index < len(columns)}
    referenced = {name: mapping[name] for name in REFERENCES if name in mapping}
    names: dict[str, set[str]] = {name: set() for name in REFERENCES}
    try:
        for _number, record in _data_rows(text):
            result.total += 1
            for name, index in referenced.items():
                if text_value := csvimport.cell(record, index):
                    names[name].add(text_value)
    except csv.Error as exc:
        result.add(csvimport.unreadable(exc))
        return result
    if not result.total:
        result.add(csvimport.no_data_rows())
        return result
    if on_start:
        on_start(result.total)

    checker = _Checker(user=user, columns=columns, mapping=mapping, lookups=_Lookups(user, names), now=now)
    batch: list[dict] = []
    for done, (number, record) in enumerate(_data_rows(text), start=1):
        values = checker.clean(number, record, result)
        if on_rows and values is not None and not result.error_count:
            batch.append(values)
            if len(batch) >= BATCH_SIZE:
                on_rows(batch)
                batch = []
        if on_progress and done % PROGRESS_EVERY == 0:
            on_progress(done)
    if on_rows and batch and not result.error_count:
        on_rows(batch)
    return result
