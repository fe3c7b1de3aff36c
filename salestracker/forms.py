"""Form pieces every app uses."""

from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .csvio import decode

# The largest id a database column holds; SQLite cannot even compare an id with a larger number.
MAX_ID = 2**63 - 1


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError next to the fields it names; anything else at the top of the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


class DateInput(forms.DateInput):
    """The browser's date picker; it needs ISO dates whatever the locale."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's date and time picker, in the organisation's time zone (Django's current one)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class SearchForm(forms.Form):
    """A type-ahead's text, read through a form field so that NUL (which PostgreSQL refuses in a
    string) and text longer than any name (past SQLite's LIKE pattern limit) are refused here."""

    q = forms.CharField(required=False, max_length=200)

    def bad_request(self) -> HttpResponseBadRequest:
        """400 with the errors as plain text (a type-ahead has no form to show them in)."""
        messages = [message for errors in self.errors.values() for message in errors]
        return HttpResponseBadRequest(" ".join(messages), content_type="text/plain; charset=utf-8")


class CsvUploadForm(forms.Form):
    """A CSV file to import, of at most ``max_bytes``; once valid, ``text`` holds its content as text.

    ``check(text)``, when given, says why the text cannot be imported at all ("" when it can).
    """

    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args, max_bytes: int, check: Callable[[str], str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes
        self.check = check
        self.fields["file"].help_text = _(
            "UTF-8 or Windows (Latin-1) text, comma or semicolon separated, at most %(megabytes)d MB."
        ) % {"megabytes": max_bytes // 2**20}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.max_bytes:
            raise forms.ValidationError(
                _("This file is %(size)s; files of up to %(limit)s can be imported. Split it into smaller files.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(self.max_bytes)}
            )
        self.text = decode(b"".join(upload.chunks()))
        if self.check and (problem := self.check(self.text)):
            raise forms.ValidationError(problem)
        return upload
