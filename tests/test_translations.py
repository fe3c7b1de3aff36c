"""Every page in every language: nothing left in English.

Chinese is written without Latin letters, so any English word on a page rendered in Chinese is text
that was never marked for translation, or a message the catalogue lacks. Dutch and Romanian pages are
checked against the catalogue: no text of theirs may be an English message whose translation differs.
The pages are those of the permission matrix, as each role that may open them sees them.
"""

import io
import re
import zoneinfo
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.checkers import python_format
from babel.messages.extract import extract
from babel.messages.pofile import read_po
from django.apps import apps
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation.template import templatize

from activities import importers as activity_importers
from activities.models import Kind, Outcome
from dashboards.templatetags.team_figures import money
from pipeline.models import DealType, ForecastCategory
from tests.test_permissions import MATRIX, OK, ROLES

# Words that read the same in every language: formats, standards and codes.
UNTRANSLATED_WORDS = {
    "API",
    "CSV",
    "HTTP",
    "HTTPS",
    "ICS",
    "JSON",
    "OpenAPI",
    "URL",
    "UTC",
    "GMT",
    "iCalendar",
    "USD",
    "EUR",
    "GBP",
    "RON",
    "CNY",
    "ISO",
    "SPIF",
    "GRR",
    "NRR",
    "Esc",
    "Django",
    # a file's encodings and sizes, and how a date is typed
    "UTF",
    "Windows",
    "Latin",
    "MB",
    "YYYY",
    "MM",
    "DD",
    "HH",
    # other products, and the sample company of a placeholder
    "Google",
    "Outlook",
    "Apple",
    "Web",
    "Acme",
}
# Inside these, text is code, data or a machine's: curl commands, tokens, JSON.
SKIPPED_ELEMENTS = {"script", "style", "code", "pre", "kbd", "samp", "svg", "template"}
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "data-bs-title"}
# Answers for machines: health checks and the calendar file; and the import templates, a header of
# column codes and an example row naming the demo's pipeline and stages, read back as they are.
NOT_PAGES = {
    "dashboards:health",
    "dashboards:health_web",
    "feeds:calendar",
    "activities:import_template",
    "pipeline:import_template",
}


