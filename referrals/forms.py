"""Forms of the referral pages: input shape only; the services decide what is valid.

The clinician's questionnaire is derived from the trial's questions (the fact registry,
through ``eligibility.selectors.trial_questions``), never retyped here.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from eligibility.engine.facts import UNSURE
from finder.templatetags.trial_display import distance
from sites.countries import country_name_local
from sites.models import SiteStatus

from .models import TRANSITIONS, SiteRole, Status
from .selectors import SITES_OFFERED

NONE_OF_THESE = "none"


class ContactFields(forms.Form):
    """Name and an email or phone (both optional here; the service requires one)."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.CharField(
        label=_("Email address"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label=_("Phone number"),
        required=False,
        max_length=40,
        help_text=_("With the country code if you are outside the site's country."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )

    def contact(self) -> dict[str, str]:
        return {k: self.cleaned_data.get(k, "") for k in ("name", "email", "phone")}


def site_choices(sites, unit: str = "km") -> list[tuple[str, str]]:
    """Ranked sites (``sites.selectors.RankedSite``) as choices, with their distance in
    ``unit`` ("mi" or "km") and their status when it is not "recruiting"."""
    statuses = dict(SiteStatus.choices)
    out = []
    for site in sites:
        country = country_name_local(site.country) if site.country else ""
        label = ", ".join(p for p in (site.facility, site.city, site.state, country) if p)
        notes = [distance(site, unit)] if site.distance_km is not None else []
        if site.status != SiteStatus.RECRUITING:
            notes.append(str(statuses.get(site.status, site.status)).lower())
        if notes:
            label += f" ({', '.join(notes)})"
        out.append((str(site.id), label))
    return out


class PatientReferralForm(ContactFields):
    """The patient asks a site's study team to contact them.

    Every referable site is a valid choice; the radio buttons show ``shown`` (the few
    nearest, or those matching the site search), so the page stays short.
    """

    site = forms.ChoiceField(
        label=_("Which study team should contact you?"),
        error_messages={"required": _("Choose the study team that should contact you.")},
    )
    consent = forms.BooleanField(required=False)

    def __init__(self, *args, sites=(), shown=None, unit: str = "km", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = site_choices(sites, unit)
        self.fields["site"].widget = forms.RadioSelect(
            choices=site_choices(sites if shown is None else shown, unit)
        )
        if sites and not self.is_bound:
            self.initial.setdefault("site", str(sites[0].id))


class SiteSearchForm(forms.Form):
    """The contact form's site picker: a search and how many sites to show (no JavaScript).

    Its buttons submit the contact form itself, so nothing typed there is lost.
    """

    site_query = forms.CharField(
        label=_("Find a site by city, state, postal code or name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    shown = forms.IntegerField(
        required=False, min_value=1, max_value=2000, widget=forms.HiddenInput
    )

    def picker(self) -> tuple[str, int]:
        """(search words, how many sites to show) as asked, or the defaults."""
        if not self.is_valid():
            return "", SITES_OFFERED
        return self.cleaned_data["site_query"].strip(), self.cleaned_data["shown"] or SITES_OFFERED


class SiteInvitationForm(forms.Form):
    """A coordinator invites a colleague to one of their sites' teams."""

    site = forms.TypedChoiceField(label=_("Site"), coerce=int)
    email = forms.CharField(
        label=_("Their email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    role = forms.ChoiceField(
        label=_("Role"), choices=SiteRole.choices, initial=SiteRole.COORDINATOR,
        widget=forms.RadioSelect,
    )  # fmt: skip

    def __init__(self, *args, sites=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [(site.pk, str(site)) for site in sites]
        if len(sites) == 1:
            self.fields["site"].widget = forms.HiddenInput()
            self.initial.setdefault("site", sites[0].pk)


class InvitationAccountForm(UserCreationForm):
    """The account a new site team member creates from their invitation (email: invited)."""

    class Meta(UserCreationForm.Meta):
        fields = ("username", "first_name", "last_name")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].required = True
        # The page starts with what the invitation is; the form comes second.
        self.fields["username"].widget.attrs.pop("autofocus", None)
        self.fields["username"].help_text = _(
            "You sign in with it. Letters, digits and @ . + - _ only."
        )
        for name, autocomplete in (
            ("username", "username"),
            ("first_name", "given-name"),
            ("last_name", "family-name"),
            ("password1", "new-password"),
            ("password2", "new-password"),
        ):
            self.fields[name].widget.attrs["autocomplete"] = autocomplete


def _question_field(question) -> forms.Field:
    label, help_text = question.text, question.help
    if question.type in ("integer", "number"):
        field_class = forms.IntegerField if question.type == "integer" else forms.FloatField
        field = field_class(
            label=label,
            help_text=help_text,
            required=False,
            min_value=question.min,
            max_value=question.max,
        )
        field.widget.attrs["step"] = question.step or ("1" if question.type == "integer" else "any")
        return field
    if question.type == "date":
        return forms.DateField(
            label=label,
            help_text=help_text,
            required=False,
            widget=forms.DateInput(attrs={"type": "date"}),
        )
    if question.type == "choice":
        return forms.ChoiceField(
            label=label,
            help_text=help_text,
            required=False,
            choices=question.choices,
            widget=forms.RadioSelect,
        )
    return forms.MultipleChoiceField(
        label=label,
        help_text=help_text,
        required=False,
        choices=[
            *question.choices,
            (NONE_OF_THESE, _("None of these")),
            (UNSURE, _("Not sure")),
        ],
        widget=forms.CheckboxSelectMultiple,
    )


class ClinicianReferralForm(forms.Form):
    """A clinician fills the trial's questionnaire for a patient and refers them."""

    site = forms.ChoiceField(label=_("Study site"))
    patient_name = forms.CharField(label=_("Patient's name"), max_length=200)
    patient_email = forms.CharField(
        label=_("Patient's email address"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"spellcheck": "false"}),
    )
    patient_phone = forms.CharField(
        label=_("Patient's phone number"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    clinician_name = forms.CharField(label=_("Your name"), max_length=200)
    clinician_email = forms.CharField(
        label=_("Your email address"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"spellcheck": "false"}),
    )
    clinician_phone = forms.CharField(
        label=_("Your phone number"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    consent = forms.BooleanField(required=False)

    def __init__(self, *args, questions=(), sites=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = site_choices(sites)
        self.question_keys = [q.key for q in questions]
        for question in questions:
            self.fields[f"answer_{question.key}"] = _question_field(question)

    def answer_fields(self):
        return [self[f"answer_{key}"] for key in self.question_keys]

    def answers(self) -> dict[str, Any]:
        """The answers as the API takes them; blank questions are left out (unknown)."""
        answers: dict[str, Any] = {}
        for key in self.question_keys:
            value = self.cleaned_data.get(f"answer_{key}")
            if value in (None, "", []):
                continue
            if isinstance(value, list):
                if UNSURE in value:
                    value = UNSURE
                elif NONE_OF_THESE in value:
                    value = [v for v in value if v != NONE_OF_THESE]
            elif hasattr(value, "isoformat"):
                value = value.isoformat()
            answers[key] = value
        return answers

    def patient_contact(self) -> dict[str, str]:
        return {k: self.cleaned_data.get(f"patient_{k}", "") for k in ("name", "email", "phone")}

    def clinician_contact(self) -> dict[str, str]:
        return {k: self.cleaned_data.get(f"clinician_{k}", "") for k in ("name", "email", "phone")}

    #: Where a service's error field lands on this form.
    def field_for_error(self, key: str) -> str | None:
        if key.startswith("answers."):
            name = f"answer_{key.split('.', 1)[1]}"
            return name if name in self.fields else None
        if key.startswith("contact."):
            return f"patient_{key.split('.', 1)[1]}"
        if key == "contact":
            return "patient_email"
        if key.startswith("clinician."):
            return f"clinician_{key.split('.', 1)[1]}"
        if key == "clinician":
            return "clinician_email"
        return key if key in self.fields else None


class StatusChangeForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Status.choices)
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, referral=None, **kwargs):
        super().__init__(*args, **kwargs)
        if referral is not None:
            allowed = TRANSITIONS[referral.status]
            self.fields["status"].choices = [(s, Status(s).label) for s in allowed]
            self.fields["status"].widget = forms.RadioSelect(choices=self.fields["status"].choices)


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Add a note"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *Status.choices]
    )
    trial = forms.TypedChoiceField(label=_("Study"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, trials=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trial"].choices = [("", _("Any study"))] + [
            (t.pk, f"{t.nct_id} {t.acronym}".strip()) for t in trials
        ]
