"""The rule language criteria are written in, and its validation.

A rule is JSON stored on each criterion::

    {"all": [rule, ...]}          every operand holds (non-empty list)
    {"any": [rule, ...]}          at least one operand holds (non-empty list)
    {"not": rule}                 the operand does not hold
    {"fact": "age", "op": "between", "value": [18, 55]}     a comparison

A criterion's whole rule (never a part of one) may be *partial*::

    {"partial": rule, "unread": "clinically stable"}

for a line the rule reads only in part: ``rule`` rules out only patients the line rules
out, but the line asks more than it says (``unread`` quotes the part left to the study
team). Such a criterion can fail, or stay ``unknown`` while an answer could still make
it fail; where it would pass it is ``not_checked`` instead (see
:func:`eligibility.engine.evaluate.criterion_status`).

Operators live in :data:`OPERATORS`: each entry says which fact types it applies to,
how its ``value`` is checked, how it is tested (the interpreter) and how it is built
into a specialised predicate (the compiler). Adding an operator is one entry there.

Every operator is three-valued: a comparison over a day range (a date given to the
month) is TRUE when it holds for every day, FALSE when it fails for every day and
UNKNOWN otherwise; ``never`` compares as greater than every bound; ``contains_any``
and ``is_empty`` over a list with members of unknown membership may be UNKNOWN. Two
operators read more than their fact: ``taken_within`` and ``currently_taking`` test
``treatment_history`` and, when it is not answered, decide from the treatment lists
where they can (:mod:`eligibility.engine.treatments`).

A rule's treatment code list may name code groups (``@anti_cd20``) beside codes; the
rule keeps the group's name and it is resolved when the rule is compiled.

:func:`validate_rule` refuses anything the engine could not evaluate soundly, with a
:class:`RuleError` naming the part at fault (``all[1].value``), including a comparison
that is true for every possible number of a fact that accepts ``never``
(``years_since_cancer >= 0``: "any history" is ``ever``).
"""

from __future__ import annotations

import operator as _op
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .facts import (
    FACTS,
    MAX_DAYS,
    TREATMENT_GROUPS,
    UNSURE,
    Fact,
    format_number,
)
from .treatments import (
    currently_taking,
    currently_taking_deciding,
    dose_within,
    history_with,
    list_contains_any,
    list_is_empty,
    taken_within,
    taken_within_deciding,
)
from .values import CURRENT, NEVER, DayRange

Rule = dict[str, Any]
Truth = bool | None
Predicate = Callable[[Any], Truth]
FactsEvaluator = Callable[[Mapping[str, Any]], Truth]

COMPOSITE_KEYS = ("all", "any", "not")
COMPARISON_KEYS = frozenset({"fact", "op", "value"})
#: The wrapper of a rule that reads its line only in part (a criterion's whole rule).
PARTIAL_KEY = "partial"
PARTIAL_KEYS = frozenset({PARTIAL_KEY, "unread"})
#: The longest ``unread`` text kept (a quotation of the line's unread part).
UNREAD_MAX_LENGTH = 500


class RuleError(ValueError):
    """A rule the engine refuses; ``path`` names the part at fault, e.g. ``all[1].value``.

    ``criterion`` is set when the error comes from compiling a trial, so a curator sees
    which criterion to fix.
    """

    def __init__(self, path: str, message: str, *, criterion: Any = None):
        self.path = path or "rule"
        self.message = message
        self.criterion = criterion
        where = self.path if criterion is None else f"criterion {criterion}, {self.path}"
        super().__init__(f"{where}: {message}")

    def for_criterion(self, criterion: Any) -> RuleError:
        """The same error, naming the criterion it belongs to."""
        return RuleError(self.path, self.message, criterion=criterion)


class OperandError(ValueError):
    """An operand problem in one part of the operand (``where``: ``codes``, ``days``)."""

    def __init__(self, where: str, message: str):
        self.where = where
        super().__init__(message)