class _Text(HTMLParser):
    """The text a reader sees or hears: element text and the attributes read aloud or shown as tips."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chunks = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED_ELEMENTS:
            self.skipping += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self.chunks.append(value)
        # A button's or submit input's label is its value.
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.chunks.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in SKIPPED_ELEMENTS and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.chunks.append(" ".join(data.split()))


def visible_text(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.chunks


def data_strings() -> list[str]:
    """Every text the tests' data holds (names of people, companies, deals, stages…): shown as entered,
    in whatever language it was entered in. Longest first, so a name is removed before its parts."""
    found = set()
    for model in apps.get_models():
        fields = [f.name for f in model._meta.concrete_fields if isinstance(f, (models.CharField, models.TextField))]
        if fields and model._meta.app_label not in ("sessions", "admin", "contenttypes", "auth"):
            for row in model.objects.values_list(*fields):
                found |= {value for value in row if value}
    # An uploaded file's cells, shown to pick its columns.
    found |= {cell for value in found for cell in re.split(r"[,\n]", value) if cell}
    found |= {name for _code, name in settings.LANGUAGES}  # the language menu names each in its own
    found |= zoneinfo.available_timezones()  # time zones by their IANA names, as every system lists them
    found |= {f"({spec.name})" for spec in activity_importers.FIELDS}  # the column names an import reads
    found |= IMPORT_CODES  # the codes an import's help lists, typed as they are in any language
    return sorted(found, key=len, reverse=True)


IMPORT_CODES = {choice for choices in (Kind, Outcome, DealType, ForecastCategory) for choice in choices.values}
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019]+")
MACHINE_TEXT = re.compile(r"https?://\S+|\S+@\S+|(?<!\w)/[\w./-]*|\b\w+_\w+\b|\bE\.164\b")


def english_words(chunk: str, data: list[str]) -> list[str]:
    for value in data:
        chunk = chunk.replace(value, " ")
    chunk = MACHINE_TEXT.sub(" ", chunk)
    return [word for word in LATIN_WORD.findall(chunk) if word not in UNTRANSLATED_WORDS]


def _pages():
    """(url name, role) for every page of the matrix and each signed-in role that may open it."""
    return [
        (name, role)
        for name, (_build, expected) in sorted(MATRIX.items())
        for role, status in zip(ROLES, expected, strict=True)
        if status == OK and role not in ("anonymous", "outsider") and name not in NOT_PAGES
    ]


def _render(client, objects, users, name, role, language):
    build, _expected = MATRIX[name]
    client.force_login(users[role])
    response = client.get(reverse(name, kwargs=build(objects) if build else None), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == OK
    return response


@pytest.fixture
def users(objects, manager, admin_user):
    return {"rep": objects["rep"], "manager": manager, "admin": admin_user}


@pytest.mark.parametrize("name, role", _pages())
def test_a_page_in_chinese_has_no_english_word(client, objects, users, name, role):
    response = _render(client, objects, users, name, role, "zh-hans")
    kind = response["Content-Type"].split(";")[0]
    if kind == "text/csv":
        text = b"".join(response.streaming_content).decode().splitlines()
    else:
        assert kind == "text/html"
        text = visible_text(response.content.decode())
    data = data_strings()
    leaks = {chunk: words for chunk in text if (words := english_words(chunk, data))}
    assert not leaks, f"English on {name} as {role}: {leaks}"


# --- the catalogues ---------------------------------------------------------------------------

LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]
SOURCE_DIRS = [path for path in settings.BASE_DIR.iterdir() if (path / "apps.py").exists()] + [
    settings.BASE_DIR / "templates",
    settings.BASE_DIR / "salestracker",
]
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}


def source_messages() -> set[tuple]:
    """Every message the code and templates ask to translate, as (context, msgid), read by Babel the
    way xgettext reads them (templates through Django's own templatize), so no GNU gettext is needed."""
    found = set()
    for folder in SOURCE_DIRS:
        for path in sorted(folder.rglob("*")):
            if path.suffix == ".py" and "migrations" not in path.parts:
                source = path.read_bytes()
            elif path.suffix in (".html", ".txt") and "templates" in path.parts:
                # Inside brackets Python ignores indentation, which templatize keeps from the HTML.
                source = f"(\n{templatize(path.read_text(), origin=str(path))}\n)".encode()
            else:
                continue
            for _line, message, _comments, context in extract("python", io.BytesIO(source), KEYWORDS):
                found.add((context, message[0] if isinstance(message, tuple) else message))
    return found


def catalogue(language: str):
    path = settings.BASE_DIR / "locale" / translation.to_locale(language) / "LC_MESSAGES" / "django.po"
    with Path(path).open("rb") as po:
        return read_po(po, locale=translation.to_locale(language))


def _translated(message) -> bool:
    forms = message.string if message.pluralizable else [message.string]
    return bool(message.id) and all(forms) and not message.fuzzy


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_of_the_code_is_translated(language):
    translated = {
        (message.context, message.id[0] if message.pluralizable else message.id)
        for message in catalogue(language)
        if _translated(message)
    }
    missing = source_messages() - translated
    assert not missing, f"{len(missing)} messages lack a {language} translation (make messages): {sorted(missing)[:20]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_translation_keeps_the_placeholders_and_the_plural_forms(language):
    po = catalogue(language)
    problems = []
    for message in po:
        if not message.id:
            continue
        if message.pluralizable and len(message.string) != po.num_plurals:
            problems.append((message.id, f"{len(message.string)} plural forms, not {po.num_plurals}"))
        try:
            python_format(po, message)
        except Exception as error:  # babel's TranslationError, one per message
            problems.append((message.id, str(error)))
    assert not problems, problems[:20]


def _one_role_per_page():
    """Each page once, as the most privileged role that opens it (admins see the most)."""
    pages = {}
    for name, role in _pages():
        pages.setdefault(name, role)
        if role == "admin":
            pages[name] = role
    return sorted(pages.items())


@pytest.mark.parametrize("language", ["nl", "ro"])
@pytest.mark.parametrize("name, role", _one_role_per_page())
def test_a_page_in_dutch_and_romanian_shows_no_english_message(client, objects, users, name, role, language):
    response = _render(client, objects, users, name, role, language)
    kind = response["Content-Type"].split(";")[0]
    if kind == "text/csv":
        text = b"".join(response.streaming_content).decode().splitlines()[:1]  # the header
        text = text[0].lstrip("\ufeff").split(",") if text else []
    else:
        assert kind == "text/html"
        html = response.content.decode()
        if "<html" in html:  # a whole page, not an htmx fragment
            assert f'<html lang="{language}">' in html
        text = visible_text(html)
    messages = [message for message in catalogue(language) if message.id and not message.pluralizable]
    # English text that is no text of the language's own (Romanian "Note" is Dutch "Notities" and English "Notes").
    english = {" ".join(message.id.split()) for message in messages if "%" not in message.id} - {
        " ".join(message.string.split()) for message in messages
    }
    data = set(data_strings())
    leaks = [chunk for chunk in text if chunk in english and chunk not in data]
    assert not leaks, f"English on {name} in {language}: {leaks}"


@pytest.mark.parametrize(
    "language, amount, day",
    [
        ("en", "17,101", "Dec. 6, 2026"),
        ("nl", "17.101", "6 december 2026"),
        ("ro", "17.101", "6 Decembrie 2026"),
        ("zh-hans", "17,101", "2026年12月6日"),  # thousands with commas, as Chinese sales reports write them
    ],
)
def test_amounts_and_dates_follow_the_language(language, amount, day):
    with translation.override(language):
        assert (money(17100.5), date_format(date(2026, 12, 6))) == (amount, day)
