"""The trial search form: a condition and the patient's location (``sites.forms``).

It only checks the shape of what was typed; turning a place into coordinates is
``sites.location``'s job, called by the views.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from sites.forms import LocationForm

DEFAULT_CONDITION = "multiple sclerosis"


class TrialSearchForm(LocationForm):
    condition = forms.CharField(
        label=_("Condition"),
        help_text=_("For example multiple sclerosis, RRMS, progressive MS or esclerosis múltiple."),
        required=False,
        max_length=120,
        initial=DEFAULT_CONDITION,
    )
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    field_order = ["condition", "location", "lat", "lon"]

    def condition_value(self) -> str:
        return (self.cleaned_data.get("condition") or DEFAULT_CONDITION).strip()
