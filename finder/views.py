"""Patient-facing pages: home, trial search and the trial page.

Views are thin: they read the request, call a selector (``sites.selectors`` for anything
about distance) and render. The patient's location is ``sites.location``'s: found once,
kept in the session, so every page can rank clinics from it without asking again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from sites.geocoding import Place
from sites.location import (
    bound_location_form,
    distance_unit,
    location_context,
    location_origin,
    session_location_text,
)
from sites.selectors import nearest_recruiting, trial_sites_ranked

from .forms import TrialSearchForm
from .selectors import trial_criteria_ordered, trial_for_detail, trials_nearest

RESULTS_PER_PAGE = 10
CRITERIA_SHOWN = 3
SITES_SHOWN = 5


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
    criteria = trial_criteria_ordered(trial=trial)
    lang = request.LANGUAGE_CODE
    rows = [criterion_row(c, lang) for c in criteria]
    inclusion = [row for row in rows if row.kind == "inclusion"]
    exclusion = [row for row in rows if row.kind == "exclusion"]
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
            "criteria_checked": sum(row.checked for row in rows),
            "criteria_total": len(rows),
            **location_context(request, form, origin),
        },
        status=400 if form.errors else 200,
    )


@dataclass(frozen=True)
class CriterionRow:
    """A criterion as the trial page lists it.

    ``registered`` when no plain wording exists in the page's language and the text is
    the registry's own (shown as registered, in English); ``checked`` when the service
    checks it against a patient's answers (it has a rule).
    """

    kind: str
    text: str
    registered: bool
    in_english: bool
    checked: bool


def criterion_row(criterion, lang: str) -> CriterionRow:
    spanish = lang.startswith("es")
    plain = criterion.patient_text_es if spanish else criterion.patient_text
    return CriterionRow(
        kind=criterion.kind,
        text=criterion.text_for(lang),
        registered=not criterion.patient_text,
        in_english=spanish and not plain,
        checked=criterion.is_checked,
    )


@dataclass(frozen=True)
class FirstAndMore:
    """A list cut for display: the first few, and the rest behind a "see N more"."""

    first: list
    more: list

    def __bool__(self) -> bool:
        return bool(self.first)


def first_and_more(items: list, count: int) -> FirstAndMore:
    return FirstAndMore(first=list(items[:count]), more=list(items[count:]))
