"""Criteria derived from a registry record's structured eligibility fields.

ClinicalTrials.gov records carry, besides the free-text criteria, a minimum and maximum
age, a sex and whether healthy volunteers are accepted. :func:`registry_criteria` turns
those into criterion dicts in the rule language (``eligibility.engine.rules``), with
patient-facing text in English and Spanish, for ``criteria_replace(source="registry")``.
The free text stays for curators; a curated criterion on the same facts supersedes a
derived one (``criteria_replace`` drops it).

Plain Python, no Django import.

Ages. The ``age`` fact is in whole years, while the registry may give "6 Months" or
"18 Months". A person whose whole-year age is ``a`` is really between ``a`` and ``a+1``,
so both bounds are rounded *down* (``floor``): a minimum of 6 months becomes no lower
bound at all (age >= 0 excludes nobody), a maximum of 18 months becomes ``age <= 1``.
This never rules out someone the registry would accept; the few it lets through at
the edges are settled by the study team's screening, which is the conservative error
for a finder. The patient text states the registered limit, not the rounded one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from decimal import Decimal

from .ctgov import split_age

#: The ``age`` fact's domain (``eligibility.engine.facts``): bounds outside it restrict nobody.
AGE_MIN, AGE_MAX = 0, 120

_MS_CONDITION_RE = re.compile(r"\bmultiple sclerosis\b|\b(?:rr|sp|pp|r)?ms\b", re.IGNORECASE)

_UNIT_WORDS = {
    "en": {
        "year": ("year", "years"),
        "month": ("month", "months"),
        "week": ("week", "weeks"),
        "day": ("day", "days"),
        "hour": ("hour", "hours"),
        "minute": ("minute", "minutes"),
    },
    "es": {
        "year": ("año", "años"),
        "month": ("mes", "meses"),
        "week": ("semana", "semanas"),
        "day": ("día", "días"),
        "hour": ("hora", "horas"),
        "minute": ("minuto", "minutos"),
    },
}


def registry_criteria(
    *,
    minimum_age_years: Decimal | None,
    maximum_age_years: Decimal | None,
    minimum_age_text: str = "",
    maximum_age_text: str = "",
    sex: str = "ALL",
    healthy_volunteers: bool | None = None,
    conditions: Iterable[str] = (),
) -> list[dict]:
    """Inclusion criteria for the registry's structured fields, as criterion dicts.

    Each dict has ``kind``, ``order``, ``clinical_text``, ``patient_text``,
    ``patient_text_es`` and ``rule``. Produces, when the fields call for it:

    * an age criterion (``>=``, ``<=`` or ``between`` on ``age``, bounds rounded down
      to whole years as the module docstring explains);
    * a sex criterion for FEMALE or MALE (``sex in [...]``);
    * ``ms_diagnosis == "yes"`` when healthy volunteers are not accepted and every listed
      condition is multiple sclerosis (with other conditions listed, a patient may
      qualify through one of those, so no MS requirement is derived).
    """
    criteria: list[dict] = []
    age = _age_criterion(minimum_age_years, maximum_age_years, minimum_age_text, maximum_age_text)
    if age:
        criteria.append(age)
    if sex in ("FEMALE", "MALE"):
        criteria.append(_sex_criterion(sex))
    conditions = [c for c in conditions if c and c.strip()]
    if healthy_volunteers is False and conditions and all(map(is_ms_condition, conditions)):
        criteria.append(
            {
                "kind": "inclusion",
                "clinical_text": (
                    "Healthy volunteers: no. Condition studied: "
                    f"{'; '.join(conditions)} (from the registry record)."
                ),
                "patient_text": "People whose neurologist has diagnosed multiple sclerosis",
                "patient_text_es": (
                    "Personas a las que un neurólogo ha diagnosticado esclerosis múltiple"
                ),
                "rule": {"fact": "ms_diagnosis", "op": "==", "value": "yes"},
            }
        )
    # Numbered from 1; criteria_replace(source="registry") moves them past the curated
    # numbering (REGISTRY_ORDER_OFFSET) so the two never collide.
    for order, criterion in enumerate(criteria, start=1):
        criterion["order"] = order
    return criteria


def is_ms_condition(condition: str) -> bool:
    """Whether a registry condition names multiple sclerosis ("Relapsing MS", "RRMS")."""
    return bool(_MS_CONDITION_RE.search(condition))


def whole_year_bound(years: Decimal | None) -> int | None:
    """The whole-year bound for an age limit in years (rounded down), ``None`` for none."""
    return None if years is None else math.floor(years)


def _age_criterion(
    min_years: Decimal | None, max_years: Decimal | None, min_text: str, max_text: str
) -> dict | None:
    low = whole_year_bound(min_years)
    high = whole_year_bound(max_years)
    if low is not None and low <= AGE_MIN:
        low = None  # "age >= 0" restricts nobody
    if high is not None and high >= AGE_MAX:
        high = None
    if low is None and high is None:
        return None

    # Units are spelt out on both bounds unless both are plain years ("18 to 55").
    plain = all(
        _is_whole_years(years, text)
        for years, text in ((min_years, min_text), (max_years, max_text))
        if years is not None
    )
    en_low, es_low = _age_words(min_years, min_text, plain)
    en_high, es_high = _age_words(max_years, max_text, plain)
    if low is not None and high is not None:
        rule = {"fact": "age", "op": "between", "value": [low, high]}
    elif low is not None:
        rule = {"fact": "age", "op": ">=", "value": low}
    else:
        rule = {"fact": "age", "op": "<=", "value": high}
    # The text states the registered limits, even one the rule had to drop ("6 months").
    if min_years and max_years is not None:
        # Spanish names the unit once after a plain range: "de 18 a 55 años".
        es_low = es_low.removesuffix(" años") if plain else es_low
        en, es = f"People aged {en_low} to {en_high}", f"Personas de {es_low} a {es_high}"
    elif min_years:
        en, es = f"People aged {en_low} or older", f"Personas de {es_low} o más"
    else:
        en, es = f"People aged {en_high} or younger", f"Personas de {es_high} o menos"
    limits = [
        f"{label} {text or _years_text(years)}"
        for label, years, text in (
            ("minimum age", min_years, min_text),
            ("maximum age", max_years, max_text),
        )
        if years is not None
    ]
    return {
        "kind": "inclusion",
        "clinical_text": f"Registry record: {', '.join(limits)}.",
        "patient_text": en,
        "patient_text_es": es,
        "rule": rule,
    }


def _is_whole_years(years: Decimal, text: str) -> bool:
    parts = _split(text)
    unit = parts[1] if parts else "year"
    return unit == "year" and years == years.to_integral_value()


def _age_words(years: Decimal | None, text: str, plain: bool) -> tuple[str, str]:
    if years is None:
        return "", ""
    if plain:
        number = str(int(years))
        return number, f"{number} {'año' if number == '1' else 'años'}"
    number, unit = _split(text) or (years, "year")
    shown = format(number.normalize(), "f")
    index = 0 if number == 1 else 1
    return (
        f"{shown} {_UNIT_WORDS['en'][unit][index]}",
        f"{shown} {_UNIT_WORDS['es'][unit][index]}",
    )


def _split(text: str) -> tuple[Decimal, str] | None:
    try:
        return split_age(text) if text else None
    except ValueError:
        return None


def _years_text(years: Decimal) -> str:
    return f"{format(years.normalize(), 'f')} Years"


def _sex_criterion(sex: str) -> dict:
    code = sex.lower()
    en, es = {
        "female": ("People of female sex", "Personas de sexo femenino"),
        "male": ("People of male sex", "Personas de sexo masculino"),
    }[code]
    return {
        "kind": "inclusion",
        "clinical_text": f"Sex: {sex} (from the registry record).",
        "patient_text": en,
        "patient_text_es": es,
        "rule": {"fact": "sex", "op": "in", "value": [code]},
    }
