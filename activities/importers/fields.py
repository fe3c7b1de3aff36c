"""The fields an activity import fills, the file's columns and the first guess of which feeds which,
and the downloadable template."""

import csv
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salestracker import csvimport


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    required: bool = False
    # Other header names that mean this field, for the first guess of the mapping.
    aliases: tuple[str, ...] = ()

    @property
    def help(self) -> str:
        return FIELD_HELP.get(self.name, "")


# One line a field, so the fields read as the table they are; what each expects is in FIELD_HELP.
FIELDS: tuple[Field, ...] = (
    Field("rep", gettext_lazy("Rep"), aliases=("owner", "username", "user")),
    Field("kind", gettext_lazy("Kind"), True, aliases=("type", "activity", "activity_type")),
    Field("outcome", gettext_lazy("Outcome"), aliases=("result",)),
    Field("occurred_at", gettext_lazy("When"), True, aliases=("when", "date", "datetime", "occurred", "time")),
    Field("duration_minutes", gettext_lazy("Minutes"), aliases=("duration", "minutes")),
    Field("company", gettext_lazy("Company"), aliases=("account", "company_name")),
    Field("contact", gettext_lazy("Contact"), aliases=("contact_email", "email")),
    Field("deal", gettext_lazy("Deal"), aliases=("deal_title", "opportunity")),
    Field("lead_source", gettext_lazy("Lead source"), aliases=("source",)),
    Field("notes", gettext_lazy("Notes"), aliases=("note", "comment", "comments", "description")),
)
FIELD_HELP = {
    "rep": gettext_lazy("Username; empty means you. Reps import their own activities, managers those of their teams."),
    "kind": gettext_lazy(
        "Code or label: call, email, meeting, demo, prospecting, follow_up (Follow-up), "
        "internal_meeting (Internal meeting), admin, travel or training."
    ),
    "outcome": gettext_lazy(
        "Code or label that fits the kind, e.g. connected or No answer for a call. "
        "Empty: sent for an email, scheduled for a meeting ahead."
    ),
    "occurred_at": gettext_lazy("YYYY-MM-DD or YYYY-MM-DD HH:MM, local time."),
    "duration_minutes": gettext_lazy("A whole number; empty means 0."),
    "company": gettext_lazy("Name of a company in the address book; empty: the deal's or the contact's."),
    "contact": gettext_lazy("Email of a contact in the address book."),
    "deal": gettext_lazy("Title of a deal you can see; no other deal you can see may have the same title."),
    "lead_source": gettext_lazy("Name of an active lead source."),
}
FIELD_NAMES = tuple(spec.name for spec in FIELDS)
# The fields that name another record, looked up once per import.
REFERENCES = ("rep", "company", "contact", "deal", "lead_source")


# --- the file ----------------------------------------------------------------


def file_problem(text: str) -> str:
    """Why this text cannot be imported at all (empty, binary, not CSV), or ""."""
    if problem := csvimport.file_problem(text):
        return problem
    try:
        header = next(csvimport.reader(text), [])
    except csv.Error as exc:
        return csvimport.unreadable(exc).message
    if not any(cell.strip() for cell in header):
        return _("The first row must name the columns.")
    return ""


def file_columns(text: str) -> tuple[list[str], list[str]]:
    """The names of the file's columns as its header row gives them, and the first data row (for examples)."""
    reader = csvimport.reader(text)
    header: list[str] = []
    sample: list[str] = []
    try:
        header = next(reader, [])
        sample = next((record for record in reader if any(cell.strip() for cell in record)), [])
    except csv.Error:
        pass  # the check reports it; the columns are what could be read
    names = [_column_name(cell, index) for index, cell in enumerate(header)]
    return names, [csvimport.cell(sample, index) for index in range(len(names))]


def _column_name(cell: str, index: int) -> str:
    name = cell.strip().lstrip("\ufeff").strip()
    return name or _("column %(number)d") % {"number": index + 1}


def guess_mapping(columns: list[str]) -> dict[str, int]:
    """Our field -> index of the file's column with the same name (or a usual other name), ignoring case."""
    by_name: dict[str, int] = {}
    for index, name in enumerate(columns):
        by_name.setdefault(csvimport.normalise_header(name), index)
    guessed = {}
    for spec in FIELDS:
        for name in (spec.name, csvimport.normalise_header(str(spec.label)), *spec.aliases):
            if name in by_name and by_name[name] not in guessed.values():
                guessed[spec.name] = by_name[name]
                break
    return guessed


def template_rows(today: date | None = None) -> tuple[list[str], list[list[str]]]:
    """The header and two example rows of the downloadable template: a call last week, a meeting next week."""
    today = today or timezone.localdate()
    last_week, next_week = today - timedelta(days=7), today + timedelta(days=7)
    return list(FIELD_NAMES), [
        ["", "call", "no_answer", f"{last_week:%Y-%m-%d}", "2", "Acme Corporation", "", "", "", "Left a voicemail"],
        [
            "",
            "Meeting",
            "Scheduled",
            f"{next_week:%Y-%m-%d} 14:30",
            "45",
            "Acme Corporation",
            "ada@acme.example",
            "Acme - 50 seats",
            "Referral",
            "Reporting walkthrough with the operations team",
        ],
    ]
