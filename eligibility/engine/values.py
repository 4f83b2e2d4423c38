"""How answer values are represented inside the engine, beyond plain JSON.

Answers arrive and are stored as JSON: numbers, codes, lists of codes, ISO dates and
months, ``unsure``, ``never``. :func:`eligibility.engine.facts.derive_facts` turns some
of them into richer values that rules are evaluated against:

- :class:`DayRange`: days since a date given to the month only. ``2026-03`` evaluated on
  2026-06-15 is every day count from 76 (31 March) to 106 (1 March); a comparison over
  it is TRUE when it holds for every day, FALSE when it fails for every day, otherwise
  UNKNOWN. An exact day is a plain ``int``, never a one-day range.
- :data:`NEVER`: the event never happened. It compares as greater than every bound.
- :class:`UncertainCodes`: a derived code list where some codes may or may not belong
  (a treatment taken at an unknown date is in ``treatments_ever`` but only maybe in
  ``treatments_last_6_months``).
- :class:`TreatmentHistory`: a ``treatment_history`` answer with each last dose turned
  into days before the evaluation date; a *partial* one (a record listing some
  medications, such as a FHIR export) also names the codes it does not list, whose use
  is unknown rather than never.

:func:`json_value` maps any of them back to JSON (for ``facts_used``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

#: The answer that means "I don't know"; it makes every criterion needing the fact unknown.
UNSURE = "unsure"
#: The event never happened (a dated fact, a day count or ``years_since_cancer``).
NEVER = "never"
#: A treatment still being taken (a value of ``treatment_history``).
CURRENT = "current"


class DayRange(NamedTuple):
    """Days since a date known to the month: any whole number from ``low`` to ``high``.

    ``low`` comes from the month's last day (or today, in the current month) and
    ``high`` from its first day; ``low < high`` always (one possible day is an ``int``).
    """

    low: int
    high: int


def day_span(value: int | DayRange) -> tuple[int, int]:
    """The fewest and the most days a day count can be: ``(40, 40)`` for ``40``."""
    if isinstance(value, DayRange):
        return value.low, value.high
    return value, value


class UncertainCodes(NamedTuple):
    """A derived code list: ``known`` certainly belong, ``unknown`` may or may not."""

    known: tuple[str, ...]
    unknown: tuple[str, ...]


#: A last dose as the engine sees it: days before the evaluation date, CURRENT or UNSURE.
Dose = int | DayRange | str


@dataclass(frozen=True)
class TreatmentHistory:
    """A ``treatment_history`` answer ready to evaluate.

    ``doses`` maps each code taken to its last dose (:data:`Dose`), in registry order;
    a code absent from it was never taken, unless it is in ``unlisted``. ``answer`` is
    the answer as given (JSON), kept for ``facts_used`` and explanations; probes built by
    the questionnaire have none.

    ``unlisted`` is empty for a history the patient gave whole. A *partial* history (a
    record that lists some medications, such as a FHIR export; spec section 6.2) cannot
    say "never": it names there the codes it does not list, and every operator treats
    their use as unknown.
    """

    doses: Mapping[str, Dose]
    answer: Mapping[str, str] | None = field(default=None, compare=False)
    unlisted: frozenset[str] = frozenset()

    def __contains__(self, code: object) -> bool:
        return code in self.doses

    @property
    def partial(self) -> bool:
        """Whether some codes are neither listed nor known never taken."""
        return bool(self.unlisted)

    def dose(self, code: str) -> Dose | None:
        """The last dose of ``code``, or ``None`` when it is not listed."""
        return self.doses.get(code)

    def leaves_open(self, codes: Iterable[str]) -> bool:
        """Whether one of ``codes`` is unlisted: taken or not, the history cannot say."""
        return bool(self.unlisted) and not self.unlisted.isdisjoint(codes)


def is_known(value: Any) -> bool:
    """True when a fact value decides criteria (not missing, not ``unsure``)."""
    return value is not None and not (isinstance(value, str) and value == UNSURE)


def json_value(value: Any) -> Any:
    """A fact value as JSON: a day range as ``[low, high]``, an uncertain list as
    ``{"codes": [...], "unknown": [...]}``, a history as the answer given."""
    if isinstance(value, DayRange):
        return [value.low, value.high]
    if isinstance(value, UncertainCodes):
        return {"codes": list(value.known), "unknown": list(value.unknown)}
    if isinstance(value, TreatmentHistory):
        if value.answer is not None:
            return dict(value.answer)
        return {code: json_value(dose) for code, dose in value.doses.items()}
    if isinstance(value, tuple):
        return list(value)
    return value
