"""The data migration that stores existing contacts' numbers as E.164 and keeps what it cannot read."""

from importlib import import_module

import pytest
from django.apps import apps

from pipeline.models import Contact
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

migration = import_module("pipeline.migrations.0009_contact_phone_e164")


def _phones_after_migrating(*typed: str) -> list[str]:
    contacts = [ContactFactory(phone=phone) for phone in typed]
    migration.normalise_phones(apps, None)
    return [Contact.objects.get(pk=contact.pk).phone for contact in contacts]


def test_it_stores_existing_numbers_as_e164():
    assert _phones_after_migrating("+44 20 7946 0958", "(415) 555-0100", "+31201234567") == [
        "+442079460958",
        "+14155550100",  # no country code: the default region's
        "+31201234567",
    ]


def test_it_keeps_what_it_cannot_read_exactly_as_it_was():
    kept = ["ask reception", "555 0100", "+1 415 555 0100 ext. 12", ""]
    assert _phones_after_migrating(*kept) == kept


def test_it_reads_national_numbers_in_the_configured_region(settings):
    settings.PHONE_DEFAULT_REGION = "GB"
    assert _phones_after_migrating("020 7946 0958") == ["+442079460958"]
