"""Patient-facing pages: home, trial search and the trial page.

Views are thin: they read the request, call a selector (``sites.selectors`` for anything
about distance, the geocoder for places) and render. The one thing they add is the
patient's location, kept in the session once it has been found so every page (trial,
questionnaire results) can rank clinics from it without asking again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from sites.geocoding import LocationInputError, Place, origin_from_params
from sites.models import SiteStatus
from sites.selectors import trial_sites_ranked

from .forms import LocationForm, TrialSearchForm
from .selectors import trial_for_detail, trials_nearest

RESULTS_PER_PAGE = 10
CRITERIA_SHOWN = 3
SITES_SHOWN = 5
SESSION_ORIGIN = "origin"


# --- the patient's location -------------------------------------------------------------


def location_origin(request: HttpRequest, form: LocationForm) -> Place | None:
    """The place the (valid) form names, remembered in the session; errors go on the form.

    An empty form means "use the place found earlier in this session", if any.
    """
    params = form.location_params()
    if not params:
        return session_origin(request)
    try:
        place = origin_from_params(params)
    except LocationInputError as error:
        form.add_error("location", _location_message(form, error))
        return None
    request.session[SESSION_ORIGIN] = {
        "latitude": place.latitude,
        "longitude": place.longitude,
        "label": place.label,
        "country_code": place.country_code,
        "typed": params.get("place", ""),
    }
    return place


def _location_message(form: LocationForm, error: LocationInputError) -> str:
    typed = form.cleaned_data.get("location") or ""
    if not typed:
        return _("We could not use your device's location. Enter a postal code or a city.")
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


def session_origin(request: HttpRequest) -> Place | None:
    """The location found earlier in this session, or None."""
    stored = request.session.get(SESSION_ORIGIN)
    if not stored:
        return None
    return Place(
        latitude=stored["latitude"],
        longitude=stored["longitude"],
        label=stored["label"],
        country_code=stored.get("country_code", ""),
    )


def session_location_text(request: HttpRequest) -> str:
    stored = request.session.get(SESSION_ORIGIN) or {}
    return stored.get("typed", "")


def distance_unit(request: HttpRequest, origin: Place | None) -> str:
    """Miles for patients in the United States, kilometres everywhere else."""
    if origin is not None and origin.country_code:
        return "mi" if origin.country_code.upper() == "US" else "km"
    # Coordinates from the device carry no country: the browser's language region decides.
    accept = request.META.get("HTTP_ACCEPT_LANGUAGE", "").lower()
    first = accept.split(",", 1)[0].split(";", 1)[0].strip()
    return "mi" if first.endswith("-us") else "km"


def location_context(request: HttpRequest, form: LocationForm, origin: Place | None) -> dict:
    return {
        "location_form": form,
        "origin": origin,
        "unit": distance_unit(request, origin),
    }


def bound_location_form(request: HttpRequest, data=None) -> LocationForm:
    """A location form bound to ``data``, the location box showing what was typed before."""
    if data is None or not any(data.get(k) for k in ("location", "lat", "lon")):
        return LocationForm({"location": session_location_text(request)} if data is None else data)
    return LocationForm(data)


# --- pages --------------------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    form = TrialSearchForm(initial={"location": session_location_text(request)})
    return render(request, "finder/home.html", {"form": form})


class RankedTrials:
    """The search ranking as a sequence the paginator slices: one query per page."""

    def __init__(self, *, condition: str, origin: Place | None):
        self.condition = condition
        self.origin = origin
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            _rows, self._count = trials_nearest(
                origin=self.origin, condition=self.condition, limit=0
            )
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, page: slice) -> list:
        rows, self._count = trials_nearest(
            origin=self.origin,
            condition=self.condition,
            limit=page.stop - page.start,
            offset=page.start,
        )
        return rows


def trial_search(request: HttpRequest) -> HttpResponse:
    if request.GET:
        form = TrialSearchForm(request.GET)
    else:
        form = TrialSearchForm({"location": session_location_text(request)})
    origin = None
    ranking: Any = []
    if form.is_valid():
        origin = location_origin(request, form)
        if not form.errors:
            ranking = RankedTrials(condition=form.condition_value(), origin=origin)
    page = Paginator(ranking, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "finder/trial_search.html",
        {
            "form": form,
            "condition": form.condition_value() if form.is_valid() else "",
            "page_obj": page,
            "origin": origin,
            "unit": distance_unit(request, origin),
        },
        status=400 if form.errors else 200,
    )


def trial_detail(request: HttpRequest, nct_id: str) -> HttpResponse:
    if nct_id != nct_id.upper():
        return redirect("finder:trial_detail", nct_id=nct_id.upper(), permanent=True)
    trial = trial_for_detail(nct_id=nct_id)
    if trial is None:
        raise Http404
    form = bound_location_form(request, request.GET or None)
    origin = location_origin(request, form) if form.is_valid() else None
    ranked = trial_sites_ranked(trial=trial, origin=origin)
    criteria = list(trial.criteria.all())
    lang = request.LANGUAGE_CODE
    inclusion = [c.text_for(lang) for c in criteria if c.kind == "inclusion"]
    exclusion = [c.text_for(lang) for c in criteria if c.kind == "exclusion"]
    nearest = nearest_recruiting(ranked) if origin is not None else None
    return render(
        request,
        "finder/trial_detail.html",
        {
            "trial": trial,
            "arms": list(trial.arms.all()),
            "interventions": list(trial.interventions.all()),
            "inclusion": first_and_more(inclusion, CRITERIA_SHOWN),
            "exclusion": first_and_more(exclusion, CRITERIA_SHOWN),
            "sites": first_and_more(ranked, SITES_SHOWN),
            "nearest_site": nearest,
            "other_locations": len(ranked) - 1 if nearest else len(ranked),
            "can_check": bool(criteria),
            **location_context(request, form, origin),
        },
        status=400 if form.errors else 200,
    )


def nearest_recruiting(ranked: list) -> Any:
    """The first recruiting site of a ranked list that has a distance, or None."""
    for site in ranked:
        if site.status == SiteStatus.RECRUITING and site.distance_km is not None:
            return site
    return None


@dataclass(frozen=True)
class FirstAndMore:
    """A list cut for display: the first few, and the rest behind a "see N more"."""

    first: list
    more: list

    def __bool__(self) -> bool:
        return bool(self.first)


def first_and_more(items: list, count: int) -> FirstAndMore:
    return FirstAndMore(first=list(items[:count]), more=list(items[count:]))
