"""The "where are you?" box of the patient pages.

It only checks the shape of what was typed; turning a place into coordinates is
:func:`sites.location.location_origin`'s job.
"""

from django import forms
from django.utils.translation import gettext_lazy as _


class LocationForm(forms.Form):
    """A postal code or city typed by the patient, or coordinates from "use my location".

    ``lat``/``lon`` are hidden fields that the optional script fills in; without
    JavaScript only ``location`` is used.
    """

    location = forms.CharField(
        label=_("Your postal code or city"),
        help_text=_("For example 94301, or Madrid, Spain."),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "spellcheck": "false"}),
    )
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)

    def location_params(self) -> dict[str, str]:
        """The cleaned location as the geocoder's parameters (coordinates win over text)."""
        data = self.cleaned_data
        if data.get("lat") is not None and data.get("lon") is not None:
            return {"lat": str(data["lat"]), "lon": str(data["lon"])}
        if data.get("location"):
            return {"place": data["location"]}
        return {}

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("lat") is None) != (cleaned.get("lon") is None) or (
            "lat" in self.errors or "lon" in self.errors
        ):
            self.errors.pop("lat", None)
            self.errors.pop("lon", None)
            cleaned["lat"] = cleaned["lon"] = None
            if not cleaned.get("location"):
                self.add_error(
                    "location",
                    _("We could not use your device's location. Enter a postal code or a city."),
                )
        return cleaned
