"""The companies import: one row a company of the address book, new names only."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import Territory
from salestracker import csvimport
from salestracker.csvimport import Column, ImportKind

from .. import services
from ..models import Company, Segment
from . import names


class CompanyImport(ImportKind):
    slug = "companies"
    models = (Company,)
    label = gettext_lazy("companies")
    columns = (
        Column("name", True, gettext_lazy("Must not already be in the address book.")),
        Column("segment", help=gettext_lazy("Code or label, e.g. smb or Small business.")),
        Column("territory", help=gettext_lazy("Name of an active territory.")),
        Column("employees", help=gettext_lazy("A whole number.")),
        Column("customer", help=gettext_lazy("yes or no; empty means a prospect.")),
        Column("website"),
        Column(
            "time_zone", help=gettext_lazy("An IANA time zone name, e.g. America/New_York; empty: the organisation's.")
        ),
    )
    example = {
        "name": "Acme Corporation",
        "segment": "mid_market",
        "territory": "Northeast",
        "employees": "250",
        "customer": "no",
        "website": "https://acme.example",
        "time_zone": "America/New_York",
    }
    field_columns = {"is_customer": "customer"}

    def imported_message(self, count):
        return ngettext("Imported %(count)d company.", "Imported %(count)d companies.", count) % {"count": count}

    def prepare(self, rows, user):
        return {
            "territories": csvimport.index(Territory.objects.active()),
            "existing": csvimport.lookup_in(
                Company.objects.only("pk", "name"), "name", csvimport.column_values(rows, "name")
            ),
            "seen": {},
        }

    def clean(self, cells, context, errors):
        name = csvimport.read_text(Company, cells, "name", errors, required=True)
        if name:
            if csvimport.key(name) in context["existing"]:
                errors.add("name", _("A company called “%(name)s” is already in the address book.") % {"name": name})
            elif earlier := csvimport.first_seen(context["seen"], csvimport.key(name), errors.row):
                errors.add("name", _("“%(name)s” is also on row %(row)d.") % {"name": name, "row": earlier})
        website = cells.get("website", "")
        if website and "://" not in website:
            website = "https://" + website
        return {
            "name": name,
            "segment": csvimport.read_choice(Segment, cells, "segment", errors),
            "territory": csvimport.read_named(names.TERRITORY, context, cells, "territory", errors),
            "employees": csvimport.model_value(
                Company, "employees", csvimport.read_count(cells, "employees", errors), "employees", errors
            ),
            "customer": csvimport.read_bool(cells, "customer", errors),
            "website": csvimport.model_value(Company, "website", website, "website", errors) if website else "",
            "time_zone": csvimport.read_text(Company, cells, "time_zone", errors),
        }

    def create(self, values, user):
        company = Company(
            name=values["name"],
            segment=values["segment"] or "",
            territory=values["territory"],
            employees=values["employees"],
            is_customer=values["customer"],
            website=values["website"] or "",
            time_zone=values["time_zone"] or "",
            owner=user,
        )
        return services.company_save(company=company)
