"""Contacts' phone numbers are stored as E.164 ("+31201234567"), as the contact form and the import
now store them. A number without a country code is read as one of ``settings.PHONE_DEFAULT_REGION``.

Never loses data: a value that is no valid number (a typo, a note such as "ask reception") or one with
an extension (E.164 has no place for it) is kept exactly as it was; the contact's page shows it as it
is, and the form asks for a valid number the next time someone edits the contact. Nothing to undo:
the E.164 values are the same numbers."""

import phonenumbers
from django.conf import settings
from django.db import migrations

BATCH = 2_000


def _e164(text: str, region: str) -> str | None:
    """``pipeline.phones.phone_normalise``'s rule as it stood when this migration was written."""
    try:
        number = phonenumbers.parse(text.strip(), region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number) or number.extension:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_phones(apps, schema_editor):
    Contact = apps.get_model("pipeline", "Contact")
    changed = []
    for contact in Contact.objects.exclude(phone="").only("pk", "phone").order_by("pk").iterator(BATCH):
        e164 = _e164(contact.phone, settings.PHONE_DEFAULT_REGION)
        if e164 is not None and e164 != contact.phone:
            contact.phone = e164
            changed.append(contact)
        if len(changed) >= BATCH:
            Contact.objects.bulk_update(changed, ["phone"])
            changed = []
    Contact.objects.bulk_update(changed, ["phone"])


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0008_time_zone_db_default")]

    operations = [migrations.RunPython(normalise_phones, migrations.RunPython.noop)]
