"""The shared address book: companies and contacts.

Anyone signed in may list, search, view, add and export them; editing and
deleting is for the row's owner, the owner's managers and admins. A row the
user may see but not edit answers 403 (the address book is shared, so saying
it exists leaks nothing); a missing id answers 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Model, ProtectedError, QuerySet
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts import submissions
from salestracker.csvio import csv_response
from salestracker.forms import SearchForm

from . import services
from .forms_contacts import (
    CompanyFilterForm,
    CompanyForm,
    ContactFilterForm,
    ContactForm,
    ContactSearchForm,
    contact_search_q,
)
from .models import Company, Contact, Deal

PAGE_SIZE = 50
SEARCH_LIMIT = 10


def _editable(request, queryset: QuerySet, pk: int):
    """The row if this user may edit it: 404 when it does not exist, 403 when they may only look at it."""
    obj = get_object_or_404(queryset, pk=pk)
    if not _can_edit(request.user, obj):
        raise PermissionDenied
    return obj


def _can_edit(user, obj: Model) -> bool:
    return type(obj).objects.editable_by(user).filter(pk=obj.pk).exists()


def _delete(obj: Model) -> str | None:
    """Delete the row, or say why it cannot be deleted (rows that point at it); a refusal changes nothing."""
    try:
        with transaction.atomic():
            obj.delete()
    except ProtectedError as exc:
        counts: dict[type[Model], int] = {}
        for referrer in exc.protected_objects:
            counts[type(referrer)] = counts.get(type(referrer), 0) + 1
        things = [
            f"{count} {model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural}"
            for model, count in sorted(counts.items(), key=lambda item: item[0]._meta.label)
        ]
        return _("%(name)s cannot be deleted: it is used by %(things)s. Remove or move those first.") % {
            "name": obj,
            "things": _(" and ").join(things),
        }
    return None


def _confirm_delete(request, obj: Model, list_url: str, cancel_url: str):
    """GET asks to confirm; POST deletes, or explains why not (409) and changes nothing."""
    error = None
    if request.method == "POST":
        error = _delete(obj)
        if error is None:
            messages.success(request, _("Deleted %(name)s.") % {"name": obj})
            return redirect(list_url)
    return render(
        request,
        "pipeline/contacts/confirm_delete.html",
        {"object": obj, "error": error, "cancel_url": cancel_url},
        status=409 if error else 200,
    )


def _render_list(request, template: str, context: dict):
    """The whole page, or only its rows for an htmx search (the same partial, so they never drift apart)."""
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, context)


def _options(request, query: str, rows: list[tuple[int, str, str]]):
    """Type-ahead answer: an HTML list of (id, label, detail) options for htmx, or JSON with ``?format=json``."""
    if request.GET.get("format") == "json":
        return JsonResponse([{"id": pk, "label": label} for pk, label, _detail in rows], safe=False)
    return render(request, "pipeline/contacts/search_options.html", {"query": query, "options": rows})


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


# --- companies ------------------------------------------------------------


def _filtered_companies(request) -> tuple[CompanyFilterForm, QuerySet[Company]]:
    search = CompanyFilterForm(request.GET)
    return search, search.filter(Company.objects.select_related("territory", "owner"))


@login_required
@require_GET
def company_list(request):
    search, companies = _filtered_companies(request)
    page = Paginator(companies, PAGE_SIZE).get_page(request.GET.get("page"))
    return _render_list(request, "pipeline/contacts/company_list.html", {"search": search, "page": page})


@login_required
@require_GET
def company_export(request):
    _search, companies = _filtered_companies(request)
    header = [
        _("name"),
        _("segment"),
        _("territory"),
        _("employees"),
        _("customer"),
        _("website"),
        _("owner"),
        _("created"),
    ]
    rows = (
        [
            c.name,
            c.get_segment_display(),
            c.territory or "",
            c.employees,
            _yes_no(c.is_customer),
            c.website,
            c.owner,
            timezone.localdate(c.created_at),
        ]
        for c in companies.iterator(chunk_size=2000)
    )
    return csv_response(filename="companies.csv", header=header, rows=rows)


@login_required
@require_GET
def company_detail(request, company_id):
    company = get_object_or_404(Company.objects.select_related("territory", "owner"), pk=company_id)
    contacts = company.contacts.select_related("lead_source")
    # The address book is shared, deals are not: only those this user may see.
    deals = (
        Deal.objects.visible_to(request.user)
        .filter(company=company)
        .select_related("stage", "owner", "pipeline", "contact")
    )
    return render(
        request,
        "pipeline/contacts/company_detail.html",
        {"company": company, "contacts": contacts, "deals": deals, "can_edit": _can_edit(request.user, company)},
    )


@login_required
@require_http_methods(["GET", "POST"])
@submissions.once()
def company_create(request):
    return _company_form(request, Company(owner=request.user), _("Add a company"))


@login_required
@require_http_methods(["GET", "POST"])
def company_edit(request, company_id):
    company = _editable(request, Company.objects.all(), company_id)
    return _company_form(request, company, _("Edit %(name)s") % {"name": company})


def _company_form(request, company: Company, title: str):
    form = CompanyForm(request.POST or None, instance=company)
    return _record_form(request, form, title, "company", lambda company: services.company_save(company=company))


def _record_form(request, form, title: str, name: str, save):
    """The add or edit page of a company or contact: a valid form is saved through ``save`` (its service)
    and leads to the record's page; cancel goes back there, or to the list for a new one."""
    record = form.instance
    if request.method == "POST" and form.is_valid():
        record = save(form.save(commit=False))
        messages.success(request, _("Saved %(name)s.") % {"name": record})
        return submissions.record(request, redirect(f"pipeline:{name}_detail", record.pk))
    cancel_url = reverse(f"pipeline:{name}_detail", args=[record.pk]) if record.pk else reverse(f"pipeline:{name}_list")
    return render(request, "pipeline/contacts/form.html", {"form": form, "title": title, "cancel_url": cancel_url})


