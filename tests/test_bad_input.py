"""Bad input answers 4xx (or the form again, with its errors), never 5xx, and writes nothing.

The walk signs in as each role, opens every page of the permissions matrix, reads
every form on it (as a browser would submit it) and the query parameters the views
read directly, then sends each field a table of nasty values, one field at a time,
the rest of the form as rendered. Every request runs in a savepoint that is rolled
back, so each one sees the same database, and rows are counted inside it.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.urls import Resolver404, resolve, reverse

from salestracker.dates import in_window
from tests.test_permissions import MATRIX, PROJECT_NAMESPACES

HUGE = "99999999999999999999"  # past a 64-bit integer
DIGITS = "9" * 100_000  # past Python's int() limit, SQLite's LIKE pattern limit and every field's length
NUL = "a\x00b"  # PostgreSQL refuses NUL in text
SUPERSCRIPT = "²"  # a digit to str.isdigit(), not to int()
DATES = ("0001-01-01", "9999-12-31", "0001-01-01T00:30", "9999-12-31T23:00")
NUMBERS = (HUGE, DIGITS, "-1", SUPERSCRIPT, "1e999")
# The values each kind of input is sent (a hidden input may hold anything, so it gets them all).
NASTY = {
    "choice": (*NUMBERS[:4], NUL, ""),
    "date": (*DATES, SUPERSCRIPT, NUL, ""),
    "number": (*NUMBERS, NUL, ""),
    "text": (DIGITS, NUL, "\u202e💥\u0301", ""),
    "hidden": (*NUMBERS, *DATES, NUL, "\u202e💥\u0301", ""),
}
PARAM_VALUES = (HUGE, DIGITS, "-1", SUPERSCRIPT, NUL, "0001-01-01", "9999-12-31")
# Read straight from request.GET by some views rather than through a form.
DIRECT_PARAMS = ("q", "page", "company", "team", "trend", "sort", "dir", "format", "next", "pipeline", "stage")
# Values that make a form valid but for the field under test, so the nasty value reaches the services.
BASELINE = {
    "pipeline:deal_create": lambda o: {"title": "Renewal", "company": o["company"].pk},
    "pipeline:company_create": lambda o: {"name": "Acme"},
    "pipeline:contact_create": lambda o: {"first_name": "Ada"},
    "quotas:goal_create": lambda o: {"rep": o["rep"].pk, "target": 50},
    "quotas:metric_goal_create": lambda o: {"rep": o["rep"].pk, "metric": "win_rate", "target": 30},
    "quotas:split": lambda o: {"team": o["team"].pk, "total": 1000},
    "quotas:planner": lambda o: {"team": o["team"].pk, "target": 1000},
    "quotas:planner_apply": lambda o: {"team": o["team"].pk, "target": 1000},
}
# Checkboxes take any value as ticked; a create form's submission key that is not one is
# treated as none (the form is handled as before keys existed).
IGNORED_WHEN_INVALID = {"submission_key"}
# Posting these would sign the client out, or leave the page for the admin.
SKIPPED_ACTIONS = {"accounts:logout", "accounts:login"}


def values_for(kind: str) -> tuple[str, ...]:
    if kind in ("select", "radio", "checkbox"):
        return NASTY["choice"]
    if kind in ("date", "datetime-local", "number", "hidden"):
        return NASTY[kind.removesuffix("time-local")]
    return NASTY["text"]


@dataclass
class Field:
    name: str
    kind: str  # the input's type, "select" or "textarea"
    value: str = ""
    maxlength: int | None = None
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    method: str
    action: str
    fields: dict[str, Field] = field(default_factory=dict)

    def data(self) -> dict[str, str]:
        return {name: f.value for name, f in self.fields.items()}


class FormParser(HTMLParser):
    """Every <form> of a page with its fields and the values a browser would send."""

    def __init__(self, page_url: str):
        super().__init__()
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            action = a.get("action") or a.get("hx-post") or a.get("hx-get") or self.page_url
            method = "post" if (a.get("method") or "").lower() == "post" or "hx-post" in a else "get"
            self._form = Form(method, urljoin(self.page_url, action))
            self.forms.append(self._form)
        if self._form is None or not a.get("name") or "disabled" in a:
            if tag == "option" and self._select is not None:
                self._option(a)
            return
        name = a["name"]
        maxlength = int(a["maxlength"]) if a.get("maxlength", "").isdigit() else None
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "reset", "file", "image"):
                return
            existing = self._form.fields.get(name)
            checked = kind not in ("radio", "checkbox") or "checked" in a
            if existing is None:
                existing = self._form.fields[name] = Field(name, kind, maxlength=maxlength)
            if kind in ("radio", "checkbox"):
                existing.options.append(a.get("value", "on"))
            if checked:
                existing.value = a.get("value", "on" if kind in ("radio", "checkbox") else "")
        elif tag == "select":
            self._select = self._form.fields[name] = Field(name, "select")
        elif tag == "textarea":
            self._textarea = self._form.fields[name] = Field(name, "textarea", maxlength=maxlength)
        elif tag == "option" and self._select is not None:
            self._option(a)

    def _option(self, a):
        self._select.options.append(a.get("value", ""))
        if "selected" in a or len(self._select.options) == 1:
            self._select.value = a.get("value", "")

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _url_name(url: str) -> str | None:
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    return match.view_name if match.namespace in PROJECT_NAMESPACES else None


def _is_date(value: str) -> bool:
    return value[:4].isdigit() and value[4:5] == "-"


def must_refuse(form_field: Field, value: str) -> bool:
    """Whether no field of this kind may take the value (so nothing may be written)."""
    if form_field.kind == "checkbox" or form_field.name in IGNORED_WHEN_INVALID:
        return False
    if "\x00" in value:
        return True
    if value == "":  # an optional field left empty
        return False
    if form_field.maxlength is not None and len(value) > form_field.maxlength:
        return True
    if form_field.kind in ("select", "radio"):
        return value not in form_field.options
    if form_field.kind in ("date", "datetime-local"):
        return value != "" and not (_is_date(value) and in_window_iso(value))
    if form_field.kind == "number":
        return value in NUMBERS and value != "-1"
    return False


def in_window_iso(value: str) -> bool:
    from datetime import date

    try:
        return in_window(date.fromisoformat(value[:10]))
    except ValueError:
        return False


def _count_rows() -> dict[str, int]:
    tables = sorted({model._meta.db_table for model in apps.get_models() if model._meta.managed})
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(table)})" for table in tables))
        return dict(zip(tables, cursor.fetchone(), strict=True))


class _Rollback(Exception):
    pass


@dataclass
class Walk:
    client: object
    role: str
    failures: list[str]

    def send(self, method: str, url: str, data: dict, *, refuse: bool, label: str) -> None:
        before = _count_rows()
        try:
            with transaction.atomic():
                try:
                    response = getattr(self.client, method)(url, data)
                except Exception as error:  # the test client re-raises what a view raised: a 500
                    failure = f"{self.role} {method.upper()} {url} {label}: {type(error).__name__}: {error}"
                    self.failures.append(failure[:300])
                    raise _Rollback from error
                if response.status_code >= 500:
                    self.failures.append(f"{self.role} {method.upper()} {url} {label}: {response.status_code}")
                if method == "get" or refuse:
                    written = {t: n - before[t] for t, n in _count_rows().items() if n != before[t]}
                    if written:
                        self.failures.append(f"{self.role} {method.upper()} {url} {label}: wrote {written}")
                raise _Rollback
        except _Rollback:
            pass


def _short(value: str) -> str:
    return repr(value if len(value) < 30 else f"{value[:10]}…({len(value)})")


def _discover(client, seen: set) -> tuple[list[str], list[Form]]:
    """The pages this client may open and the forms on them, leaving out those in ``seen``
    (a page or form another role already walked: the same input meets the same code)."""
    pages, forms = [], []
    for name, (build, _expected) in sorted(MATRIX.items()):
        url = reverse(name, kwargs=build(client.objects) if build else None)
        if name in SKIPPED_ACTIONS:
            continue
        response = client.get(url)
        if response.status_code != 200:
            continue
        if url not in seen:
            seen.add(url)
            pages.append(url)
        if "html" not in response.get("Content-Type", ""):
            continue
        parser = FormParser(url)
        parser.feed(response.content.decode())
        for form in parser.forms:
            key = (form.method, urlsplit(form.action).path, tuple(sorted(form.fields)))
            if key in seen or _url_name(form.action) in (None, *SKIPPED_ACTIONS):
                continue
            seen.add(key)
            forms.append(form)
            valid = BASELINE.get(_url_name(form.action), lambda o: {})(client.objects)
            for name, value in valid.items():
                if name in form.fields:
                    form.fields[name].value = str(value)
    return pages, forms


def test_bad_input_gives_no_5xx_and_writes_nothing(client, objects, manager, admin_user):
    client.objects = objects
    failures, seen = [], set()
    # The admin first: their forms have every field, so the others add only what differs for them.
    for role, user in (("admin", admin_user), ("manager", manager), ("rep", objects["rep"])):
        client.force_login(user)
        pages, forms = _discover(client, seen)
        walk = Walk(client, role, failures)
        for url in pages:
            for value in PARAM_VALUES:
                data = dict.fromkeys(DIRECT_PARAMS, value)
                walk.send("get", url, data, refuse=True, label=f"params={_short(value)}")
        for form in forms:
            for name, form_field in form.fields.items():
                if name == "csrfmiddlewaretoken":
                    continue
                for value in values_for(form_field.kind):
                    data = form.data() | {name: value}
                    refuse = must_refuse(form_field, value)
                    walk.send(form.method, form.action, data, refuse=refuse, label=f"{name}={_short(value)}")
    assert not failures, "\n".join(failures)


# --- the cases the sweep found, each on its own -----------------------------------------------


@pytest.mark.parametrize("start", ["9999-12-31", "0001-01-01"])
def test_quota_grid_shows_a_start_outside_the_window_as_an_error(client_as, rep, start):
    response = client_as(rep).get(reverse("quotas:grid"), {"start": start})
    assert response.status_code == 200
    assert "Enter a date between" in response.content.decode()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_planner_refuses_a_day_outside_the_window(client_as, manager, team, day):
    query = {"period_kind": "quarter", "day": day, "team": team.pk, "target": 1000}
    response = client_as(manager).get(reverse("quotas:planner"), query)
    assert response.status_code == 200
    assert response.context["plan"] is None
    assert "Enter a date between" in response.content.decode()


def test_quota_history_refuses_an_id_past_the_column(client_as, manager):
    response = client_as(manager).get(reverse("quotas:history"), {"quota": HUGE})
    assert response.status_code == 404


def _quota_rows() -> list:
    from quotas.models import Quota, QuotaChange

    return [*Quota.objects.values_list("pk"), *QuotaChange.objects.values_list("pk")]


def test_quota_save_refuses_a_start_outside_the_window(client_as, admin_user):
    before = _quota_rows()
    response = client_as(admin_user).post(
        reverse("quotas:grid_save"), {"kind": "quarter", "measure": "revenue", "start": "9999-12-31"}
    )
    assert response.status_code == 400
    assert _quota_rows() == before


def test_quota_split_refuses_a_team_id_of_100000_digits(client_as, admin_user):
    before = _quota_rows()
    data = {"team": DIGITS, "kind": "quarter", "start": "2026-01-01", "measure": "revenue", "total": "1000"}
    response = client_as(admin_user).post(reverse("quotas:split"), data | {"action": "apply"})
    assert response.status_code == 200
    assert "team" in response.context["form"].errors
    assert _quota_rows() == before


@pytest.mark.parametrize("url_name", ["activities:link_search", "pipeline:contact_search", "pipeline:company_search"])
@pytest.mark.parametrize("q", [NUL, DIGITS])
def test_type_aheads_refuse_nul_and_overlong_text(client_as, rep, url_name, q):
    response = client_as(rep).get(reverse(url_name), {"q": q})
    assert response.status_code == 400
    assert response.content.decode()


def test_contact_search_refuses_a_company_id_that_is_not_a_number(client_as, rep):
    response = client_as(rep).get(reverse("pipeline:contact_search"), {"q": "ada", "company": SUPERSCRIPT})
    assert response.status_code == 400


@pytest.mark.parametrize("occurred_at", ["9999-12-31T23:00", "0001-01-01T00:30", "3500-01-01T10:00"])
def test_quick_log_refuses_a_meeting_outside_the_window(client_as, rep, occurred_at):
    from activities.models import Activity

    response = client_as(rep).post(
        reverse("activities:log"), {"kind": "meeting", "outcome": "scheduled", "occurred_at": occurred_at}
    )
    assert response.status_code in (200, 422)
    assert "Enter a date between" in response.content.decode()
    assert not Activity.objects.exists()


def test_activity_service_refuses_a_day_outside_the_window_in_any_time_zone(rep, settings):
    from datetime import UTC, datetime

    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from activities import services

    # Year 9999 late in the evening UTC is year 10000 in Tokyo: refused, not an OverflowError.
    with timezone.override("Asia/Tokyo"), pytest.raises(ValidationError) as error:
        services.activity_log(
            owner=rep, by=rep, kind="meeting", outcome="scheduled", occurred_at=datetime(9999, 12, 31, 23, tzinfo=UTC)
        )
    assert "occurred_at" in error.value.message_dict


def test_deal_move_refuses_a_close_date_of_year_one(rep):
    from datetime import date

    from django.core.exceptions import ValidationError

    from pipeline import services
    from tests.factories import make_deal, stage

    deal = make_deal(owner=rep)
    with pytest.raises(ValidationError) as error:
        services.deal_move(deal=deal, to_stage=stage(deal.pipeline, "Won"), by=rep, closed_on=date(1, 1, 1))
    assert "closed_on" in error.value.message_dict


@pytest.mark.parametrize("field", ["expected_close_date", "closed_on"])
def test_deal_form_refuses_dates_outside_the_window(client_as, rep, field):
    from pipeline.models import Deal
    from tests.factories import CompanyFactory, make_pipeline, stage

    pipeline = make_pipeline()
    company = CompanyFactory(owner=rep)
    data = {"title": "Renewal", "company": company.pk, "pipeline": pipeline.pk, "amount": "10"}
    data |= {"stage": stage(pipeline, "Won").pk, "deal_type": "new_business", "closed_on": "2026-01-02"}
    response = client_as(rep).post(reverse("pipeline:deal_create"), data | {field: "0001-01-01"})
    assert "Enter a date between" in response.content.decode()
    assert not Deal.objects.exists()


def test_quota_and_goal_models_refuse_dates_outside_the_window(rep, admin_user):
    from datetime import date

    from django.core.exceptions import ValidationError

    from quotas import services
    from quotas.models import ActivityGoal
    from quotas.periods import Period

    with pytest.raises(ValidationError):
        services.quota_set(by=admin_user, period=Period.containing(date(9999, 1, 1), "quarter"), target=1, rep=rep)
    with pytest.raises(ValidationError):
        services.goal_save(goal=ActivityGoal(rep=rep, metric="call", target=5, starts_on=date(1, 1, 1)))


def test_deal_import_reports_the_row_and_column_of_a_date_outside_the_window():
    from salestracker import csvimport

    errors = csvimport.RowErrors(7)
    assert csvimport.read_date({"closed_on": "9999-12-31"}, "closed_on", errors) is None
    assert [(e.row, e.column) for e in errors.found] == [(7, "closed_on")]
    assert "Enter a date between" in errors.found[0].message


def test_activity_import_reports_the_row_and_column_of_a_date_outside_the_window(rep):
    from django.utils import timezone

    from activities import importers

    content = "kind,outcome,occurred_at\nmeeting,scheduled,9999-12-31 23:00\n"
    job = importers.import_create(by=rep, file_name="a.csv", content=content)
    job.mapping = importers.guess_mapping(importers.file_columns(content)[0])
    result = importers.check_rows(job, now=timezone.now())
    assert [(error.row, error.column) for error in result.errors] == [(2, "occurred_at")]
    assert "Enter a date between" in result.errors[0].message


def test_linking_a_missing_deal_and_another_teams_deal_give_the_same_message(client_as, rep, outsider):
    from tests.factories import make_deal

    theirs = make_deal(owner=outsider)
    messages = []
    for deal_id in (theirs.pk, theirs.pk + 1000):
        response = client_as(rep).post(
            reverse("activities:log"),
            {"kind": "email", "outcome": "sent", "who": str(theirs), "deal": deal_id},
        )
        messages.append(response.context["form"].link_errors())
    assert messages[0] == messages[1] == ["You cannot log activity on that deal."]