# --- operand checks: each returns the operand normalised or raises ValueError ----------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _scalar(fact: Fact, value: Any) -> Any:
    if fact.is_numeric:
        return _number_in_domain(fact, value)
    return _code(fact, value)


def _number_in_domain(fact: Fact, value: Any) -> float | int:
    if not _is_number(value):
        raise ValueError(f"must be a number for {fact.type} fact '{fact.key}'")
    if fact.is_whole and not float(value).is_integer():
        raise ValueError(f"must be a whole number for {fact.type} fact '{fact.key}'")
    assert fact.min is not None and fact.max is not None
    if not fact.min <= value <= fact.max:
        raise ValueError(
            f"{format_number(value)} is outside '{fact.key}' range "
            f"{format_number(fact.min)}..{format_number(fact.max)}"
        )
    if fact.step and not (value / fact.step).is_integer():
        raise ValueError(f"{format_number(value)} is off '{fact.key}' step {fact.step:g}")
    return value


def _code(fact: Fact, value: Any) -> str:
    if value == UNSURE:
        raise ValueError("'unsure' never decides a criterion; test the known values instead")
    if fact.accepts_groups and isinstance(value, str) and value.startswith("@"):
        if value not in TREATMENT_GROUPS:
            raise ValueError(
                f"{value!r} is not a treatment code group (known: {', '.join(TREATMENT_GROUPS)})"
            )
        return value
    if not isinstance(value, str) or value not in fact.rule_codes:
        raise ValueError(
            f"{value!r} is not a value of '{fact.key}' (expected one of: "
            f"{', '.join(fact.rule_codes)})"
        )
    return value


def _range(fact: Fact, value: Any) -> tuple[Any, Any]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ValueError("must be a list of two numbers [low, high]")
    low, high = (_number_in_domain(fact, bound) for bound in value)
    if low > high:
        raise ValueError(
            f"low bound {format_number(low)} is above high bound {format_number(high)}"
        )
    return low, high


