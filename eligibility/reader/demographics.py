"""Age ranges and a sex restriction.

Ages are whole years (spec section 1), so "greater than 18" is read as 18 and over (an
18-year-old may be 18 and a half) and "less than 70" as 69 and under: an inclusion fails
only people every reading leaves out. "Between 18 and 55" includes both ends. "Men"
becomes "not female" and "women" "not male", so a patient who answered "other" is left to
the study team.
"""

from __future__ import annotations

import re

from .reading import Clause, comparison, quoted
from .subjects import BOTH_SEXES, PEOPLE

_PREFIX = rf"(?:{BOTH_SEXES} )?(?:{PEOPLE} )?(?:(?:who are|is|are|must be|should be|of|being) )?"
_AGE = r"(?:aged?|ages?)"
_YEARS = re.compile(r"\b(?:years? old|years? of age|yrs?|year)\b")
_ANCHOR = re.compile(
    r",? (?:at|on|prior to|before) (?:the )?(?:time (?:of )?(?:the )?)?"
    r"(?:informed consent|consent|the screening visit|screening visit(?: -?\d+)?|screening"
    r"|baseline|randomization|enrollment|study entry|entry|signing (?:of )?(?:the )?(?:informed"
    r" )?consent(?: form)?)(?: form)?(?: visit)?(?: -?\d+)?(?: is signed)?$"
)
_LOW = r"(?P<low>\d{1,3})"
_HIGH = r"(?P<high>\d{1,3})"

_RANGE = re.compile(
    rf"{_PREFIX}(?:{_AGE} )?(?:between )?(?:the ages? (?:of )?)?(?:{_AGE} )?{_LOW}(?: years)?"
    rf" ?(?:-|to|and|until) ?{_HIGH}(?: years)?"
)
_OVER = re.compile(
    rf"{_PREFIX}(?:{_AGE} )?(?:(?P<op>>=|>|greater than|more than|older than|over|above|at least"
    rf"|minimum(?: of)?|of at least) ?)?{_LOW}(?: years)?(?P<suffix> or (?:older|above|over|more)"
    r"| and (?:older|above|over))?"
)
_UNDER = re.compile(
    rf"{_PREFIX}(?:{_AGE} )?(?P<op><=|<|less than|younger than|under|below|up to|at most"
    rf"|no (?:more|older) than|maximum(?: of)?) ?{_HIGH}(?: years)?(?P<suffix> or (?:younger|less"
    rf"|under))?"
)
_BETWEEN_WORDS = re.compile(
    rf"{_PREFIX}(?:{_AGE} )?(?:greater|more|older) than {_LOW}(?: years)? and (?:less|younger) than"
    rf" {_HIGH}(?: years)?"
)

# A range whose ends carry their own signs or words: "aged >= 10 to < 18 years",
# ">= 18 and <= 55", "> 17 to < 56", "at least 18 and under 65". At least one end has one
# (a bare "18 to 55" is ``_RANGE``).
_LOW_OP = r"(?P<low_op>>=|>|greater than|more than|older than|at least|from|over|above)"
_HIGH_OP = (
    r"(?P<high_op><=|<|less than|younger than|under|below|up to|at most|no (?:more|older) than"
    r"|not (?:more|older) than)"
)
_BOUNDED_RANGE = re.compile(
    rf"{_PREFIX}(?:{_AGE} )?(?:(?:{_LOW_OP}) ?)?{_LOW}(?: years)?"
    rf"(?P<low_suffix> or (?:older|above|over|more))? ?(?:to|and|-) ?(?:(?:{_HIGH_OP}) ?)?{_HIGH}"
    rf"(?: years)?(?P<high_suffix> or (?:younger|less|under))?"
)
#: Bound words that leave out the age they name: an age is whole years, so "< 18" is 17
#: and under; "> 17" keeps 17 (a 17-year-old may be 17 and a half).
_OPEN_HIGH = ("<", "less than", "younger than", "under", "below")
_OPEN_LOW = (">", "greater than", "more than", "older than", "over", "above")

_SEX = re.compile(rf"(?P<word>men|male|males|women|female|females)(?: (?:{PEOPLE}))?(?: only)?")


_INCLUSIVE = re.compile(r",?\s*\(?(?:both )?inclusive\)?,?")


