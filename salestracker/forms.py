"""Form pieces every app uses."""

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest

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
