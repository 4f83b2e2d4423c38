"""Patient-facing pages: home, trial search and the trial page.

Views are thin: they read the request, call a selector (``sites.selectors`` for anything
about distance) and render. The patient's location is ``sites.location``'s: found once,
kept in the session, so every page can rank clinics from it without asking again.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

import sites
from sites.geocoding import Place
from sites.location import (
    bound_location_form,
    distance_unit,
    location_context,
    location_origin,
    session_location_text,
)
from sites.ranking import KM_PER_MILE
from sites.selectors import (
    RankedSite,
    SiteArea,
    SiteContact,
)

from .forms import TrialSearchForm
from .selectors import (
    CARD_UNUSED_TRIAL_FIELDS,
    trial_for_detail,
    trial_page_content,
    trial_page_content_version,
    trial_page_sites,
    trial_page_sites_version,
    trials_nearest,
)

RESULTS_PER_PAGE = 10
CRITERIA_SHOWN = 3
#: Sites a page of a trial's site list shows (recruiting ones and the others, each).
SITES_PER_PAGE = 10
#: The distances a patient can keep a trial's clinics within, in their unit (mi or km).
SITE_DISTANCES = (10, 25, 50, 100, 250, 500)
#: Query parameters that name the patient's place: kept out of the site list's links (the
#: place is in the session already).
LOCATION_PARAMS = ("location", "lat", "lon")
#: The query parameters of a trial page whose HTML may be kept in the cache (a page of
#: the site list, its filters), and the longest query string kept.
CACHED_SITE_PARAMS = frozenset({"page", "other_page", "country", "state", "within"})
CACHED_QUERY_MAX = 200
#: What shapes the cached fragments besides their keys: the templates, the translations
#: and the code that builds their context. Their contents make a part of every key, so
#: a deploy that changes any of them never serves a fragment rendered before it.
FRAGMENT_SOURCES = (
    *settings.TEMPLATES[0]["DIRS"],
    *settings.LOCALE_PATHS,
    Path(__file__).parent,
    Path(sites.__file__).parent,
)


@functools.cache
def fragments_version() -> str:
    digest = hashlib.blake2b(digest_size=8)
    for root in FRAGMENT_SOURCES:
        for path in sorted(Path(root).rglob("*")):
            if path.suffix in {".html", ".mo", ".py"} and path.is_file():
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


# --- pages --------------------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    form = TrialSearchForm(initial={"location": session_location_text(request)})
    return render(request, "finder/home.html", {"form": form})


class RankedTrials:
    """The search ranking as a sequence the paginator slices.

    Counting needs the ranking, and so does a page: the count reads the ``expected``
    page with it (the one the query string asks for), so that page costs one ranking.
    """

    def __init__(self, *, condition: str, origin: Place | None, expected: slice):
        self.condition = condition
        self.origin = origin
        self.expected = expected
        self._count: int | None = None
        self._read: dict[int, tuple[int, list]] = {}

    def count(self) -> int:
        if self._count is None:
            self.rows(self.expected)
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, page: slice) -> list:
        return self.rows(page)

    def rows(self, page: slice) -> list:
        # The paginator cuts the last page at the count: a shorter slice of a page read.
        stop, rows = self._read.get(page.start, (-1, []))
        if page.stop > stop:
            rows, self._count = trials_nearest(
                origin=self.origin,
                condition=self.condition,
                limit=page.stop - page.start,
                offset=page.start,
                deferred_fields=CARD_UNUSED_TRIAL_FIELDS,
            )
            self._read[page.start] = (page.stop, rows)
        return rows[: page.stop - page.start]


def requested_page(number: str | None, per_page: int) -> slice:
    """The rows of the page ``number`` asks for; the first page's for anything else."""
    index = int(number) - 1 if number and number.isdigit() and int(number) > 0 else 0
    return slice(index * per_page, (index + 1) * per_page)


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
            ranking = RankedTrials(
                condition=form.condition_value(),
                origin=origin,
                expected=requested_page(request.GET.get("page"), RESULTS_PER_PAGE),
            )
    page = Paginator(ranking, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "finder/trial_search.html",
        {
            "form": form,
            "condition": form.condition_value() if form.is_valid() else "",
            "page_obj": page,
            "page_links": page_links(page),
            "origin": origin,
            "unit": distance_unit(request, origin),
        },
        status=400 if form.errors else 200,
    )


def page_links(page: Page) -> list:
    """The page numbers a page list shows: the ends and two either side of ``page``,
    ``Paginator.ELLIPSIS`` for each run left out (a search can have thousands)."""
    return list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))