def _clean(text: str) -> tuple[str, bool]:
    """The age words without "inclusive" and the day they are counted on."""
    text = _YEARS.sub("years", text)
    inclusive = bool(_INCLUSIVE.search(text))
    text = _INCLUSIVE.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip(" ,")
    while True:
        shorter = _ANCHOR.sub("", text).strip(" ,")
        if shorter == text:
            return text, inclusive
        text = shorter


def _age_clause(low: int | None, high: int | None, words: str, note: str) -> Clause | None:
    if low is not None and high is not None:
        if not 0 <= low < high <= 120:
            return None
        rule = comparison("age", "between", [low, high])
        en, es = f"aged {low} to {high}", f"de {low} a {high} años"
    elif low is not None:
        if not 0 < low <= 120:
            return None
        rule = comparison("age", ">=", low)
        en, es = f"aged {low} or over", f"de {low} años o más"
    else:
        if high is None or not 0 <= high < 120:
            return None
        rule = comparison("age", "<=", high)
        en, es = f"aged {high} or under", f"de {high} años o menos"
    return Clause(rule, en, es, "age_range", f"Matched {quoted(words)} as an age range{note}.")


def read_age(text: str, kind: str) -> Clause | None:
    """ "Age 18 to 55 years, inclusive", "aged 18 years or above", "between 18-60"."""
    if "age" not in text and "year" not in text:
        return None
    clean, inclusive = _clean(text)
    if match := _RANGE.fullmatch(clean):
        low, high = int(match.group("low")), int(match.group("high"))
        note = "; bounds read as closed" if kind == "inclusion" else ""
        if kind == "exclusion" and not inclusive:
            return None  # an excluded age range: rare, and its ends are ambiguous
        return _age_clause(low, high, text, note)
    if match := _BETWEEN_WORDS.fullmatch(clean):
        low, high = int(match.group("low")), int(match.group("high")) - 1
        return _age_clause(
            low, high, text, '; "greater than" read as that age and over, "less than" as under it'
        )
    if kind != "inclusion":
        return None
    if (match := _BOUNDED_RANGE.fullmatch(clean)) and (
        match.group("low_op") or match.group("high_op")
    ):
        return _bounded_range(match, text)
    if (match := _OVER.fullmatch(clean)) and (match.group("op") or match.group("suffix")):
        note = ""
        if match.group("op") in (">", "greater than", "more than", "older than", "over", "above"):
            op, low = match.group("op"), match.group("low")
            note = f'; "{op}" read as {low} and over (ages are whole years)'
        return _age_clause(int(match.group("low")), None, text, note)
    if match := _UNDER.fullmatch(clean):
        high = int(match.group("high"))
        op = match.group("op")
        if op in ("<", "less than", "younger than", "under", "below"):
            high -= 1
        return _age_clause(None, high, text, "")
    return None


def _bounded_range(match: re.Match, words: str) -> Clause | None:
    """An inclusion range whose ends carry signs: each end read in whole years."""
    low, high = int(match.group("low")), int(match.group("high"))
    low_op, high_op = match.group("low_op"), match.group("high_op")
    notes = []
    if low_op in _OPEN_LOW:
        notes.append(f'"{low_op} {low}" read as {low} and over')
    if high_op in _OPEN_HIGH:
        high -= 1
        notes.append(f'"{high_op} {high + 1}" read as {high} and under')
    if not (low_op or match.group("low_suffix")) or not (high_op or match.group("high_suffix")):
        notes.append("bounds read as closed")
    note = "; " + ", ".join(notes) + " (ages are whole years)" if notes else ""
    return _age_clause(low, high, words, note)


def read_sex(text: str, kind: str) -> Clause | None:
    """ "Men", "female patients": an inclusion restricted to one sex."""
    if kind != "inclusion":
        return None
    match = _SEX.fullmatch(text)
    if not match:
        return None
    if match.group("word").startswith(("men", "male")):
        rule, en, es = comparison("sex", "!=", "female"), "who are men", "que son hombres"
    else:
        rule, en, es = comparison("sex", "!=", "male"), "who are women", "que son mujeres"
    return Clause(
        rule,
        en,
        es,
        "sex",
        f"Matched {quoted(text)} as a sex restriction; only the other sex is ruled out "
        "(an answer of 'other' is left to the study team).",
    )
