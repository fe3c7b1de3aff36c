"""Phone numbers: stored as E.164 ("+31201234567"), so one number is one value wherever it came from
(a form, an import, the API's lookup), and shown in international format ("+31 20 123 4567")."""

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def phone_normalise(text: str, *, region: str | None = None) -> str:
    """``text`` in E.164, "" for an empty one. A number without a country code is read as one of
    ``region`` (ISO 3166 code), by default the organisation's (``settings.PHONE_DEFAULT_REGION``).
    A number with an extension is refused: E.164 has no place for it, and dropping it would lose it."""
    text = text.strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Enter a valid phone number, e.g. +31 20 123 4567."), code="invalid_phone")
    if number.extension:
        raise ValidationError(_("Enter the number without its extension."), code="phone_extension")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_display(stored: str) -> str:
    """A stored number in international format, for reading; a value that is no E.164 number (one
    the migration could not read, kept as it was) is returned as it is."""
    if not stored.startswith("+"):
        return stored
    try:
        number = phonenumbers.parse(stored)
    except phonenumbers.NumberParseException:
        return stored
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
