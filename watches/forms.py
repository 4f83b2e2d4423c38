"""Forms of the watch pages: input shape only; ``watches.services`` decides what is valid."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from sites.forms import LocationForm

from .services import DEFAULT_RADIUS, RADII


def radius_choices(unit: str) -> list[tuple[str, str]]:
    """("50", "50 mi") ... in the person's unit."""
    label = pgettext("unit", "mi") if unit == "mi" else pgettext("unit", "km")
    return [(str(radius), f"{radius} {label}") for radius in RADII]


class WatchAreaForm(LocationForm):
    """Where: the place (empty keeps the one found earlier in the visit) and how far."""

    radius = forms.TypedChoiceField(
        label=_("How far from there?"),
        coerce=int,
        initial=str(DEFAULT_RADIUS),
    )

    def __init__(self, *args, unit: str = "km", **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit
        self.fields["radius"].choices = radius_choices(unit)
        self.fields["location"].help_text = _(
            "A postal code or a city. Leave it as it is to keep the place shown."
        )


class WatchForm(WatchAreaForm):
    """A new watch: the address to confirm, where, and whether to keep the answers."""

    field_order = ["email", "location", "radius", "use_answers"]

    email = forms.CharField(
        label=_("Your e-mail address"),
        max_length=254,
        help_text=_("We send a link to confirm it. Nothing is sent before you confirm."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    use_answers = forms.BooleanField(
        required=False,
        label=_("Use my answers: tell me only about studies they do not rule me out of"),
    )