def trial_detail(request: HttpRequest, nct_id: str) -> HttpResponse:
    if nct_id != nct_id.upper():
        return redirect("finder:trial_detail", nct_id=nct_id.upper(), permanent=True)
    trial = trial_for_detail(nct_id=nct_id, for_page=True)
    if trial is None:
        raise Http404
    typed = any(key in request.GET for key in LOCATION_PARAMS)
    form = bound_location_form(request, request.GET if typed else None)
    origin = location_origin(request, form) if form.is_valid() else None
    content = trial_page_content(trial=trial)
    criteria = content.criteria
    lang = request.LANGUAGE_CODE
    rows = [criterion_row(c, lang) for c in criteria]
    inclusion = [row for row in rows if row.kind == "inclusion"]
    exclusion = [row for row in rows if row.kind == "exclusion"]
    location = location_context(request, form, origin)
    return render(
        request,
        "finder/trial_detail.html",
        {
            "trial": trial,
            "arms": content.arms,
            "interventions": content.interventions,
            "inclusion": first_and_more(inclusion, CRITERIA_SHOWN),
            "exclusion": first_and_more(exclusion, CRITERIA_SHOWN),
            "can_check": bool(criteria),
            "criteria_checked": sum(row.checked for row in rows),
            "criteria_total": len(rows),
            **location,
            **trial_sites_context(request, trial=trial, origin=origin),
            "page_cache": trial_page_cache_keys(
                request, trial=trial, form=form, origin=origin, unit=location["unit"]
            ),
        },
        status=400 if form.errors else 200,
    )


def trial_page_cache_keys(
    request: HttpRequest, *, trial, form, origin: Place | None, unit: str
) -> dict[str, str]:
    """The cache keys (``{% cache %}``'s vary-on) of the trial page's fragments that are
    the same for every visitor: ``content`` (the purpose, the criteria and the
    treatments: the trial's content version and the language), and, for a visitor with
    no place and nothing typed, ``form`` (the empty location form) and ``sites`` (the
    site list, its filters and pages: the versions, the language, the unit and the query
    string, when it holds only the site list's parameters); each with
    :func:`fragments_version`. A fragment without a key is rendered every time; nothing
    the patient typed or was located at is ever a key."""
    lang = request.LANGUAGE_CODE
    content = f"{fragments_version()}:{trial_page_content_version(trial)}:{lang}"
    keys = {"content": content}
    if origin is not None or form.errors or any(form.data.get(k) for k in LOCATION_PARAMS):
        return keys
    keys["form"] = f"{fragments_version()}:{lang}:{request.path}"
    query = request.META.get("QUERY_STRING", "")
    if len(query) <= CACHED_QUERY_MAX and all(
        key in CACHED_SITE_PARAMS and len(values) == 1 for key, values in request.GET.lists()
    ):
        keys["sites"] = f"{content}:{trial_page_sites_version(trial)}:{unit}:{request.path}?{query}"
    return keys


# --- the trial page's sites ------------------------------------------------------------


@dataclass(frozen=True)
class SiteFilters:
    """The filters of a trial's site list, from the query string; unknown values are
    dropped, so a filter is always one the page offers. ``within`` is in the page's unit;
    ``states`` are the chosen country's (name, recruiting sites), for the state list."""

    country: str = ""
    state: str = ""
    within: int | None = None
    states: tuple[tuple[str, int], ...] = ()

    @property
    def active(self) -> bool:
        return bool(self.country or self.state or self.within)

    def radius_km(self, unit: str) -> float | None:
        if self.within is None:
            return None
        return self.within * KM_PER_MILE if unit == "mi" else float(self.within)


def site_filters(params: Mapping[str, str], *, areas: list[SiteArea], located: bool) -> SiteFilters:
    """The filters ``params`` ask for, kept to the trial's ``areas`` (a state only within
    its country) and, for a distance, to a located patient."""
    area = next((a for a in areas if a.country == params.get("country")), None)
    if area is None:
        return SiteFilters(within=_site_distance(params, located))
    state = params.get("state", "")
    return SiteFilters(
        country=area.country,
        state=state if state in dict(area.states) else "",
        within=_site_distance(params, located),
        states=area.states,
    )


def _site_distance(params: Mapping[str, str], located: bool) -> int | None:
    within = params.get("within", "")
    if not located or within not in {str(d) for d in SITE_DISTANCES}:
        return None
    return int(within)


def site_distance_choices(unit: str) -> list[tuple[int, str]]:
    """("Within 25 mi", ...) for the distance filter, in the patient's unit."""
    label = pgettext("unit", "mi") if unit == "mi" else pgettext("unit", "km")
    return [(d, _("Within %(distance)s") % {"distance": f"{d} {label}"}) for d in SITE_DISTANCES]


@dataclass(frozen=True)
class SiteRow:
    """A recruiting site as the list shows it: with its registry contact, and a ``tel:``
    link when the phone number is a valid one as written ("" otherwise)."""

    site: RankedSite
    contact: SiteContact | None
    phone_href: str


