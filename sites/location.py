"""The patient's location, for every page and API: parse it, place it, keep it.

* **Parse and place.** :func:`origin_from_params` is the one place where location
  parameters (``postal_code`` with ``country``, ``place``, or ``lat`` and ``lon``) become an
  origin (a :class:`~sites.geocoding.Place`), with errors naming the parameter (under a
  ``prefix`` when the location is nested in a request body, ``location.postal_code``).
  :func:`origin_for_radius` refuses a radius given without a location.
  The APIs take the parameters through :class:`LocationInputSerializer` (nested) or their
  own query parameters; the pages through :class:`~sites.forms.LocationForm` and
  :func:`location_origin`.
* **Keep.** A place found for a patient is kept in the server-side session
  (:func:`location_remember`), so every page (search, trial page, questionnaire results,
  the contact form) ranks clinics from it without asking again; :func:`session_origin`
  reads it back. Nothing about the place goes into a URL.
* **Show.** :func:`distance_unit` picks miles or kilometres for the patient.
* **Did you mean.** A name of several places is the most populous one; the place keeps the
  others (``Place.alternatives``) and a ``note`` saying how the text was read. The APIs
  add both to their ``origin`` (:func:`origin_dict`); the pages show them with
  ``includes/place_alternatives.html`` as buttons that search again for one of them
  (:func:`location_origin` puts the other fields to send back on the form).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from rest_framework import serializers

from config.api import ApiInputError, StrictSerializer
from sites.countries import country_code_for
from sites.forms import LocationForm
from sites.geocoding import (
    AmbiguousPlace,
    Place,
    PlaceNotFound,
    UnplaceablePostalCode,
    coordinates_place,
    geocode,
)

#: The session key under which the patient's place is kept.
SESSION_ORIGIN = "origin"

LOCATION_PARAMS = ("postal_code", "country", "place", "lat", "lon")
#: Half the Earth's circumference: no two points are farther apart (the largest radius).
MAX_RADIUS_KM = 20_040.0


class LocationInputError(ApiInputError):
    """An unusable location in query parameters; ``errors`` maps parameter -> message.

    An ``ApiInputError`` (so a DRF view just lets it propagate to get the problem 400);
    web views can show ``errors`` next to their form fields.
    """

    def __init__(
        self, errors: dict[str, str], candidates: list[Place] | None = None, *, hint: str = ""
    ):
        super().__init__(errors)
        self.errors = errors
        self.candidates = candidates or []
        #: A message for the patient (translated) better than "not found", if any.
        self.hint = hint


def origin_from_params(
    params: Mapping[str, Any], *, required: bool = False, region: str | None = None
) -> Place | None:
    """The search origin from query parameters, or ``None`` when none was given.

    Accepts exactly one of: ``lat`` + ``lon``; ``postal_code`` (with optional ``country``);
    ``place`` (free text, with optional ``country``). Blank values count as absent, so a
    web form may send every field. Raises ``LocationInputError`` naming the parameter for
    non-numeric or out-of-range coordinates, one of lat/lon without the other, an unknown
    country, several kinds of location at once, or a place that cannot be found or is
    ambiguous. With ``required=True`` a missing location is an error too. A name of
    several places is the most populous one, with the others in ``alternatives``.
    ``region`` (see :func:`browser_region`) orders the readings of a postal code valid in
    two countries.
    """

    def text(name: str) -> str:
        value = params.get(name)
        return str(value).strip() if value is not None else ""

    lat, lon = text("lat"), text("lon")
    postal_code, place, country = text("postal_code"), text("place"), text("country")

    given = [
        name
        for name, present in (("lat", lat or lon), ("postal_code", postal_code), ("place", place))
        if present
    ]
    if len(given) > 1:
        raise LocationInputError(
            {given[1]: "Give one location: lat and lon, postal_code (with country), or place."}
        )
    if not given:
        if country:
            raise LocationInputError({"country": "country needs a postal_code or a place."})
        if required:
            raise LocationInputError({"place": "Enter a place, a postal code, or lat and lon."})
        return None

    if lat or lon:
        if country:
            raise LocationInputError({"country": "country cannot be combined with lat and lon."})
        if not lat:
            raise LocationInputError({"lat": "lat is required with lon."})
        if not lon:
            raise LocationInputError({"lon": "lon is required with lat."})
        latitude = _coordinate(lat, "lat", 90.0)
        longitude = _coordinate(lon, "lon", 180.0)
        return coordinates_place(latitude, longitude)

    if country and country_code_for(country) is None:
        raise LocationInputError({"country": f'Unknown country "{country}".'})
    name = "postal_code" if postal_code else "place"
    try:
        return geocode(
            query=place or None,
            postal_code=postal_code or None,
            country=country,
            pick_most_populous=True,
            region=region,
        )
    except AmbiguousPlace as error:
        raise LocationInputError({name: error.message}, error.candidates)
    except UnplaceablePostalCode as error:
        raise LocationInputError({name: error.message}, hint=error.message)
    except PlaceNotFound as error:
        raise LocationInputError({name: error.message})


def origin_for_radius(
    origin: Place | None, *, radius_km: float | None, field: str = "radius_km"
) -> Place | None:
    """``origin``, unless a radius was given without one: a radius needs a location (a 400
    naming ``field``). The one such check of every API that takes a radius."""
    if origin is None and radius_km is not None:
        raise ApiInputError({field: f"{field} needs a location."})
    return origin


def _coordinate(value: str, name: str, limit: float) -> float:
    try:
        number = float(value)
    except ValueError:
        raise LocationInputError({name: f"{name} must be a number."})
    if not math.isfinite(number):
        raise LocationInputError({name: f"{name} must be a finite number."})
    if not -limit <= number <= limit:
        raise LocationInputError({name: f"{name} must be between {-limit:g} and {limit:g}."})
    return number


def _prefixed(errors: dict[str, str], prefix: str) -> dict[str, str]:
    if not prefix:
        return errors
    return {f"{prefix}.{key}" if key else prefix: message for key, message in errors.items()}


def origin_from_request_location(
    location: Mapping[str, Any] | None, *, prefix: str = "location"
) -> Place | None:
    """The origin of a nested ``location`` object (already shape-checked), or ``None``.

    Errors name the field under ``prefix`` (``location.postal_code``).
    """
    given = {name: value for name, value in (location or {}).items() if value is not None}
    try:
        return origin_from_params(given)
    except LocationInputError as error:
        raise LocationInputError(
            _prefixed(error.errors, prefix), error.candidates, hint=error.hint
        ) from None


class LocationFields(serializers.Serializer):
    """The location parameters of every API, declared once (query parameters or a body)."""

    postal_code = serializers.CharField(required=False, max_length=20, help_text="e.g. 94301")
    country = serializers.CharField(
        required=False,
        max_length=60,
        help_text="Country name or ISO code for postal_code or place, e.g. US",
    )
    place = serializers.CharField(
        required=False,
        max_length=200,
        help_text='"City, State", "City, Country", a ZIP code, or "lat,lon"',
    )
    lat = serializers.FloatField(required=False, min_value=-90, max_value=90)
    lon = serializers.FloatField(required=False, min_value=-180, max_value=180)


class LocationInputSerializer(StrictSerializer, LocationFields):
    """One location: postal_code (with country), place, or lat and lon."""


def origin_dict(origin: Place | None) -> dict | None:
    """A placed origin as the APIs show it (``OriginSerializer`` documents it).

    When the text could be read another way, ``note`` says how it was read and
    ``alternatives`` lists the other places, each with the ``place`` text that asks for it
    alone; both are left out otherwise (docs/api.md).
    """
    if origin is None:
        return None
    out = {"latitude": origin.latitude, "longitude": origin.longitude, "label": origin.label}
    if origin.note:
        out["note"] = origin.note
    if origin.alternatives:
        out["alternatives"] = [
            {
                "latitude": alternative.latitude,
                "longitude": alternative.longitude,
                "label": alternative.label,
                "place": alternative.query,
            }
            for alternative in origin.alternatives
        ]
    return out


# --- the session -------------------------------------------------------------------------------


def location_remember(request: HttpRequest, place: Place, *, typed: str = "") -> None:
    """Keep the patient's place in the session (``typed`` is shown back in the box).

    The session is written only when the place changes: a patient paging through
    results with the place in the query string costs no session write a page.
    """
    entry = {
        **_place_entry(place),
        "typed": typed,
        "note": place.note,
        "alternatives": [_place_entry(alternative) for alternative in place.alternatives],
    }
    if request.session.get(SESSION_ORIGIN) != entry:
        request.session[SESSION_ORIGIN] = entry


def _place_entry(place: Place) -> dict:
    return {
        "latitude": place.latitude,
        "longitude": place.longitude,
        "label": place.label,
        "country_code": place.country_code,
        "query": place.search_text,
    }


def _place_from_entry(stored: Any) -> Place:
    return Place(
        latitude=float(stored["latitude"]),
        longitude=float(stored["longitude"]),
        label=str(stored["label"]),
        country_code=str(stored.get("country_code", "")),
        search_text=str(stored.get("query", "")),
    )


def session_origin(request: HttpRequest) -> Place | None:
    """The place found earlier in this session, or ``None`` (also for a damaged entry)."""
    stored = request.session.get(SESSION_ORIGIN)
    try:
        place = _place_from_entry(stored)
        alternatives = tuple(_place_from_entry(a) for a in stored.get("alternatives") or ())
        return replace(place, note=str(stored.get("note") or ""), alternatives=alternatives)
    except (TypeError, KeyError, ValueError, AttributeError):
        return None


def session_location_text(request: HttpRequest) -> str:
    """What the patient typed for the place kept in the session ("" if nothing)."""
    stored = request.session.get(SESSION_ORIGIN)
    return stored.get("typed", "") if isinstance(stored, dict) else ""


# --- the pages ---------------------------------------------------------------------------------


def bound_location_form(request: HttpRequest, data=None) -> LocationForm:
    """A location form bound to ``data``, the box showing what was typed before."""
    if data is None or not any(data.get(k) for k in ("location", "lat", "lon")):
        return LocationForm({"location": session_location_text(request)} if data is None else data)
    return LocationForm(data)


def location_origin(request: HttpRequest, form: LocationForm) -> Place | None:
    """The place a valid form names, remembered in the session; errors go on the form.

    An empty form means "use the place found earlier in this session", if any. The form's
    other fields (a search's condition) are put on it as ``carried_params``, for the
    "did you mean" buttons to send back with the place chosen.
    """
    form.carried_params = [
        (name, value)
        for name, value in form.cleaned_data.items()
        if name not in ("location", "lat", "lon", "page") and value not in (None, "")
    ]
    params = form.location_params()
    if not params:
        return session_origin(request)
    try:
        place = origin_from_params(params, region=browser_region(request))
    except LocationInputError as error:
        form.add_error("location", _location_message(form, error))
        return None
    location_remember(request, place, typed=params.get("place", ""))
    return place


def _location_message(form: LocationForm, error: LocationInputError) -> str:
    typed = form.cleaned_data.get("location") or ""
    if not typed:
        return _("We could not use your device's location. Enter a postal code or a city.")
    if error.hint:
        return error.hint
    if error.candidates:
        examples = "; ".join(c.label for c in error.candidates[:4])
        return _(
            "More than one place is called “%(place)s”. Add the state or the country, "
            "for example: %(examples)s."
        ) % {"place": typed, "examples": examples}
    return _(
        "We could not find “%(place)s”. Check the spelling, or enter a postal code, "
        "or a city with its state or country."
    ) % {"place": typed}


#: Where distances between places are given in miles: the United States, the United
#: Kingdom (road signs and everyday use), Liberia and Myanmar.
MILE_COUNTRIES = frozenset({"US", "GB", "LR", "MM"})


def browser_region(request: HttpRequest) -> str | None:
    """The country of the browser's first language ("es-ES" -> "ES", "en-GB" -> "GB"), or
    ``None`` when the first language names none ("es", "*")."""
    accept = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    first = accept.split(",", 1)[0].split(";", 1)[0].strip()
    parts = first.replace("_", "-").split("-")
    if len(parts) >= 2 and len(parts[-1]) == 2 and parts[-1].isalpha():
        return parts[-1].upper()
    return None


def distance_unit(request: HttpRequest, origin: Place | None) -> str:
    """Miles for patients in a country that gives distances in miles (the United States,
    the United Kingdom), kilometres everywhere else."""
    if origin is not None and origin.country_code:
        return "mi" if origin.country_code.upper() in MILE_COUNTRIES else "km"
    # Coordinates from the device carry no country: the browser's language region decides.
    return "mi" if browser_region(request) in MILE_COUNTRIES else "km"


def location_context(request: HttpRequest, form: LocationForm, origin: Place | None) -> dict:
    """What a page template needs to show the location box and distances."""
    return {
        "location_form": form,
        "origin": origin,
        "unit": distance_unit(request, origin),
    }