@login_required
@require_http_methods(["GET", "POST"])
def company_delete(request, company_id):
    company = _editable(request, Company.objects.all(), company_id)
    return _confirm_delete(
        request, company, "pipeline:company_list", reverse("pipeline:company_detail", args=[company.pk])
    )


@login_required
@require_GET
def company_search(request):
    search = SearchForm(request.GET)
    if not search.is_valid():
        return search.bad_request()
    q = search.cleaned_data["q"]
    companies = Company.objects.filter(name__icontains=q).only("pk", "name", "segment")[:SEARCH_LIMIT] if q else []
    return _options(request, q, [(c.pk, c.name, c.get_segment_display()) for c in companies])


# --- contacts -------------------------------------------------------------


def _filtered_contacts(request) -> tuple[ContactFilterForm, QuerySet[Contact]]:
    search = ContactFilterForm(request.GET)
    return search, search.filter(Contact.objects.select_related("company", "lead_source", "owner"))


@login_required
@require_GET
def contact_list(request):
    search, contacts = _filtered_contacts(request)
    page = Paginator(contacts, PAGE_SIZE).get_page(request.GET.get("page"))
    return _render_list(request, "pipeline/contacts/contact_list.html", {"search": search, "page": page})


@login_required
@require_GET
def contact_export(request):
    _search, contacts = _filtered_contacts(request)
    header = [
        _("first name"),
        _("last name"),
        _("company"),
        _("title"),
        _("phone"),
        _("email"),
        _("decision maker"),
        _("pain points"),
        _("lead source"),
        _("owner"),
        _("created"),
    ]
    rows = (
        [
            c.first_name,
            c.last_name,
            c.company or "",
            c.title,
            c.phone,
            c.email,
            _yes_no(c.is_decision_maker),
            c.pain_points,
            c.lead_source or "",
            c.owner,
            timezone.localdate(c.created_at),
        ]
        for c in contacts.iterator(chunk_size=2000)
    )
    return csv_response(filename="contacts.csv", header=header, rows=rows)


@login_required
@require_GET
def contact_detail(request, contact_id):
    contact = get_object_or_404(Contact.objects.select_related("company", "lead_source", "owner"), pk=contact_id)
    deals = Deal.objects.visible_to(request.user).filter(contact=contact).select_related("stage", "owner", "pipeline")
    return render(
        request,
        "pipeline/contacts/contact_detail.html",
        {"contact": contact, "deals": deals, "can_edit": _can_edit(request.user, contact)},
    )


@login_required
@require_http_methods(["GET", "POST"])
@submissions.once()
def contact_create(request):
    contact = Contact(owner=request.user)
    # "Add a contact" on a company's page starts with that company chosen.
    initial = {"company": request.GET.get("company")} if request.GET.get("company", "").isdigit() else None
    return _contact_form(request, contact, _("Add a contact"), initial)


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request, contact_id):
    contact = _editable(request, Contact.objects.all(), contact_id)
    return _contact_form(request, contact, _("Edit %(name)s") % {"name": contact})


def _contact_form(request, contact: Contact, title: str, initial: dict | None = None):
    form = ContactForm(request.POST or None, instance=contact, initial=initial)
    return _record_form(request, form, title, "contact", lambda contact: services.contact_save(contact=contact))


@login_required
@require_http_methods(["GET", "POST"])
def contact_delete(request, contact_id):
    contact = _editable(request, Contact.objects.all(), contact_id)
    return _confirm_delete(
        request, contact, "pipeline:contact_list", reverse("pipeline:contact_detail", args=[contact.pk])
    )


@login_required
@require_GET
def contact_search(request):
    """Contacts matching ``q`` (name, email, company); ``company=<id>`` keeps to one company (the deal form)."""
    search = ContactSearchForm(request.GET)
    if not search.is_valid():
        return search.bad_request()
    q, company_id = search.cleaned_data["q"], search.cleaned_data["company"]
    contacts = Contact.objects.none()
    if q:
        contacts = Contact.objects.filter(contact_search_q(q)).select_related("company")
        if company_id is not None:
            contacts = contacts.filter(company_id=company_id)
    rows = []
    for contact in contacts[:SEARCH_LIMIT]:
        label = f"{contact} ({contact.company})" if contact.company else str(contact)
        rows.append((contact.pk, label, contact.email or capfirst(contact.title)))
    return _options(request, q, rows)