def site_row(site: RankedSite, contact: SiteContact | None) -> SiteRow:
    href = phone_href(contact.phone, site.country_code) if contact else ""
    return SiteRow(site=site, contact=contact, phone_href=href)


def phone_href(phone: str, country_code: str) -> str:
    """``tel:+1-202-745-8000;ext=55828`` for a registry number, read in the site's
    country; "" for one that is not a valid number (it is then shown as written)."""
    if not phone:
        return ""
    try:
        number = phonenumbers.parse(phone, country_code.upper() or None)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.RFC3966)


@dataclass(frozen=True)
class PageLink:
    """One entry of a page list: a page number (with its link unless it is the current
    page), or a gap ("…")."""

    label: str
    url: str = ""
    current: bool = False


@dataclass(frozen=True)
class PageNav:
    links: list[PageLink]
    previous_url: str
    next_url: str

    def __bool__(self) -> bool:
        return len(self.links) > 1


def page_nav(request: HttpRequest, page: Page, *, param: str, anchor: str) -> PageNav:
    """Links to the other pages of ``page``'s list: the query string with ``param`` set
    and without the patient's place, to ``#anchor``; a long run is elided."""

    def url(number: int) -> str:
        query = request.GET.copy()
        for key in LOCATION_PARAMS:
            query.pop(key, None)
        query[param] = str(number)
        return f"?{query.urlencode()}#{anchor}"

    links = []
    for number in page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1):
        if not isinstance(number, int):
            links.append(PageLink(label=str(number)))
        elif number == page.number:
            links.append(PageLink(label=str(number), current=True))
        else:
            links.append(PageLink(label=str(number), url=url(number)))
    return PageNav(
        links=links,
        previous_url=url(page.previous_page_number()) if page.has_previous() else "",
        next_url=url(page.next_page_number()) if page.has_next() else "",
    )


def trial_sites_context(request: HttpRequest, *, trial, origin: Place | None) -> dict:
    """The trial page's sites: the nearest recruiting one, then a filtered page of the
    recruiting sites (with their contacts) and a page of the others, each paged apart."""
    unit = distance_unit(request, origin)
    site_list, all_contacts = trial_page_sites(trial=trial, origin=origin)
    filters = site_filters(request.GET, areas=site_list.areas, located=origin is not None)
    shown = site_list.filtered(
        country=filters.country, state=filters.state, radius_km=filters.radius_km(unit)
    )
    recruiting = Paginator(shown.recruiting, SITES_PER_PAGE).get_page(request.GET.get("page"))
    others = Paginator(shown.not_recruiting, SITES_PER_PAGE).get_page(request.GET.get("other_page"))
    # The filters are the same for every visitor with the same choices (the trial's
    # countries and states, checked; a distance among SITE_DISTANCES) and the same unit;
    # whether the visitor has a place is all they show of it.
    filters_key = ":".join(
        (
            fragments_version(),
            trial_page_sites_version(trial),
            request.LANGUAGE_CODE,
            unit,
            str(origin is not None),
            request.path,
            filters.country,
            filters.state,
            str(filters.within),
        )
    )
    return {
        "site_list": site_list,
        "site_filters": filters,
        "site_filters_cache_key": filters_key,
        "site_distances": site_distance_choices(unit),
        "nearest_site": site_list.nearest,
        "other_locations": site_list.other_locations,
        "recruiting_page": recruiting,
        "recruiting_rows": [site_row(site, all_contacts.get(site.id)) for site in recruiting],
        # An illustrative list has no registry contacts to show, or to say are missing.
        "show_contacts": not trial.sites_are_illustrative,
        "recruiting_nav": page_nav(request, recruiting, param="page", anchor="recruiting-sites"),
        "others_page": others,
        "others_nav": page_nav(request, others, param="other_page", anchor="other-sites"),
    }


@dataclass(frozen=True)
class CriterionRow:
    """A criterion as the trial page lists it.

    ``registered`` when no plain wording exists in the page's language and the text is
    the registry's own (shown as registered, in English); ``checked`` when the service
    checks it against a patient's answers (it has a rule); ``partly`` when that rule reads
    only part of the line (the study team checks the rest).
    """

    kind: str
    text: str
    registered: bool
    in_english: bool
    checked: bool
    partly: bool = False


def criterion_row(criterion, lang: str) -> CriterionRow:
    spanish = lang.startswith("es")
    plain = criterion.patient_text_es if spanish else criterion.patient_text
    return CriterionRow(
        kind=criterion.kind,
        text=criterion.text_for(lang),
        registered=not criterion.patient_text,
        in_english=spanish and not plain,
        checked=criterion.is_checked,
        partly=criterion.is_partly_checked,
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
