"""Phone numbers (pipeline/phones.py): normalised to E.164 on the way in, shown in international format."""

import pytest
from django.core.exceptions import ValidationError

from pipeline.phones import phone_display, phone_normalise
from pipeline.templatetags.phone_numbers import tel_url


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("(415) 555-0100", "+14155550100"),  # national: the default region's (US)
        ("+31 20 123 4567", "+31201234567"),
        ("+44 20-7946-0958", "+442079460958"),
        ("  415 555 0100 ", "+14155550100"),
        ("+31201234567", "+31201234567"),
    ],
)
def test_it_normalises_a_number_to_e164(typed, stored):
    assert phone_normalise(typed) == stored


def test_it_reads_a_national_number_as_one_of_the_region_given():
    assert phone_normalise("020 7946 0958", region="GB") == "+442079460958"


def test_it_reads_a_national_number_as_one_of_the_configured_region(settings):
    settings.PHONE_DEFAULT_REGION = "NL"
    assert phone_normalise("020 123 4567") == "+31201234567"


@pytest.mark.parametrize("empty", ["", "   "])
def test_it_keeps_an_empty_number_empty(empty):
    assert phone_normalise(empty) == ""


@pytest.mark.parametrize("typed", ["ask reception", "+1 555", "555 0100", "+1 555 123 4567", "12"])
def test_it_refuses_what_is_no_valid_number(typed):
    with pytest.raises(ValidationError) as refused:
        phone_normalise(typed)
    assert refused.value.messages == ["Enter a valid phone number, e.g. +31 20 123 4567."]


def test_it_refuses_an_extension_rather_than_drop_it():
    with pytest.raises(ValidationError) as refused:
        phone_normalise("+1 415 555 0100 ext. 12")
    assert refused.value.messages == ["Enter the number without its extension."]


@pytest.mark.parametrize(
    "stored, shown",
    [
        ("+31201234567", "+31 20 123 4567"),
        ("+14155550100", "+1 415-555-0100"),
        ("ask reception", "ask reception"),  # kept by the migration as it was
        ("", ""),
    ],
)
def test_it_shows_a_stored_number_in_international_format(stored, shown):
    assert phone_display(stored) == shown


@pytest.mark.parametrize(
    "stored, url", [("+31201234567", "tel:+31201234567"), ("ask reception", ""), ("javascript:x", ""), ("", "")]
)
def test_it_dials_only_an_e164_number(stored, url):
    assert tel_url(stored) == url
