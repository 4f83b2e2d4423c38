"""Time windows in registry wording ("within 30 days", "in the 6 months before screening").

A window in days or weeks is exact. A month is 28 to 31 days, depending on the month and on
the protocol (a calendar month, 30 days, or 4 weeks, as many visit schedules count: "Month
6" is week 24); a year is 365 or 366 days. A rule must rule out only people every reading
rules out, so a window has two readings:

- :meth:`Window.shortest` (months as 28 days, years as 365): used where the rule rules a
  patient out *inside* the window ("no steroids within 3 months" fails a dose within 84
  days, which is within 3 months whatever a month is);
- :meth:`Window.longest` (months as 31 days, years as 366): used where the rule rules a
  patient out *outside* it ("at least one relapse within 18 months" fails a last relapse
  more than 558 days ago, which is outside 18 months whatever a month is).

Between the two readings the rule lets the patient through and the study team decides; the
patient text says the number of days the rule uses ("the past 84 days (about 3 months)").

The window is measured back from the day the patient checks, not from the protocol's
screening or randomisation day, which is still to come (spec section 6.1 defines "within N
days" that way); the anchor words are read and named in the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from eligibility.engine.facts import format_number

_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "fourteen": 14, "eighteen": 18, "twenty-four": 24, "thirty": 30, "sixty": 60,
    "ninety": 90,
}  # fmt: skip
NUMBER = r"(?:\d+(?:\.\d+)?|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + ")"
UNIT = r"(?:days?|weeks?|months?|years?|yrs?)"

#: What a window is counted back from: all of these are read as "today".
ANCHOR = (
    r"(?:(?:the )?(?:start of (?:the )?|time of (?:the )?)?(?:initial |first |planned |the )?"
    r"(?:screening(?: mri| scan)?|baseline|randomi[sz]ation|enrol?l?ment"
    r"|enrolling(?: in the study)?"
    r"|study (?:entry|start|enrollment|treatment|drug|medication|day 1)|entry(?: into the study)?"
    r"|inclusion|trial entry|trial start|the trial|the study|informed consent|consent"
    r"|(?:dose|administration|infusion)(?: of (?:the )?study (?:drug|treatment|medication"
    r"|intervention))?|day 1|initial visit|visit(?: \d+)?|answering the screening questionnaire"
    r"|signing (?:the )?(?:informed )?consent(?: form)?)"
    r"(?: (?:visit|administration|dose|infusion))?)"
)
_BEFORE = r"(?:prior to|before|preceding|of|from|until|to)"

_LEAD = (
    r"(?:(?:presently|currently|now) or )?"
    r"(?:(?:with)?in|during|over|in|for(?: at least)?|at any time in)?\s?(?:the )?"
    r"(?:last |past |previous |preceding |prior |recent |most recent )?(?:period of )?"
)
#: "or 5 half-lives, whichever is longer": only ever lengthens the window.
_HALF_LIVES = (
    r"(?:,? or (?:\d+|two|three|four|five|ten) half[- ]lives(?: of (?:the |that |each |an? )?"
    r"[a-z -]+?)?,? \(?whichever is (?:longer|greater)\)?)"
)
_ANCHORED = rf"(?:,? (?:{_BEFORE}|immediately {_BEFORE}) {ANCHOR})?"
_WINDOW = re.compile(
    rf"{_LEAD}(?P<number>{NUMBER})[ -](?P<unit>{UNIT})(?: period)?"
    rf"{_HALF_LIVES}?{_ANCHORED}{_HALF_LIVES}?"
    r"|(?:(?:with)?in|during|over|in) (?:the )?(?:last|past|previous|preceding)"
    rf" (?P<unit1>year|month|week){_ANCHORED}"
    rf"|(?:with)?in (?:the )?(?:last |past )?(?P<unit2>year|month|week){_ANCHORED}"
)


@dataclass(frozen=True)
class Window:
    """A time window as written: a number and a unit (``day``, ``week``, ``month``,
    ``year``), and the words that said it."""

    number: float
    unit: str
    words: str

    def shortest(self) -> int:
        """Days in the window on its shortest reading (a month as 28 days)."""
        return round(self.number * {"day": 1, "week": 7, "month": 28, "year": 365}[self.unit])

    def longest(self) -> int:
        """Days in the window on its longest reading (a month as 31 days)."""
        return round(self.number * {"day": 1, "week": 7, "month": 31, "year": 366}[self.unit])

    @property
    def exact(self) -> bool:
        """Days and weeks say a number of days; months and years do not."""
        return self.unit in ("day", "week")

    def written(self, lang: str) -> str:
        """ "3 months", "1 year", "4 semanas"."""
        number = format_number(self.number, lang)
        singular = self.number == 1
        words = {
            "en": {"day": "day", "week": "week", "month": "month", "year": "year"},
            "es": {"day": "día", "week": "semana", "month": "mes", "year": "año"},
        }[lang][self.unit]
        if not singular:
            words = {"mes": "meses"}.get(words, words + "s")
        return f"{number} {words}"

    def past(self, days: int, lang: str) -> str:
        """The window a rule uses, for a patient: "the past 84 days (about 3 months)",
        "the past 4 weeks"; "los últimos 84 días (unos 3 meses)"."""
        if self.unit == "week":
            count = format_number(self.number, lang)
            if lang == "es":
                return "la última semana" if self.number == 1 else f"las últimas {count} semanas"
            return "the past week" if self.number == 1 else f"the past {count} weeks"
        if lang == "es":
            plain = "el último día" if days == 1 else f"los últimos {days} días"
            return plain if self.unit == "day" else f"{plain} ({self._about_es()})"
        plain = "the past day" if days == 1 else f"the past {days} days"
        return plain if self.unit == "day" else f"{plain} (about {self.written(lang)})"

    def _about_es(self) -> str:
        if self.number == 1:
            return {"month": "un mes", "year": "un año"}[self.unit]
        return f"unos {self.written('es')}"

    def ago(self, days: int, lang: str) -> str:
        """ "56 days (about 2 months)" / "56 días (unos 2 meses)"."""
        if self.unit == "week" or self.unit == "day":
            return self.written(lang)
        if lang == "es":
            return f"{days} días ({self._about_es()})"
        return f"{days} days (about {self.written(lang)})"


def _number(text: str) -> float:
    return float(_NUMBER_WORDS[text]) if text in _NUMBER_WORDS else float(text)


def _unit(text: str) -> str:
    text = text.rstrip("s")
    return {"yr": "year"}.get(text, text)


_UNIT_WORDS = ("day", "week", "month", "year", "yr")


def find_window(text: str) -> tuple[Window, re.Match] | None:
    """The last time window in ``text`` and its match, or None."""
    if not any(unit in text for unit in _UNIT_WORDS):
        return None  # every window names a unit; the pattern is slow on a line without one
    found = None
    for match in _WINDOW.finditer(text):
        if match.group(0).strip():
            found = match
    if found is None:
        return None
    if found.group("number"):
        window = Window(_number(found.group("number")), _unit(found.group("unit")), found.group(0))
    else:
        window = Window(1.0, _unit(found.group("unit1") or found.group("unit2")), found.group(0))
    return window, found


def window_at_start(text: str) -> Window | None:
    """The time window ``text`` begins with ("in the previous 3 years, ..."), or None."""
    match = _WINDOW.match(text)
    if match is None or not match.group(0).strip():
        return None
    if match.group("number"):
        return Window(_number(match.group("number")), _unit(match.group("unit")), match.group(0))
    return Window(1.0, _unit(match.group("unit1") or match.group("unit2")), match.group(0))


def window_at_end(text: str) -> tuple[Window, str] | None:
    """A window ending ``text`` ("... within 6 months prior to screening"), and the text
    before it."""
    found = find_window(text)
    if found is None:
        return None
    window, match = found
    if text[match.end() :].strip(" ,.;"):
        return None
    return window, text[: match.start()].rstrip(" ,")
