"""Treatment history semantics (spec section 6.2), three-valued.

A ``treatment_history`` answer maps each treatment code taken to its last dose: a day or
a month, ``current`` or ``unsure``; a code absent from an answered history was never
taken. From it :func:`derived_lists` gives ``treatments_ever`` (its codes) and
``treatments_last_6_months`` (codes current or dated within 183 days; a code whose date
is unsure, or whose month straddles day 183, is only maybe in it).

The operators ``taken_within`` and ``currently_taking`` read the history and, where it
is not answered, decide from the two lists where they can (:func:`taken_within`,
:func:`currently_taking`). Every function here takes codes already expanded (code
groups are resolved by the caller) and returns TRUE, FALSE or UNKNOWN (``None``).

A partial history (:attr:`TreatmentHistory.unlisted`, spec section 6.2's last bullet)
cannot say "never": a code it does not list leaves every operator over that code
UNKNOWN where a full history would make it FALSE, and the lists derived from it carry
the unlisted codes as members of unknown membership.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from .dates import days_since
from .values import (
    CURRENT,
    UNSURE,
    Dose,
    TreatmentHistory,
    UncertainCodes,
    day_span,
    is_known,
)

Truth = bool | None

#: "The past 6 months" of ``treatments_last_6_months``, in days.
SIX_MONTHS_DAYS = 183


def history_from_answer(
    answer: Mapping[str, str], today: date, *, every_code: Collection[str] | None = None
) -> TreatmentHistory:
    """A validated ``treatment_history`` answer, each dated dose as days before ``today``.

    With ``every_code`` (the registry's codes) the answer is a partial history: the
    codes of ``every_code`` it does not list are unlisted, their use unknown.
    """
    doses: dict[str, Dose] = {
        code: last if last in (CURRENT, UNSURE) else days_since(last, today)
        for code, last in answer.items()
    }
    unlisted = frozenset(every_code or ()) - doses.keys()
    return TreatmentHistory(doses, dict(answer), unlisted)


def dose_within(dose: Dose, days: int) -> Truth:
    """Whether a last dose falls within ``days`` days (``current`` does, ``unsure`` may)."""
    if dose == CURRENT:
        return True
    if dose == UNSURE:
        return None
    low, high = day_span(dose)  # type: ignore[arg-type]
    if high <= days:
        return True
    if low > days:
        return False
    return None


Within = Callable[[Dose, int], Truth]


def _any(values: Iterable[Truth]) -> Truth:
    unknown = False
    for value in values:
        if value is True:
            return True
        if value is None:
            unknown = True
    return None if unknown else False


def derived_lists(
    history: TreatmentHistory, order: Sequence[str] = ()
) -> tuple[list[str] | UncertainCodes, list[str] | UncertainCodes]:
    """``treatments_ever`` and ``treatments_last_6_months`` as the history implies them.

    A partial history's unlisted codes (told in ``order``, the registry's) are members of
    unknown membership of both lists.
    """
    ever = list(history.doses)
    recent: list[str] = []
    maybe: list[str] = []
    for code, dose in history.doses.items():
        within = dose_within(dose, SIX_MONTHS_DAYS)
        if within is True:
            recent.append(code)
        elif within is None:
            maybe.append(code)
    unlisted = [code for code in order if code in history.unlisted]
    unlisted += sorted(history.unlisted.difference(order))
    if unlisted:
        return UncertainCodes(tuple(ever), tuple(unlisted)), UncertainCodes(
            tuple(recent), (*maybe, *unlisted)
        )
    return ever, (UncertainCodes(tuple(recent), tuple(maybe)) if maybe else recent)


def list_contains_any(value: Any, codes: Collection[str]) -> Truth:
    """``contains_any`` over a known code list, three-valued over an uncertain one."""
    if isinstance(value, UncertainCodes):
        if any(code in codes for code in value.known):
            return True
        return None if any(code in codes for code in value.unknown) else False
    return any(code in codes for code in value)


def list_is_empty(value: Any) -> Truth:
    """``is_empty`` over a known code list, three-valued over an uncertain one."""
    if isinstance(value, UncertainCodes):
        return False if value.known else None
    return len(value) == 0


def history_agreement(history: TreatmentHistory, ever: Any, recent: Any) -> list[str]:
    """What the given lists say that the history contradicts (empty when they agree).

    ``treatments_ever`` must list exactly the history's codes; ``treatments_last_6_months``
    must list every code certainly taken within 183 days and none certainly not (a code
    whose date leaves it open may be listed or not).
    """
    problems = []
    if isinstance(ever, list) and set(ever) != set(history.doses):
        missing = [code for code in history.doses if code not in ever]
        extra = [code for code in ever if code not in history.doses]
        if missing:
            problems.append(f"lists {', '.join(missing)}, missing from treatments_ever")
        if extra:
            problems.append(f"does not list {', '.join(extra)}, which treatments_ever lists")
    if isinstance(recent, list):
        for code in recent:
            dose = history.dose(code)
            if dose is None or dose_within(dose, SIX_MONTHS_DAYS) is False:
                problems.append(
                    f"gives no dose of {code} in the past {SIX_MONTHS_DAYS} days, "
                    "which treatments_last_6_months lists"
                )
        for code, dose in history.doses.items():
            if code not in recent and dose_within(dose, SIX_MONTHS_DAYS) is True:
                problems.append(
                    f"gives a dose of {code} in the past {SIX_MONTHS_DAYS} days, "
                    "missing from treatments_last_6_months"
                )
    return problems


# --- the two history operators -------------------------------------------------------------


def _history(facts: Mapping[str, Any]) -> TreatmentHistory | None:
    history = facts.get("treatment_history")
    return history if isinstance(history, TreatmentHistory) else None


def _known_list(facts: Mapping[str, Any], key: str) -> Any:
    value = facts.get(key)
    return value if is_known(value) else None


def taken_within_history(
    history: TreatmentHistory, codes: Collection[str], days: int, within: Within = dose_within
) -> Truth:
    """TRUE if a listed code is current or dated within ``days``; FALSE if every listed
    code is absent or dated earlier; UNKNOWN otherwise (a partial history that does not
    list one of them cannot say it is absent)."""
    truth = _any(within(dose, days) for code, dose in history.doses.items() if code in codes)
    if truth is False and history.leaves_open(codes):
        return None
    return truth


def taken_within_lists(
    ever: Any, recent: Any, codes: Collection[str], days: int
) -> tuple[Truth, str | None]:
    """The decision the two lists allow without a history, and the list that made it."""
    if ever is not None and list_contains_any(ever, codes) is False:
        return False, "treatments_ever"
    if recent is not None:
        in_recent = list_contains_any(recent, codes)
        if days >= SIX_MONTHS_DAYS and in_recent is True:
            return True, "treatments_last_6_months"
        if days <= SIX_MONTHS_DAYS and in_recent is False:
            return False, "treatments_last_6_months"
    return None, None


def taken_within(
    facts: Mapping[str, Any], codes: Collection[str], days: int, within: Within = dose_within
) -> Truth:
    """``taken_within`` over prepared facts: the history decides, else the lists.

    ``within`` reads one dose (:func:`dose_within`; the interpreter passes a day-by-day
    reading of months, to check it against).
    """
    return taken_within_deciding(facts, codes, days, within)[0]


def taken_within_deciding(
    facts: Mapping[str, Any], codes: Collection[str], days: int, within: Within = dose_within
) -> tuple[Truth, list[str]]:
    """``taken_within`` and the answer keys that decide it (or would)."""
    history = _history(facts)
    if history is not None:
        truth = taken_within_history(history, codes, days, within)
        if truth is not None:
            return truth, ["treatment_history"]
    # A given list never contradicts a given history (validation), so where the history
    # leaves it open (an unsure date) a list may still settle it.
    ever, recent = (
        _known_list(facts, "treatments_ever"),
        _known_list(facts, "treatments_last_6_months"),
    )
    truth, key = taken_within_lists(ever, recent, codes, days)
    if truth is not None:
        return truth, [key] if key else []
    return None, ["treatment_history"]


def currently_taking_history(history: TreatmentHistory, codes: Collection[str]) -> Truth:
    """TRUE if a listed code is current; FALSE if none is current or of unsure date (nor,
    in a partial history, unlisted)."""
    listed = [dose for code, dose in history.doses.items() if code in codes]
    if CURRENT in listed:
        return True
    return None if UNSURE in listed or history.leaves_open(codes) else False


def currently_taking(facts: Mapping[str, Any], codes: Collection[str]) -> Truth:
    """``currently_taking`` over prepared facts: the history decides, else the lists."""
    return currently_taking_deciding(facts, codes)[0]


def currently_taking_deciding(
    facts: Mapping[str, Any], codes: Collection[str]
) -> tuple[Truth, list[str]]:
    """``currently_taking`` and the answer keys that decide it (or would)."""
    history = _history(facts)
    if history is not None:
        truth = currently_taking_history(history, codes)
        if truth is not None:
            return truth, ["treatment_history"]
    ever = _known_list(facts, "treatments_ever")
    if ever is not None and list_contains_any(ever, codes) is False:
        return False, ["treatments_ever"]
    return None, ["treatment_history"]


def history_with(doses: Mapping[str, Dose], unlisted: Collection[str] = ()) -> TreatmentHistory:
    """A history from doses alone (the questionnaire's probes; tests of partial histories)."""
    return TreatmentHistory(dict(doses), unlisted=frozenset(unlisted) - doses.keys())
