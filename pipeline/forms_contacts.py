"""Forms of the shared address book (companies and contacts) and of the CSV import."""

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Territory
from salestracker.forms import MAX_ID, SearchForm

from .models import Company, Contact, LeadSource, Segment, time_zone_names
from .phones import phone_display, phone_normalise


def _active_or_current(queryset: QuerySet, current_id: int | None) -> QuerySet:
    """Active entries, plus the one a row already points at (so editing it never drops it)."""
    return queryset.filter(Q(is_active=True) | Q(pk=current_id))


class ContactSearchForm(SearchForm):
    """The deal form's contact type-ahead, kept to the company chosen above it."""

    company = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)


def _time_zone_field(model, empty_label) -> forms.ChoiceField:
    """An optional IANA time zone, picked from the names zoneinfo knows (as the organisation's)."""
    return forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        choices=[("", empty_label), *((name, name) for name in sorted(time_zone_names()))],
        help_text=model._meta.get_field("time_zone").help_text,
    )


class CompanyForm(forms.ModelForm):
    website = forms.URLField(
        label=Company._meta.get_field("website").verbose_name, required=False, assume_scheme="https", max_length=200
    )

    class Meta:
        model = Company
        fields = ("name", "segment", "territory", "employees", "is_customer", "website", "time_zone")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"] = _time_zone_field(Company, _("The organisation's"))
        self.fields["territory"].queryset = _active_or_current(Territory.objects.all(), self.instance.territory_id)


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = (
            "first_name",
            "last_name",
            "company",
            "title",
            "phone",
            "email",
            "is_decision_maker",
            "pain_points",
            "lead_source",
            "time_zone",
        )
        widgets = {"pain_points": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"] = _time_zone_field(Contact, _("The company's, else the organisation's"))
        self.fields["company"].queryset = Company.objects.only("pk", "name")
        self.fields["lead_source"].queryset = _active_or_current(LeadSource.objects.all(), self.instance.lead_source_id)
        # Edited as it is read on the contact's page, not as the stored E.164.
        self.initial["phone"] = phone_display(self.instance.phone)

    def clean_phone(self) -> str:
        return phone_normalise(self.cleaned_data["phone"])


class _FilterForm(forms.Form):
    """Search and filters of a list: a GET form rendered inline, field by field."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "class", "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            )


class CompanyFilterForm(_FilterForm):
    """The list's search and filters; the export applies the same ones."""

    CUSTOMER, PROSPECT = "customer", "prospect"

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    segment = forms.ChoiceField(label=_("Segment"), required=False, choices=[("", _("All segments")), *Segment.choices])
    territory = forms.ModelChoiceField(
        label=_("Territory"), required=False, queryset=Territory.objects.all(), empty_label=_("All territories")
    )
    status = forms.ChoiceField(
        label=_("Customer or prospect"),
        required=False,
        choices=[("", _("Customers and prospects")), (CUSTOMER, _("Customers")), (PROSPECT, _("Prospects"))],
    )

    def filter(self, companies: QuerySet[Company]) -> QuerySet[Company]:
        """``companies`` narrowed by the filters given; an invalid one (an unknown territory id) is ignored."""
        self.is_valid()  # cleaned_data then holds the fields that are valid
        data = self.cleaned_data
        if q := data.get("q", "").strip():
            companies = companies.filter(name__icontains=q)
        if segment := data.get("segment"):
            companies = companies.filter(segment=segment)
        if territory := data.get("territory"):
            companies = companies.filter(territory=territory)
        if status := data.get("status"):
            companies = companies.filter(is_customer=status == self.CUSTOMER)
        return companies


class ContactFilterForm(_FilterForm):
    YES, NO = "yes", "no"

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    company = forms.ModelChoiceField(
        label=_("Company"), required=False, queryset=Company.objects.only("pk", "name"), empty_label=_("All companies")
    )
    decision_maker = forms.ChoiceField(
        label=_("Decision maker"),
        required=False,
        choices=[("", _("Everyone")), (YES, _("Decision makers")), (NO, _("Not decision makers"))],
    )
    lead_source = forms.ModelChoiceField(
        label=_("Lead source"), required=False, queryset=LeadSource.objects.all(), empty_label=_("All lead sources")
    )

    def filter(self, contacts: QuerySet[Contact]) -> QuerySet[Contact]:
        self.is_valid()
        data = self.cleaned_data
        if q := data.get("q", "").strip():
            contacts = contacts.filter(contact_search_q(q))
        if company := data.get("company"):
            contacts = contacts.filter(company=company)
        if decision_maker := data.get("decision_maker"):
            contacts = contacts.filter(is_decision_maker=decision_maker == self.YES)
        if lead_source := data.get("lead_source"):
            contacts = contacts.filter(lead_source=lead_source)
        return contacts


def contact_search_q(text: str) -> Q:
    """Every word of ``text`` must appear in the contact's first or last name, email or company
    name, so "ada acme" finds Ada Lovelace of Acme."""
    condition = Q()
    for word in text.split():
        condition &= (
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
            | Q(company__name__icontains=word)
        )
    return condition
