"""Activity forms: the quick-log / edit form, the list filters and the meeting
mark buttons.

The rules of what fits together (kind, outcome, time, linked records) live in
``services``; the form runs ``services.check_activity`` and
``check_prospecting`` so every error shows at once, and the view puts what the
write itself refuses (a deal the user may not see) next to the fields with
``add_service_errors``. Who may own an activity is enforced here: a rep's form
has no owner field at all, so a posted owner is ignored; a manager's choices are
the people they may see.
"""

import json

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from pipeline.models import Company, Contact, Deal, LeadSource
from salestracker.dates import validate_in_window
from salestracker.forms import DateInput, DateTimeLocalInput, add_service_errors

from . import selectors, services
from .models import HELD_OUTCOMES, OUTCOMES_BY_KIND, SELLING_KINDS, Activity, Kind, Outcome

LINK_FIELDS = ("contact", "company", "deal")
MAX_MINUTES = 24 * 60


def may_choose_owner(user: User) -> bool:
    return user.is_manager or user.is_admin


def who_label(activity: Activity) -> str:
    """What the "who" box shows for an existing activity: its deal, else its contact, else its company."""
    return str(activity.deal or activity.contact or activity.company or "")


class ActivityForm(forms.Form):
    owner = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Rep"), empty_label=None, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.CALL, widget=forms.RadioSelect)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices, required=False, widget=forms.RadioSelect)
    who = forms.CharField(
        label=_("Who"),
        required=False,
        max_length=300,
        help_text=_("A contact, a company or one of your deals."),
    )
    contact = forms.ModelChoiceField(queryset=Contact.objects.all(), required=False, widget=forms.HiddenInput)
    company = forms.ModelChoiceField(queryset=Company.objects.all(), required=False, widget=forms.HiddenInput)
    # Any deal id is accepted here; the service refuses one the user may not see with the message
    # given here to an id of no deal at all, so the answer does not tell that a deal exists.
    deal = forms.ModelChoiceField(
        queryset=Deal.objects.all(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": services.DEAL_REFUSED},
    )
    lead_source = forms.ModelChoiceField(queryset=LeadSource.objects.none(), label=_("Source"), required=False)
    occurred_at = forms.DateTimeField(
        label=_("When"), required=False, widget=DateTimeLocalInput, validators=[validate_in_window]
    )
    duration_minutes = forms.IntegerField(
        label=_("Minutes"), min_value=0, max_value=MAX_MINUTES, required=False, widget=forms.NumberInput
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user: User, activity: Activity | None = None, **kwargs):
        if activity is not None and not kwargs.get("initial"):
            kwargs["initial"] = self.initial_from(activity)
        super().__init__(*args, **kwargs)
        self.user = user
        self.activity = activity
        if may_choose_owner(user):
            self.fields["owner"].queryset = User.objects.assignable_by(
                user, keep=activity.owner_id if activity else None
            )
            self.initial.setdefault("owner", user.pk)
        else:
            # A rep logs for themselves only: without the field, a posted owner is simply ignored.
            del self.fields["owner"]
        sources = Q(is_active=True)
        if activity is not None and activity.lead_source_id:
            sources |= Q(pk=activity.lead_source_id)
        self.fields["lead_source"].queryset = LeadSource.objects.filter(sources)
        self.fields["lead_source"].empty_label = _("Unknown")
        self.fields["duration_minutes"].widget.attrs.update({"inputmode": "numeric", "min": 0, "step": 1})
        if "occurred_at" not in self.initial:
            self.initial["occurred_at"] = timezone.localtime().replace(second=0, microsecond=0)
        if activity is None and not self.is_bound:
            # quick_log.js moves this "now" forward while the page stays open, until the user changes it.
            self.fields["occurred_at"].widget.attrs["data-default-now"] = ""

    @staticmethod
    def initial_from(activity: Activity) -> dict:
        return {
            "owner": activity.owner_id,
            "kind": activity.kind,
            "outcome": activity.outcome,
            "who": who_label(activity),
            "contact": activity.contact_id,
            "company": activity.company_id,
            "deal": activity.deal_id,
            "lead_source": activity.lead_source_id,
            "occurred_at": timezone.localtime(activity.occurred_at),
            "duration_minutes": activity.duration_minutes,
            "notes": activity.notes,
        }

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if not kind:
            return data
        if "occurred_at" not in self.errors:
            data["occurred_at"] = data.get("occurred_at") or timezone.now()
        if data.get("duration_minutes") is None:
            data["duration_minutes"] = 0
        if kind != Kind.PROSPECTING:
            # The source only means something for prospecting; the field is hidden for other kinds.
            data["lead_source"] = None
        self._resolve_who(data)
        if "who" not in self.errors:
            try:
                services.check_prospecting(kind=kind, contact=data.get("contact"), company=data.get("company"))
            except ValidationError:
                # The rule is the service's; the form says where to fix it: the "who" box.
                self.add_error("who", _("Prospecting is about a company: pick it, or its decision maker, in “Who”."))
        if "occurred_at" in data:
            try:
                services.check_activity(kind=kind, outcome=data.get("outcome", ""), occurred_at=data["occurred_at"])
            except ValidationError as error:
                add_service_errors(self, error)
        return data

    def _resolve_who(self, data: dict) -> None:
        """The "who" text decides. A picked suggestion (the hidden ids) stands while
        the text still names it; text typed without picking one (or without
        JavaScript) is used when exactly one contact, deal or company matches it;
        no text, no links."""
        if any(name in self.errors for name in LINK_FIELDS):
            return
        text = data.get("who", "").strip()
        picked = data.get("deal") or data.get("contact") or data.get("company")  # the order of who_label
        if picked is not None and str(picked).casefold() == text.casefold():
            return
        for name in LINK_FIELDS:
            data[name] = None
        if not text:
            return
        options = selectors.link_search(user=self.user, q=text, limit=2)
        if len(options) != 1:
            message = (
                _("Several match “%(text)s”: pick one of the suggestions, or type more of the name.")
                if options
                else _("Nothing matches “%(text)s”. Pick one of the suggestions, or clear this field.")
            )
            self.add_error("who", message % {"text": text})
            return
        option = options[0]
        data["contact"] = Contact.objects.filter(pk=option.contact_id).first() if option.contact_id else None
        data["company"] = Company.objects.filter(pk=option.company_id).first() if option.company_id else None
        data["deal"] = Deal.objects.filter(pk=option.deal_id).first() if option.deal_id else None

    def chosen_owner(self) -> User:
        """Who the activity is for: the rep a manager or admin chose (none chosen: the
        activity's owner, or themselves); always the user for a rep."""
        return self.cleaned_data.get("owner") or (self.activity.owner if self.activity else self.user)

    def service_arguments(self) -> dict:
        """The cleaned values as ``services.activity_log`` / ``activity_update`` take them."""
        names = ("kind", "outcome", "occurred_at", "duration_minutes", *LINK_FIELDS, "lead_source", "notes")
        return {name: self.cleaned_data.get(name) for name in names} | {
            "outcome": self.cleaned_data.get("outcome") or "",
            "notes": self.cleaned_data.get("notes") or "",
        }

    # --- for the template: button groups -----------------------------------

    def kind_groups(self) -> list[tuple[str, list]]:
        """The kind radios in two rows: selling activity first, then other time."""
        radios = list(self["kind"])
        return [
            (_("Selling"), [r for r in radios if r.data["value"] in SELLING_KINDS]),
            (_("Other time"), [r for r in radios if r.data["value"] not in SELLING_KINDS]),
        ]

    def selected_kind(self) -> str:
        return self["kind"].value() or Kind.CALL

    def outcome_options(self) -> list[tuple]:
        """(radio, fits the chosen kind) for every outcome; the template hides those that do not fit."""
        allowed = OUTCOMES_BY_KIND.get(self.selected_kind(), ())
        return [(radio, radio.data["value"] in allowed) for radio in self["outcome"]]

    def has_outcomes(self) -> bool:
        return bool(OUTCOMES_BY_KIND.get(self.selected_kind()))

    @staticmethod
    def outcomes_by_kind_json() -> str:
        return json.dumps({kind: list(outcomes) for kind, outcomes in OUTCOMES_BY_KIND.items()})

    def link_errors(self) -> list[str]:
        """Errors of "who" and of the hidden ids behind it, shown together under the "who" box."""
        return [str(e) for name in ("who", *LINK_FIELDS) for e in self.errors.get(name, [])]

    def dom_id(self) -> str:
        return (self.auto_id or "%s") % "form"


class ActivityFilterForm(forms.Form):
    """The list's filters; the CSV export applies the same ones."""

    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All kinds")), *Kind.choices], required=False)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[("", _("All outcomes")), *Outcome.choices], required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput)
    owner = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Rep"), required=False)
    # Reached from links (a company's or a deal's page, a row's company): shown as removable chips.
    company = forms.ModelChoiceField(queryset=Company.objects.all(), required=False, widget=forms.HiddenInput)
    deal = forms.ModelChoiceField(queryset=Deal.objects.none(), required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        if may_choose_owner(user):
            self.fields["owner"].queryset = User.objects.visible_to(user)
            self.fields["owner"].empty_label = _("All reps")
        else:
            del self.fields["owner"]
        if self.data.get("deal"):
            # Only when asked for: working out a manager's teams costs queries on every page view.
            self.fields["deal"].queryset = Deal.objects.visible_to(user)
        for name in ("kind", "outcome", "owner"):
            if name in self.fields:
                self.fields[name].widget.attrs["class"] = "form-select"
        for name in ("date_from", "date_to"):
            self.fields[name].widget.attrs["class"] = "form-control"

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def selected(self) -> dict:
        """The filters that were given and are valid; an invalid one is dropped (and shown as an error)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}


class MeetingMarkForm(forms.Form):
    """The one-click buttons of the upcoming meetings page; ``services.meeting_mark`` says what fits when."""

    outcome = forms.ChoiceField(
        choices=[(o.value, o.label) for o in (*sorted(HELD_OUTCOMES), Outcome.NO_SHOW, Outcome.CANCELLED)],
        error_messages={"invalid_choice": _("Choose held, no-show or cancelled."), "required": _("Choose an outcome.")},
    )
