"""Helpers of the pipeline import tests: a CSV file from rows and the example rows, the upload and
its confirmation through the screens, the errors a check found, what the database holds, a
statement counter."""

import csv
import io
from contextlib import contextmanager

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from pipeline.models import Company, Contact, Deal, StageChange


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def _upload(client, kind, text: str | bytes, filename="data.csv"):
    content = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(
        reverse("pipeline:import_upload", args=[kind]), {"file": SimpleUploadedFile(filename, content, "text/csv")}
    )


def _confirm(client, kind, response):
    return client.post(reverse("pipeline:import_upload", args=[kind]), {"token": response.context["token"]})


def _errors(response) -> list[tuple]:
    return [(e.row, e.column, e.message) for e in response.context["result"].errors]


def _counts():
    return (Company.objects.count(), Contact.objects.count(), Deal.objects.count(), StageChange.objects.count())


COMPANIES = _csv(
    [
        ["name", "segment", "territory", "employees", "customer", "website"],
        ["Globex", "Enterprise", "northeast", "1,200", "yes", "globex.example"],
        ["Initech", "smb", "", "", "no", ""],
        ["Umbrella", "", "", "15", "TRUE", "https://umbrella.example"],
    ]
)


def _choices(choices) -> str:
    return ", ".join(f"{m.value} ({m.label})" for m in choices)


DEAL_HEADER = [
    "title",
    "company",
    "contact",
    "owner",
    "pipeline",
    "stage",
    "amount",
    "type",
    "expected_close_date",
    "closed_on",
    "lost_reason",
    "competitor",
    "lead_source",
    "created_at",
]


def _deal_row(**cells) -> list[str]:
    base = {
        "title": "Deal",
        "company": "Acme Corporation",
        "pipeline": "New business",
        "stage": "Lead",
        "amount": "100",
    }
    return [(base | cells).get(column, "") for column in DEAL_HEADER]


@contextmanager
def _count_queries():
    """Counts every statement, however many (Django's own query log keeps only the last 9,000)."""
    counts = {"select": 0, "all": 0}

    def count(execute, sql, params, many, context):
        counts["all"] += 1
        counts["select"] += sql.lstrip().upper().startswith("SELECT")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        yield counts
