"""The contacts import: one row a person, at a company already in the address book or at none."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from salestracker import csvimport
from salestracker.csvimport import Column, ImportKind

from .. import services
from ..models import Company, Contact, LeadSource
from ..phones import phone_normalise
from . import names


class ContactImport(ImportKind):
    slug = "contacts"
    models = (Contact,)
    label = gettext_lazy("contacts")
    columns = (
        Column("first_name", True),
        Column("last_name"),
        Column("company", help=gettext_lazy("Name of a company already in the address book.")),
        Column("title"),
        Column("phone"),
        Column("email", help=gettext_lazy("Must not already belong to another contact.")),
        Column("decision_maker", help=gettext_lazy("yes or no.")),
        Column("pain_points"),
        Column("lead_source", help=gettext_lazy("Name of an active lead source.")),
        Column(
            "time_zone",
            help=gettext_lazy(
                "An IANA time zone name, e.g. America/New_York; empty: the company's, else the organisation's."
            ),
        ),
    )
    example = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "company": "Acme Corporation",
        "title": "Head of Operations",
        "phone": "+1 212 555 0100",
        "email": "ada@acme.example",
        "decision_maker": "yes",
        "pain_points": "Manual reporting takes two days a month",
        "lead_source": "Referral",
        "time_zone": "America/New_York",
    }
    field_columns = {"is_decision_maker": "decision_maker"}

    def imported_message(self, count):
        return ngettext("Imported %(count)d contact.", "Imported %(count)d contacts.", count) % {"count": count}

    def prepare(self, rows, user):
        return {
            "companies": csvimport.lookup_in(
                Company.objects.only("pk", "name"), "name", csvimport.column_values(rows, "company")
            ),
            "lead_sources": csvimport.index(LeadSource.objects.active()),
            "existing_emails": csvimport.lookup_in(
                Contact.objects.only("pk", "email"), "email", csvimport.column_values(rows, "email")
            ),
            "seen": {},
        }

    def clean(self, cells, context, errors):
        values = {
            column: csvimport.read_text(Contact, cells, column, errors)
            for column in ("first_name", "last_name", "title", "phone", "email", "pain_points", "time_zone")
        }
        if not cells.get("first_name"):
            errors.add("first_name", _("This value is required."))
        try:
            values["phone"] = phone_normalise(values["phone"])
        except ValidationError as error:
            errors.add_validation_error("phone", error)
        email = values["email"]
        if email:
            if csvimport.key(email) in context["existing_emails"]:
                errors.add("email", _("A contact with this email is already in the address book."))
            elif earlier := csvimport.first_seen(context["seen"], csvimport.key(email), errors.row):
                errors.add("email", _("This email is also on row %(row)d.") % {"row": earlier})
        values |= {
            "company": csvimport.read_named(names.COMPANY, context, cells, "company", errors),
            "decision_maker": csvimport.read_bool(cells, "decision_maker", errors),
            "lead_source": csvimport.read_named(names.LEAD_SOURCE, context, cells, "lead_source", errors),
        }
        return values

    def create(self, values, user):
        contact = Contact(
            first_name=values["first_name"],
            last_name=values["last_name"] or "",
            company=values["company"],
            title=values["title"] or "",
            phone=values["phone"] or "",
            email=values["email"] or "",
            is_decision_maker=values["decision_maker"],
            pain_points=values["pain_points"] or "",
            lead_source=values["lead_source"],
            time_zone=values["time_zone"] or "",
            owner=user,
        )
        return services.contact_save(contact=contact)