def _codes(fact: Fact, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not value:
        raise ValueError(f"must be a non-empty list of '{fact.key}' values")
    codes = tuple(_code(fact, code) for code in value)
    if len(set(codes)) != len(codes):
        raise ValueError("lists a value twice")
    return codes


_NO_OPERAND = object()


def _no_operand(fact: Fact, value: Any) -> None:
    if value is not _NO_OPERAND:
        raise ValueError("takes no value")


def _true_only(fact: Fact, value: Any) -> bool:
    if value is not True:
        raise ValueError("must be true (wrap the comparison in 'not' to test 'never')")
    return True


def _taken_within_operand(fact: Fact, value: Any) -> tuple[tuple[str, ...], int]:
    if not isinstance(value, dict):
        raise ValueError('must be an object {"codes": [treatment codes or groups], "days": N}')
    extra = sorted(str(key) for key in value if key not in ("codes", "days"))
    if extra:
        raise OperandError(extra[0], "unexpected key (expected 'codes' and 'days')")
    for part in ("codes", "days"):
        if part not in value:
            raise OperandError(part, "is required")
    try:
        codes = _codes(fact, value["codes"])
    except ValueError as problem:
        raise OperandError("codes", str(problem)) from None
    days = value["days"]
    if not _is_number(days) or not float(days).is_integer() or not 0 <= days <= MAX_DAYS:
        raise OperandError("days", f"must be a whole number of days from 0 to {MAX_DAYS}")
    return codes, int(days)


# --- three-valued tests ------------------------------------------------------------------------

NUMERIC = frozenset({"integer", "number", "days"})
SCALAR = frozenset({"integer", "number", "days", "choice"})
CHOICE = frozenset({"choice"})
MULTI = frozenset({"multi_choice"})
HISTORY = frozenset({"treatment_history"})

_PLAIN = {
    "==": _op.eq,
    "!=": _op.ne,
    "<": _op.lt,
    "<=": _op.le,
    ">": _op.gt,
    ">=": _op.ge,
}
#: ``never`` is greater than every bound.
_NEVER_RESULT = {"==": False, "!=": True, "<": False, "<=": False, ">": True, ">=": True}


def _over_days(span: DayRange, holds: Callable[[int], bool]) -> Truth:
    """The reference reading of a day range: TRUE if ``holds`` for every day, FALSE if
    for none, else UNKNOWN. The compiled predicates reach the same from the endpoints."""
    results = {holds(day) for day in range(span.low, span.high + 1)}
    return results.pop() if len(results) == 1 else None


def _expand(codes: Any) -> frozenset[str]:
    """Codes with each group name replaced by its members."""
    expanded: set[str] = set()
    for code in codes:
        expanded.update(TREATMENT_GROUPS[code].members if code in TREATMENT_GROUPS else (code,))
    return frozenset(expanded)


def _comparison(symbol: str) -> Operator:
    """A numeric or equality comparison; all six differ only by their symbol."""
    plain = _PLAIN[symbol]
    never = _NEVER_RESULT[symbol]

    def test(value: Any, constant: Any) -> Truth:
        if isinstance(value, DayRange):
            return _over_days(value, lambda day: plain(day, constant))
        if value == NEVER:
            return never
        return plain(value, constant)

    def build(constant: Any) -> Predicate:
        def predicate(value: Any) -> Truth:
            if value.__class__ is DayRange:
                low, high = value
                if symbol in ("==", "!="):
                    if low <= constant <= high:
                        return None  # one of several possible days
                    return symbol == "!="
                at_low, at_high = plain(low, constant), plain(high, constant)
                return at_low if at_low == at_high else None
            if value == NEVER:
                return never
            return plain(value, constant)

        return predicate

    return Operator(
        symbol,
        SCALAR if symbol in ("==", "!=") else NUMERIC,
        _scalar,
        test,
        build,
        source=lambda var, c, const: f"{var} {symbol} {c!r}",
    )


def _between(value: Any, bounds: Any) -> Truth:
    low, high = bounds
    if isinstance(value, DayRange):
        return _over_days(value, lambda day: low <= day <= high)
    if value == NEVER:
        return False
    return low <= value <= high


def _build_between(bounds: Any) -> Predicate:
    low, high = bounds

    def predicate(value: Any) -> Truth:
        if value.__class__ is DayRange:
            if low <= value.low and value.high <= high:
                return True
            if value.high < low or value.low > high:
                return False
            return None
        if value == NEVER:
            return False
        return low <= value <= high

    return predicate


def _build_in(codes: Any) -> Predicate:
    allowed = frozenset(codes)
    return allowed.__contains__


def _build_contains_any(codes: Any) -> Predicate:
    wanted = _expand(codes)
    return lambda value: list_contains_any(value, wanted)


def _history_operator(
    name: str,
    check: Callable[[Fact, Any], Any],
    evaluate: Callable[[Mapping[str, Any], Any], Truth],
    build: Callable[[Any], FactsEvaluator],
    deciding: Callable[[Mapping[str, Any], Any], tuple[Truth, list[str]]],
) -> Operator:
    def unused(value: Any, operand: Any) -> Truth:
        raise AssertionError(f"'{name}' reads the facts, not one value")

    return Operator(
        name,
        HISTORY,
        check,
        unused,
        lambda operand: unused,
        evaluate_facts=evaluate,
        build_facts=build,
        deciding_facts=deciding,
    )


def _dose_within_by_day(dose: Any, days: int) -> Truth:
    """The reference reading of a last dose: a month is read day by day."""
    if isinstance(dose, DayRange):
        return _over_days(dose, lambda day: day <= days)
    return dose_within(dose, days)


def _build_taken_within(operand: Any) -> FactsEvaluator:
    codes, days = _expand(operand["codes"]), operand["days"]
    return lambda facts: taken_within(facts, codes, days)


def _build_currently_taking(operand: Any) -> FactsEvaluator:
    codes = _expand(operand)
    return lambda facts: currently_taking(facts, codes)


# --- the operator table -----------------------------------------------------------------------


@dataclass(frozen=True)
class Operator:
    """One comparison operator.

    ``test(fact_value, operand)`` is the reference semantics (used by the interpreter);
    ``build(operand)`` returns an equivalent one-argument predicate with the operand
    pre-processed (used by the compiler); ``source`` optionally inlines it into generated
    code. All three return TRUE, FALSE or UNKNOWN (``None``), and see only known fact
    values: missing and ``unsure`` are turned into UNKNOWN before an operator is
    consulted. ``source`` is written for plain values (numbers, codes, lists); unless
    ``source_any_value``, the generated code calls ``build``'s predicate for the others
    (``never``, a day range, an uncertain list).

    An operator that reads more than its fact (``taken_within``) has ``evaluate_facts``
    (reference, over the whole facts mapping), ``build_facts`` (compiled) and
    ``deciding_facts`` (its truth and the answer keys that decide it, for explanations)
    instead; it is consulted even when its own fact is missing.
    """

    name: str
    fact_types: frozenset[str]
    check_operand: Callable[[Fact, Any], Any]
    test: Callable[[Any, Any], Truth]
    build: Callable[[Any], Predicate]
    takes_value: bool = True
    #: Optional: ``source(variable, operand, constant)`` returns a Python expression for
    #: the trial verdict code generator; ``constant(obj)`` names a pre-built object. An
    #: operator without it still compiles (its ``build`` predicate is called instead).
    source: Callable[[str, Any, Callable[[Any], str]], str] | None = None
    source_any_value: bool = False
    #: Applies only to facts that accept ``never`` (``ever``).
    needs_never: bool = False
    evaluate_facts: Callable[[Mapping[str, Any], Any], Truth] | None = None
    build_facts: Callable[[Any], FactsEvaluator] | None = None
    deciding_facts: Callable[[Mapping[str, Any], Any], tuple[Truth, list[str]]] | None = None

    def applies_to(self, fact: Fact) -> bool:
        return fact.type in self.fact_types and (fact.accepts_never or not self.needs_never)


OPERATORS: dict[str, Operator] = {
    op.name: op
    for op in (
        *(_comparison(symbol) for symbol in ("==", "!=", "<", "<=", ">", ">=")),
        Operator(
            "between",
            NUMERIC,
            _range,
            _between,
            _build_between,
            source=lambda var, c, const: f"{c[0]!r} <= {var} <= {c[1]!r}",
        ),
        Operator(
            "in",
            CHOICE,
            _codes,
            lambda v, c: v in c,
            _build_in,
            source=lambda var, c, const: f"{var} in {const(frozenset(c))}",
        ),
        Operator(
            "contains_any",
            MULTI,
            _codes,
            lambda v, c: list_contains_any(v, _expand(c)),
            _build_contains_any,
            source=lambda var, c, const: f"not {const(_expand(c))}.isdisjoint({var})",
        ),
        Operator(
            "is_empty",
            MULTI,
            _no_operand,
            lambda v, c: list_is_empty(v),
            lambda c: list_is_empty,
            takes_value=False,
            source=lambda var, c, const: f"len({var}) == 0",
        ),
        Operator(
            "ever",
            NUMERIC,
            _true_only,
            lambda v, c: v != NEVER,
            lambda c: lambda v: v != NEVER,
            source=lambda var, c, const: f"{var} != {NEVER!r}",
            source_any_value=True,
            needs_never=True,
        ),
        _history_operator(
            "taken_within",
            _taken_within_operand,
            lambda facts, c: taken_within(
                facts, _expand(c["codes"]), c["days"], _dose_within_by_day
            ),
            _build_taken_within,
            lambda facts, c: taken_within_deciding(facts, _expand(c["codes"]), c["days"]),
        ),
        _history_operator(
            "currently_taking",
            _codes,
            lambda facts, c: currently_taking(facts, _expand(c)),
            _build_currently_taking,
            lambda facts, c: currently_taking_deciding(facts, _expand(c)),
        ),
    )
}


# --- validation ---------------------------------------------------------------------------------


def _join_path(path: str, part: str) -> str:
    if part.startswith("["):
        return f"{path}{part}"
    return f"{path}.{part}" if path else part


def split_partial(rule: Rule) -> tuple[Rule, str | None]:
    """A criterion's rule without its partial wrapper, and the unread part (``None`` when
    the rule reads its whole line)."""
    if PARTIAL_KEY in rule:
        return rule[PARTIAL_KEY], rule["unread"]
    return rule, None


def is_partial(rule: Rule | None) -> bool:
    """Whether a criterion's rule reads its line only in part."""
    return rule is not None and PARTIAL_KEY in rule


def validate_rule(rule: Any, path: str = "") -> None:
    """Raise :class:`RuleError` unless ``rule`` is a well-formed, type-correct rule.

    Checks structure (one of ``all``/``any``/``not`` or a comparison, no extra keys, no
    empty ``all``/``any``), that the fact exists, that the operator exists and applies
    to the fact's type, that the operand lies within the fact's range, step and choices
    (code groups where the fact takes treatment codes), and that a comparison on a fact
    that accepts ``never`` is not true for every possible number (:func:`always_true`).
    The error's ``path`` names the part at fault.
    """
    if not isinstance(rule, dict):
        raise RuleError(path, "must be an object")
    if PARTIAL_KEY in rule or "unread" in rule:
        _validate_partial(rule, path)
        return
    composite = [key for key in COMPOSITE_KEYS if key in rule]
    if composite:
        _validate_composite(rule, composite, path)
    elif "fact" in rule or "op" in rule:
        _validate_comparison(rule, path)
    else:
        raise RuleError(path, "must have one of 'all', 'any', 'not' or a 'fact' and 'op'")


def _validate_partial(rule: Rule, path: str) -> None:
    if path:
        raise RuleError(
            _join_path(path, PARTIAL_KEY),
            "only a criterion's whole rule can be partial, not a part of a rule",
        )
    missing = sorted(PARTIAL_KEYS - rule.keys())
    if missing:
        raise RuleError(missing[0], "a partial rule needs both 'partial' and 'unread'")
    extra = sorted(rule.keys() - PARTIAL_KEYS)
    if extra:
        raise RuleError(extra[0], "unexpected key beside 'partial' and 'unread'")
    unread = rule["unread"]
    if not isinstance(unread, str) or not unread.strip():
        raise RuleError("unread", "must quote the part of the line the rule does not read")
    if len(unread) > UNREAD_MAX_LENGTH:
        raise RuleError("unread", f"must be at most {UNREAD_MAX_LENGTH} characters")
    validate_rule(rule[PARTIAL_KEY], PARTIAL_KEY)


def _validate_composite(rule: Rule, composite: list[str], path: str) -> None:
    key = composite[0]
    extra = sorted(k for k in rule if k != key)
    if extra:
        raise RuleError(_join_path(path, extra[0]), f"unexpected key beside '{key}'")
    operand = rule[key]
    here = _join_path(path, key)
    if key == "not":
        validate_rule(operand, here)
        return
    if not isinstance(operand, list) or not operand:
        raise RuleError(here, "must be a non-empty list of rules")
    for index, child in enumerate(operand):
        validate_rule(child, f"{here}[{index}]")


def _type_hint(fact: Fact) -> str:
    if fact.type == "date":
        return " (rules test 'age'; birth_date only derives it)"
    if fact.derives is not None:
        return f" (rules test '{fact.derives}'; {fact.key} only derives it)"
    return ""


def _validate_comparison(rule: Rule, path: str) -> None:
    extra = sorted(k for k in rule if k not in COMPARISON_KEYS)
    if extra:
        raise RuleError(_join_path(path, extra[0]), "unexpected key in a comparison")
    key, op_name = rule.get("fact"), rule.get("op")
    fact = FACTS.get(key) if isinstance(key, str) else None
    if fact is None:
        raise RuleError(_join_path(path, "fact"), f"unknown fact {key!r}")
    operator = OPERATORS.get(op_name) if isinstance(op_name, str) else None
    if operator is None:
        raise RuleError(
            _join_path(path, "op"),
            f"unknown operator {op_name!r} (known: {', '.join(OPERATORS)})",
        )
    if not operator.applies_to(fact):
        if fact.type in operator.fact_types:
            message = (
                f"operator '{operator.name}' applies only to facts that accept 'never'; "
                f"'{fact.key}' does not"
            )
        else:
            message = (
                f"operator '{operator.name}' does not apply to {fact.type} fact "
                f"'{fact.key}'{_type_hint(fact)}"
            )
        raise RuleError(_join_path(path, "op"), message)
    value_path = _join_path(path, "value")
    if operator.takes_value and "value" not in rule:
        raise RuleError(value_path, f"operator '{operator.name}' needs a value")
    try:
        operand = operator.check_operand(fact, rule.get("value", _NO_OPERAND))
    except OperandError as problem:
        raise RuleError(_join_path(value_path, problem.where), str(problem)) from None
    except ValueError as problem:
        raise RuleError(value_path, str(problem)) from None
    if always_true(fact, operator.name, operand):
        ever = f'{{"fact": "{fact.key}", "op": "ever", "value": true}}'
        raise RuleError(
            value_path,
            f"is true for every possible number of '{fact.key}' "
            f"({format_number(fact.min or 0)}..{format_number(fact.max or 0)}), so it tests "
            f"nothing; to test whether it ever happened use {ever}",
        )


def always_true(fact: Fact, op_name: str, operand: Any) -> bool:
    """Whether a comparison on a fact that accepts ``never`` holds for every number.

    Such a comparison (``years_since_cancer >= 0``) reads like "any history of cancer"
    but tests nothing: a rule author means ``ever``, so it is refused. On the section 1
    numbers (``age >= 0``) it is harmless and stored rules may hold it, so it is left be.
    The comparisons are monotone (or an interval), so holding at both ends of the domain
    means holding everywhere; ``==`` and ``!=`` cannot, with an operand in the domain.
    """
    if not fact.accepts_never or op_name not in ("<", "<=", ">", ">=", "between"):
        return False
    assert fact.min is not None and fact.max is not None
    ends = (fact.min, fact.max)
    if op_name == "between":
        return all(operand[0] <= end <= operand[1] for end in ends)
    return all(_PLAIN[op_name](end, operand) for end in ends)


def rule_facts(rule: Rule) -> tuple[str, ...]:
    """The fact keys a (valid) rule reads, in first-use order without repeats."""
    return tuple(dict.fromkeys(comparison["fact"] for comparison in iter_comparisons(rule)))


def iter_comparisons(rule: Rule) -> Iterator[Rule]:
    """Every comparison in a (valid) rule, depth first, left to right."""
    if PARTIAL_KEY in rule:
        yield from iter_comparisons(rule[PARTIAL_KEY])
    elif "all" in rule or "any" in rule:
        for child in rule.get("all") or rule.get("any"):
            yield from iter_comparisons(child)
    elif "not" in rule:
        yield from iter_comparisons(rule["not"])
    else:
        yield rule


def rule_codes(rule: Rule, key: str) -> frozenset[str] | None:
    """Every code (groups expanded) the rule's comparisons on ``key`` list; ``None`` when
    one of them looks at the whole list (``is_empty``)."""
    codes: set[str] = set()
    for comparison in iter_comparisons(rule):
        if comparison["fact"] != key:
            continue
        value = comparison.get("value")
        if comparison["op"] == "is_empty":
            return None
        if comparison["op"] == "taken_within":
            value = value["codes"]
        codes |= _expand(value)
    return frozenset(codes)


# --- probes for the questionnaire ---------------------------------------------------------------

#: Half the width of the month-like day ranges probed around a rule's bound.
_MONTH_HALF = 15


def probe_values(rule: Rule, key: str) -> tuple[Any, ...]:
    """Values of fact ``key`` that together exercise every outcome ``rule`` can give it.

    Choice facts probe every code; lists probe the empty list and each single code;
    numbers probe the fact's bounds, every constant the rule compares ``key`` with, one
    step either side of it, and midpoints between neighbours (so a narrow open interval
    is still hit); a fact that accepts ``never`` probes it too, and day counts probe
    month-long day ranges straddling each constant. A treatment history probes none
    taken, and for each code the rule lists (one per set of comparisons listing it):
    current, unsure, and doses either side of and straddling each ``days`` bound. The
    questionnaire uses them to decide whether a fact can still change a criterion.
    """
    fact = FACTS[key]
    if fact.type == "choice":
        return fact.rule_codes
    if fact.type == "multi_choice":
        return ((), *((code,) for code in fact.rule_codes))
    if fact.type == "treatment_history":
        return _history_probes(rule, key)
    if not fact.is_numeric:
        return ()
    assert fact.min is not None and fact.max is not None
    step = fact.step or 0.5
    constants = _constants(rule, key)
    candidates = {fact.min, fact.max}
    for constant in constants:
        candidates.update((constant - step, constant, constant + step))
    inside = sorted(c for c in candidates if fact.min <= c <= fact.max)
    midpoints = [(low + high) / 2 for low, high in zip(inside, inside[1:], strict=False)]
    if fact.is_whole:
        # Whole-number facts only take whole values; the step-one neighbours cover gaps.
        midpoints = []
    probes: list[Any] = sorted(set(inside) | set(midpoints))
    if fact.accepts_never:
        probes.append(NEVER)
    if fact.type == "days":
        probes.extend(_straddling(constants))
    return tuple(probes)


def _constants(rule: Rule, key: str) -> list[Any]:
    constants: list[Any] = []
    for comparison in iter_comparisons(rule):
        if comparison["fact"] == key and _is_number(comparison.get("value")):
            constants.append(comparison["value"])
        elif comparison["fact"] == key and isinstance(comparison.get("value"), list | tuple):
            constants.extend(comparison["value"])
    return constants


def _straddling(constants: list[Any]) -> list[DayRange]:
    ranges = []
    for constant in dict.fromkeys(int(c) for c in constants):
        low, high = max(0, constant - _MONTH_HALF), min(MAX_DAYS, constant + _MONTH_HALF)
        if low < high:
            ranges.append(DayRange(low, high))
    return ranges


def _history_probes(rule: Rule, key: str) -> tuple[Any, ...]:
    comparisons = [c for c in iter_comparisons(rule) if c["fact"] == key]
    bounds = sorted({c["value"]["days"] for c in comparisons if c["op"] == "taken_within"})
    # Codes listed by the same comparisons behave alike: one of them stands for the rest.
    by_signature: dict[tuple[int, ...], str] = {}
    for code in sorted(set().union(*(_expand(_listed(c)) for c in comparisons))):
        signature = tuple(i for i, c in enumerate(comparisons) if code in _expand(_listed(c)))
        by_signature.setdefault(signature, code)
    doses: list[Any] = [CURRENT, UNSURE, MAX_DAYS]
    for bound in bounds:
        doses.extend(dict.fromkeys((max(0, bound - 1), bound, min(MAX_DAYS, bound + 1))))
        doses.extend(_straddling([bound]))
    probes = [history_with({})]
    for code in by_signature.values():
        probes.extend(history_with({code: dose}) for dose in doses)
    return tuple(probes)


def _listed(comparison: Rule) -> Any:
    value = comparison["value"]
    return value["codes"] if comparison["op"] == "taken_within" else value
