"""The rule language criteria are written in, and its validation.

A rule is JSON stored on each criterion::

    {"all": [rule, ...]}          every operand holds (non-empty list)
    {"any": [rule, ...]}          at least one operand holds (non-empty list)
    {"not": rule}                 the operand does not hold
    {"fact": "age", "op": "between", "value": [18, 55]}     a comparison

Operators live in :data:`OPERATORS`: each entry says which fact types it applies to,
how its ``value`` is checked, how it is tested (the interpreter) and how it is built
into a specialised predicate (the compiler). Adding an operator is one entry there.

:func:`validate_rule` refuses anything the engine could not evaluate soundly, with a
:class:`RuleError` naming the part at fault (``all[1].value``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .facts import FACTS, UNSURE, Fact, format_number

Rule = dict[str, Any]
Predicate = Callable[[Any], bool]

COMPOSITE_KEYS = ("all", "any", "not")
COMPARISON_KEYS = frozenset({"fact", "op", "value"})


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
    if fact.type == "integer" and not float(value).is_integer():
        raise ValueError(f"must be a whole number for integer fact '{fact.key}'")
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


# --- the operator table -----------------------------------------------------------------------

NUMERIC = frozenset({"integer", "number"})
SCALAR = frozenset({"integer", "number", "choice"})
CHOICE = frozenset({"choice"})
MULTI = frozenset({"multi_choice"})


@dataclass(frozen=True)
class Operator:
    """One comparison operator.

    ``test(fact_value, operand)`` is the reference semantics (used by the interpreter);
    ``build(operand)`` returns an equivalent one-argument predicate with the operand
    pre-processed (used by the compiler); ``source`` optionally inlines it into generated
    code. Both see only known fact values: missing and
    ``unsure`` are turned into UNKNOWN before an operator is consulted.
    """

    name: str
    fact_types: frozenset[str]
    check_operand: Callable[[Fact, Any], Any]
    test: Callable[[Any, Any], bool]
    build: Callable[[Any], Predicate]
    takes_value: bool = True
    #: Optional: ``source(variable, operand, constant)`` returns a Python expression for
    #: the trial verdict code generator; ``constant(obj)`` names a pre-built object. An
    #: operator without it still compiles (its ``build`` predicate is called instead).
    source: Callable[[str, Any, Callable[[Any], str]], str] | None = None


def _between(value: Any, bounds: Any) -> bool:
    return bounds[0] <= value <= bounds[1]


def _build_between(bounds: Any) -> Predicate:
    low, high = bounds
    return lambda value: low <= value <= high


def _build_in(codes: Any) -> Predicate:
    allowed = frozenset(codes)
    return allowed.__contains__


def _build_contains_any(codes: Any) -> Predicate:
    wanted = frozenset(codes)
    return lambda value: not wanted.isdisjoint(value)


def _comparison(symbol: str) -> Operator:
    """A numeric or equality comparison; all six differ only by their symbol."""
    test = {
        "==": lambda v, c: v == c,
        "!=": lambda v, c: v != c,
        "<": lambda v, c: v < c,
        "<=": lambda v, c: v <= c,
        ">": lambda v, c: v > c,
        ">=": lambda v, c: v >= c,
    }[symbol]
    return Operator(
        symbol,
        SCALAR if symbol in ("==", "!=") else NUMERIC,
        _scalar,
        test,
        lambda c: lambda v: test(v, c),
        source=lambda var, c, const: f"{var} {symbol} {c!r}",
    )


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
            lambda v, c: any(code in v for code in c),
            _build_contains_any,
            source=lambda var, c, const: f"not {const(frozenset(c))}.isdisjoint({var})",
        ),
        Operator(
            "is_empty",
            MULTI,
            _no_operand,
            lambda v, c: len(v) == 0,
            lambda c: lambda v: len(v) == 0,
            takes_value=False,
            source=lambda var, c, const: f"len({var}) == 0",
        ),
    )
}


# --- validation ---------------------------------------------------------------------------------


def _join_path(path: str, part: str) -> str:
    if part.startswith("["):
        return f"{path}{part}"
    return f"{path}.{part}" if path else part


def validate_rule(rule: Any, path: str = "") -> None:
    """Raise :class:`RuleError` unless ``rule`` is a well-formed, type-correct rule.

    Checks structure (one of ``all``/``any``/``not`` or a comparison, no extra keys, no
    empty ``all``/``any``), that the fact exists, that the operator exists and applies
    to the fact's type, and that the operand lies within the fact's range, step and
    choices. The error's ``path`` names the part at fault.
    """
    if not isinstance(rule, dict):
        raise RuleError(path, "must be an object")
    composite = [key for key in COMPOSITE_KEYS if key in rule]
    if composite:
        _validate_composite(rule, composite, path)
    elif "fact" in rule or "op" in rule:
        _validate_comparison(rule, path)
    else:
        raise RuleError(path, "must have one of 'all', 'any', 'not' or a 'fact' and 'op'")


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
    if fact.type not in operator.fact_types:
        hint = " (rules test 'age'; birth_date only derives it)" if fact.type == "date" else ""
        raise RuleError(
            _join_path(path, "op"),
            f"operator '{operator.name}' does not apply to {fact.type} fact '{fact.key}'{hint}",
        )
    value_path = _join_path(path, "value")
    if operator.takes_value and "value" not in rule:
        raise RuleError(value_path, f"operator '{operator.name}' needs a value")
    try:
        operator.check_operand(fact, rule.get("value", _NO_OPERAND))
    except ValueError as problem:
        raise RuleError(value_path, str(problem)) from None


def rule_facts(rule: Rule) -> tuple[str, ...]:
    """The fact keys a (valid) rule reads, in first-use order without repeats."""
    return tuple(dict.fromkeys(comparison["fact"] for comparison in iter_comparisons(rule)))


def iter_comparisons(rule: Rule) -> Iterator[Rule]:
    """Every comparison in a (valid) rule, depth first, left to right."""
    if "all" in rule or "any" in rule:
        for child in rule.get("all") or rule.get("any"):
            yield from iter_comparisons(child)
    elif "not" in rule:
        yield from iter_comparisons(rule["not"])
    else:
        yield rule


def probe_values(rule: Rule, key: str) -> tuple[Any, ...]:
    """Values of fact ``key`` that together exercise every outcome ``rule`` can give it.

    Choice facts probe every code; lists probe the empty list and each single code;
    numbers probe the fact's bounds, every constant the rule compares ``key`` with, one
    step either side of it, and midpoints between neighbours (so a narrow open interval
    is still hit). The questionnaire uses them to decide whether a fact can still change
    a criterion.
    """
    fact = FACTS[key]
    if fact.type == "choice":
        return fact.rule_codes
    if fact.type == "multi_choice":
        return ((), *((code,) for code in fact.rule_codes))
    if not fact.is_numeric:
        return ()
    assert fact.min is not None and fact.max is not None
    step = fact.step or 0.5
    constants: list[float] = []
    for comparison in iter_comparisons(rule):
        if comparison["fact"] == key and "value" in comparison:
            value = comparison["value"]
            constants.extend(value if isinstance(value, list | tuple) else [value])
    candidates = {fact.min, fact.max}
    for constant in constants:
        candidates.update((constant - step, constant, constant + step))
    inside = sorted(c for c in candidates if fact.min <= c <= fact.max)
    midpoints = [(low + high) / 2 for low, high in zip(inside, inside[1:], strict=False)]
    if fact.type == "integer":
        # Integer facts only take whole values; the step-one neighbours already cover gaps.
        midpoints = []
    return tuple(sorted(set(inside) | set(midpoints)))
