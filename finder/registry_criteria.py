"""A registry record's criteria: every registered line, and the rules derived from the
record's structured fields.

ClinicalTrials.gov records carry free-text criteria and, beside them, a minimum and
maximum age, a sex, whether healthy volunteers are accepted and the conditions studied.

* Every line of the free text (split once, by :mod:`finder.criteria_lines`) is a
  criterion (``source`` ``line``) with the registry's wording as ``clinical_text``. It has
  no rule until one is reviewed, so it is ``not_checked``: the study team checks it.
* :func:`registry_criteria` turns the structured fields into rules (age, sex, the MS
  diagnosis, and the exclusion of primary progressive MS for trials of relapsing forms
  only; ``shared/clinical/ms-trials.md`` section 6.4).
* :func:`registry_trial_criteria` puts the two together: a derived rule attaches to the
  registered line that says exactly the same thing (the age line "Age 18 to 55 years"
  gets the age rule), instead of standing beside it as a second criterion; a derived
  rule that matches no line is a criterion of its own (``source`` ``registry``).

A curated criterion on the same facts supersedes a derived one, and a curated ruleset
supersedes the registered lines (``eligibility.services.criteria_replace``).

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

import functools
import math
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from eligibility.reader import READER_VERSION, Reading, read
from eligibility.reader.identity import line_hash

from .criteria_lines import CriterionLine, split_criteria
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
      qualify through one of those, so no MS requirement is derived);
    * the exclusion ``ms_course == "primary_progressive"`` when every listed condition is
      a relapsing form of MS, and nothing more: relapsing forms include active secondary
      progressive MS and clinically isolated syndrome.

    Each dict also says what it was derived from under ``derived`` (``age``, ``sex``,
    ``ms_diagnosis``, ``not_primary_progressive``).
    """
    criteria: list[dict] = []
    age = _age_criterion(minimum_age_years, maximum_age_years, minimum_age_text, maximum_age_text)
    if age:
        criteria.append({**age, "derived": "age"})
    if sex in ("FEMALE", "MALE"):
        criteria.append({**_sex_criterion(sex), "derived": "sex"})
    conditions = [c for c in conditions if c and c.strip()]
    if healthy_volunteers is False and conditions and all(map(is_ms_condition, conditions)):
        criteria.append(
            {
                "derived": "ms_diagnosis",
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
    if conditions and all(map(is_relapsing_ms_condition, conditions)):
        criteria.append(
            {
                "derived": "not_primary_progressive",
                "kind": "exclusion",
                "clinical_text": (
                    f"Condition studied: {'; '.join(conditions)} (from the registry record): "
                    "relapsing forms of MS only."
                ),
                "patient_text": "People with primary progressive MS",
                "patient_text_es": "Personas con EM primaria progresiva",
                "rule": {"fact": "ms_course", "op": "==", "value": "primary_progressive"},
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


_RELAPSING_RE = re.compile(r"\brelaps\w*|\brr-?ms\b|\brms\b", re.IGNORECASE)
_PROGRESSIVE_RE = re.compile(r"progressive|\b(?:sp|pp|pr)ms\b", re.IGNORECASE)


def is_relapsing_ms_condition(condition: str) -> bool:
    """Whether a registry condition names a relapsing form of MS only.

    "Relapsing Multiple Sclerosis", "Relapsing-Remitting Multiple Sclerosis", "Multiple
    Sclerosis, Relapsing-Remitting", "RRMS" are; "Multiple Sclerosis" (any form) and
    "Secondary Progressive Multiple Sclerosis" are not.
    """
    return (
        is_ms_condition(condition)
        and bool(_RELAPSING_RE.search(condition))
        and not _PROGRESSIVE_RE.search(condition)
    )


# --- the registered lines, and derived rules attached to them ---------------------------------


def line_requests(*, eligibility_text: str, conditions: Iterable[str]) -> list[tuple]:
    """What the reader is asked for each registered line of a text: the requests
    :func:`eligibility.reader.parallel.read_many` takes (an import reads a batch's lines
    at once and hands the readings to :func:`registry_trial_criteria`)."""
    conditions = tuple(conditions or ())
    return [_request(line, conditions) for line in _lines(eligibility_text)]


@functools.lru_cache(maxsize=512)
def _lines(eligibility_text: str) -> tuple[CriterionLine, ...]:
    """A text's registered lines (frozen), split once for an import batch's two uses."""
    return split_criteria(eligibility_text).lines


def _request(line: CriterionLine, conditions: tuple[str, ...]) -> tuple:
    return (line.text, line.kind, line.heading, tuple(line.items), conditions)


def registry_trial_criteria(
    *,
    eligibility_text: str,
    minimum_age_years: Decimal | None,
    maximum_age_years: Decimal | None,
    readings: Mapping[tuple, Reading] | None = None,
    **structured: Any,
) -> list[dict]:
    """Every criterion a registry record gives a trial, as criterion dicts with ``source``.

    ``structured`` are the other keyword arguments of :func:`registry_criteria` (the
    age texts, sex, healthy volunteers, conditions). The registered lines (``source``
    ``line``, no rule unless a derived rule attaches to the line) come in their order,
    then the derived rules that match no line (``source`` ``registry``). See the module
    docstring.
    """
    derived = registry_criteria(
        minimum_age_years=minimum_age_years, maximum_age_years=maximum_age_years, **structured
    )
    lines = _lines(eligibility_text) if isinstance(eligibility_text, str) else ()
    conditions = tuple(structured.get("conditions") or ())
    items = [_line_item(line, conditions, readings) for line in lines]
    alone = []
    taken: set[int] = set()
    for rule in derived:
        match = _attached_line(rule, lines, taken, minimum_age_years, maximum_age_years)
        if match is None:
            match = _line_read_as(rule, items, taken)
        del rule["derived"]
        if match is None:
            alone.append({**rule, "source": "registry"})
            continue
        taken.add(match)
        items[match].update(
            rule=rule["rule"],
            patient_text=rule["patient_text"],
            patient_text_es=rule["patient_text_es"],
            review_status="derived",
        )
    return items + alone


def _line_item(
    line: CriterionLine, conditions: tuple[str, ...], readings: Mapping[tuple, Reading] | None
) -> dict:
    """A registered line as a criterion dict, with the criteria reader's proposal for it
    (not live: a curator accepts it), or the reader's note on why there is none (from
    ``readings`` when the import read it already)."""
    reading = (readings or {}).get(_request(line, conditions)) or read(
        line.text,
        kind=line.kind,
        heading=line.heading,
        items=line.items,
        conditions=conditions,
    )
    proposal = reading.proposal
    return {
        "source": "line",
        "kind": line.kind,
        "order": line.order,
        "clinical_text": line.text,
        "line_hash": line_hash(line.kind, line.text),
        "patient_text": "",
        "patient_text_es": "",
        "rule": None,
        "review_status": "pending",
        "proposal_rule": proposal.rule if proposal else None,
        "proposal_patient_text": proposal.patient_text if proposal else "",
        "proposal_patient_text_es": proposal.patient_text_es if proposal else "",
        "proposal_pattern": proposal.pattern if proposal else "",
        "proposal_reason": proposal.reason if proposal else reading.note,
        "reader_version": READER_VERSION,
    }


# Words that say nothing beyond "who" or "when" in a line that states one fact.
_FILLER_TEXT = (
    "a an the and or of to at in on for by with as is are be must have has subject "
    "subjects patient patients participant participants person persons people individual "
    "individuals men women male female males females man woman both sexes sex gender who "
    "time screening visit baseline consent informed signing enrollment enrolment study "
    "entry inclusive inclusively"
)
_FILLER = frozenset(_FILLER_TEXT.split())
_AGE_WORDS_TEXT = "age aged ages year years yr yrs old between from through"
_AGE_WORDS = frozenset(_AGE_WORDS_TEXT.split())
# "18 or older" and "at least 18" say >=; a bare "over 18" or "less than 70" is strict
# and does not state the registered (inclusive) limits, so it keeps its own criterion.
_INCLUSIVE_PHRASES = re.compile(
    r"\b(?:or (?:older|above|over|more|greater)|and (?:older|above|over)|at least|"
    r"or (?:younger|less|under|below)|up to|(?:greater|more|less) than or equal to|to)\b"
    r"|[≥≤]|>=|<=|-|–",
    re.IGNORECASE,
)
_VISIT_NUMBER = re.compile(r"\bvisit\s*-?\s*\d+", re.IGNORECASE)
_MS_DIAGNOSIS_WORDS_TEXT = (
    "diagnosis diagnosed definite clinically confirmed established documented multiple "
    "sclerosis ms mcdonald mcdonald's criteria criterion according revised revision 2001 "
    "2005 2010 2017 per defined meeting meets meet fulfil fulfill fulfilling fulfills "
    "satisfying"
)
_MS_DIAGNOSIS_WORDS = frozenset(_MS_DIAGNOSIS_WORDS_TEXT.split())
_PRIMARY_PROGRESSIVE_WORDS_TEXT = (
    "primary progressive ppms ms multiple sclerosis diagnosis diagnosed form course type"
)
_PRIMARY_PROGRESSIVE_WORDS = frozenset(_PRIMARY_PROGRESSIVE_WORDS_TEXT.split())


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.casefold().replace("’", "'"))


def _only(text: str, allowed: frozenset[str], *, numbers: bool = False) -> bool:
    words = _words(text)
    return bool(words) and all(
        w in allowed or w in _FILLER or (numbers and re.fullmatch(r"\d+(?:\.\d+)?", w))
        for w in words
    )


def _attached_line(
    rule: dict,
    lines: tuple[CriterionLine, ...],
    taken: set[int],
    minimum: Decimal | None,
    maximum: Decimal | None,
) -> int | None:
    """The index of the registered line that states exactly the derived ``rule``, if any."""
    for index, line in enumerate(lines):
        if index in taken or line.kind != rule["kind"] or line.items or line.kind_inferred:
            continue
        if _states(rule["derived"], line.text, minimum, maximum):
            return index
    return None


def _line_read_as(rule: dict, items: list[dict], taken: set[int]) -> int | None:
    """The index of a registered line the criteria reader reads as exactly the derived
    ``rule`` (BEAT-MS's "Diagnosis of MS per the 2017 McDonald criteria" and its
    ``ms_diagnosis``), if any: the rule is live already, from the record's structured
    fields, so it is attached to that line instead of standing beside it as a second
    criterion checking the same thing."""
    for index, item in enumerate(items):
        same_kind = index not in taken and item["kind"] == rule["kind"]
        if same_kind and item["proposal_rule"] == rule["rule"]:
            return index
    return None


def _states(derived: str, text: str, minimum: Decimal | None, maximum: Decimal | None) -> bool:
    if derived == "age":
        plain = _INCLUSIVE_PHRASES.sub(" ", _VISIT_NUMBER.sub(" ", text))
        return _only(plain, _AGE_WORDS, numbers=True) and _numbers(plain) == _age_bounds(
            minimum, maximum
        )
    if derived == "ms_diagnosis":
        return _only(text, _MS_DIAGNOSIS_WORDS, numbers=True) and "sclerosis" in text.casefold()
    if derived == "not_primary_progressive":
        return _only(text, _PRIMARY_PROGRESSIVE_WORDS) and "primary" in text.casefold()
    return False


def _numbers(text: str) -> list[Decimal]:
    return [Decimal(n) for n in re.findall(r"\d+(?:\.\d+)?", text)]


def _age_bounds(minimum: Decimal | None, maximum: Decimal | None) -> list[Decimal]:
    return [bound for bound in (minimum, maximum) if bound is not None]


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
