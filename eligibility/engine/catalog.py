"""One answer set against a whole catalog of trials: every criterion's status in one pass.

Evaluating trial by trial (:class:`~eligibility.engine.evaluate.CompiledTrial`) calls
nested closures for every criterion of every trial, although most trials share their
rules: "aged 18 to 55", "a neurologist has diagnosed MS", "no natalizumab" recur across
thousands of trials. A :class:`Catalog` interns them instead:

- every comparison (a leaf) is keyed by its canonical JSON (keys sorted, code lists
  sorted, since their order never changes the truth), and compiled once;
- every ``all``/``any``/``not`` node by its operator and the ids of its operands
  (sorted and without repeats: Kleene's connectives are commutative and idempotent;
  an ``all`` or ``any`` of one operand is that operand, ``not not x`` is ``x``);
- each criterion is then an index into that table of distinct nodes.

Per answer set each distinct leaf is evaluated once by its compiled closure (the same
code :func:`~eligibility.engine.evaluate.compile_rule` builds, so the same three-valued
semantics), and everything above the leaves is numpy: truth values are small ints
(0 FALSE, 1 UNKNOWN, 2 TRUE), so Kleene's ``all`` is a minimum, ``any`` a maximum and
``not`` is ``2 - x``, reduced level by level over index arrays. A criterion's status and
a trial's verdict are table look-ups and a ``maximum.reduceat`` over each trial's
criteria, following :func:`~eligibility.engine.evaluate.criterion_status` and
:func:`~eligibility.engine.evaluate.verdict_of`: a criterion with no rule is
``not_checked``, which counts like ``unknown``, so such a trial is never eligible; a
criterion with a partial rule has its own status table, where a pass is ``not_checked``.

Explanations are not built here: :meth:`Catalog.explain` builds them for one trial, the
few a page or a response shows.

Like the rest of the engine it is plain Python plus numpy: no Django, none of our apps.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from .evaluate import (
    ELIGIBLE,
    EXCLUSION,
    FAIL,
    INCLUSION,
    INELIGIBLE,
    NOT_CHECKED,
    PASS,
    POSSIBLY_ELIGIBLE,
    STATUS_UNKNOWN,
    CompiledTrial,
    CriterionSpec,
    TrialResult,
    compile_rule,
    compile_trial,
)
from .facts import FACTS, TREATMENT_GROUPS, UNSURE, prepare_facts
from .rules import Rule, RuleError, split_partial, validate_rule
from .values import NEVER, DayRange, UncertainCodes

#: Status codes, in order of how much they count against a trial.
STATUS_NAMES: tuple[str, ...] = (PASS, STATUS_UNKNOWN, NOT_CHECKED, FAIL)
PASS_CODE, UNKNOWN_CODE, NOT_CHECKED_CODE, FAIL_CODE = range(4)
#: Verdict codes: the worst status of a trial's criteria decides it.
VERDICT_NAMES: tuple[str, ...] = (ELIGIBLE, POSSIBLY_ELIGIBLE, INELIGIBLE)

# Truth codes: Kleene AND is min, OR is max, NOT is 2 - x. NOT_CHECKED_TRUTH marks a
# criterion with no rule (the one extra slot at the end of the truth array).
_FALSE, _UNKNOWN, _TRUE, _NOT_CHECKED_TRUTH = range(4)
_TRUTH_CODE = {True: _TRUE, False: _FALSE, None: _UNKNOWN}

# A criterion's status from (truth code + 4 for an exclusion).
_STATUS_OF = np.array(
    [
        FAIL_CODE,  # inclusion, FALSE
        UNKNOWN_CODE,
        PASS_CODE,  # inclusion, TRUE
        NOT_CHECKED_CODE,
        PASS_CODE,  # exclusion, FALSE: it does not apply
        UNKNOWN_CODE,
        FAIL_CODE,  # exclusion, TRUE
        NOT_CHECKED_CODE,
    ],
    dtype=np.int8,
)
# Status codes rise with how much they count against a trial, so a trial's verdict is
# read off the largest of its criteria's codes: pass eligible, unknown or not checked
# possibly eligible, fail ineligible.
_VERDICT_OF_STATUS = np.array([0, 1, 1, 2], dtype=np.int8)
# The same for a criterion whose rule reads its line in part: it never passes.
_PARTIAL_STATUS_OF = np.where(_STATUS_OF == PASS_CODE, NOT_CHECKED_CODE, _STATUS_OF).astype(np.int8)

_LEAF, _ALL, _ANY, _NOT = range(4)

#: Operators whose list operand is a set: its order never changes the truth.
_SET_OPERANDS = frozenset({"in", "contains_any", "currently_taking"})


#: JSON with sorted keys and no spaces: equal text, equal rule.
_canonical_json = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode


def _canonical_leaf(rule: Rule) -> str:
    """The canonical JSON of a comparison: equal strings, equal truth on every answer."""
    value = rule.get("value")
    op = rule["op"]
    if op in _SET_OPERANDS and isinstance(value, list | tuple):
        value = sorted(value)
    elif op == "taken_within" and isinstance(value, dict):
        value = {"codes": sorted(value["codes"]), "days": value["days"]}
    leaf = {"fact": rule["fact"], "op": op}
    if "value" in rule:
        leaf["value"] = value
    return _canonical_json(leaf)


def _rule_text(rule: Rule) -> str:
    """A whole rule's memo key. ``repr`` is exact (equal text, equal rule: ``1``, ``1.0``
    and ``True`` differ) and several times cheaper than JSON; the same rule with its keys
    in another order is only interned again, leaf by leaf, to the same nodes."""
    return repr(rule)


class _NodeTable:
    """Distinct rule nodes while a catalog is built; frozen into arrays at the end."""

    def __init__(self) -> None:
        self.kinds: list[int] = []
        self.children: list[tuple[int, ...]] = []
        self.heights: list[int] = []
        self.leaves: list[Rule | None] = []
        self.by_key: dict[Any, int] = {}
        #: Whole rules seen before, by :func:`_rule_text`: a repeated rule costs one repr.
        self.by_rule: dict[str, int] = {}

    def _node(self, key: Any, kind: int, children: tuple[int, ...], leaf: Rule | None) -> int:
        node = self.by_key.get(key)
        if node is None:
            node = self.by_key[key] = len(self.kinds)
            self.kinds.append(kind)
            self.children.append(children)
            self.heights.append(1 + max(self.heights[c] for c in children) if children else 0)
            self.leaves.append(leaf)
        return node

    def rule(self, rule: Rule, text: str) -> int:
        """The node of a whole rule; ``text`` is its :func:`_rule_text`."""
        node = self.by_rule.get(text)
        if node is None:
            node = self.by_rule[text] = self._intern(rule)
        return node

    def _intern(self, rule: Rule) -> int:
        if "all" in rule or "any" in rule:
            kind = _ALL if "all" in rule else _ANY
            children = tuple(
                sorted({self._intern(child) for child in rule.get("all") or rule["any"]})
            )
            if len(children) == 1:
                return children[0]
            return self._node((kind, children), kind, children, None)
        if "not" in rule:
            if "not" in rule["not"]:
                return self._intern(rule["not"]["not"])
            child = self._intern(rule["not"])
            if self.kinds[child] == _NOT:  # an `all` or `any` of one negated operand
                return self.children[child][0]
            return self._node((_NOT, child), _NOT, (child,), None)
        return self._node(_canonical_leaf(rule), _LEAF, (), rule)


_ORDERED = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}
_NUMERIC_OPS = frozenset({*_ORDERED, "==", "!=", "between"})
#: ``never`` is greater than every bound (as :mod:`eligibility.engine.rules` reads it).
_NEVER_TRUTH = {
    "==": _FALSE,
    "!=": _TRUE,
    "<": _FALSE,
    "<=": _FALSE,
    ">": _TRUE,
    ">=": _TRUE,
    "between": _FALSE,
}
_PLAIN_NUMBERS = (int, float)
_PLAIN_LISTS = (list, tuple)


def _expand(codes: Iterable[str]) -> set[str]:
    """Codes with each treatment group name replaced by its members."""
    expanded: set[str] = set()
    for code in codes:
        expanded.update(TREATMENT_GROUPS[code].members if code in TREATMENT_GROUPS else (code,))
    return expanded


def _group_of(rule: Rule) -> tuple[str, ...]:
    """Which vectorised kernel evaluates a comparison; ``("python",)`` for its closure.

    Comparisons on one choice fact are a membership test of its code; ``contains_any``
    on one list fact a test of its codes; a numeric operator on one number fact compares
    it with an array of constants. The rest (``is_empty``, ``ever``, the treatment
    history operators) are few distinct leaves: their compiled closures are called.
    """
    fact, op = FACTS[rule["fact"]], rule["op"]
    if fact.type == "choice" and op in ("==", "!=", "in"):
        return ("choice", fact.key)
    if fact.type == "multi_choice" and op == "contains_any":
        return ("codes", fact.key)
    if fact.is_numeric and op in _NUMERIC_OPS:
        return ("number", fact.key, op)
    return ("python",)


class _Kernel:
    """Truth codes of a run of leaves; calls their closures for values it does not read."""

    def __init__(self, key: str, rules: Sequence[Rule]):
        self.key = key
        self.rules = rules
        self.unknown = np.full(len(rules), _UNKNOWN, dtype=np.int8)

    @cached_property
    def closures(self) -> tuple[Callable[[Mapping[str, Any]], Any], ...]:
        # A vectorised kernel needs them only for a value it does not read: made then.
        return tuple(compile_rule(rule, validate=False) for rule in self.rules)

    def python(self, facts: Mapping[str, Any]) -> list[int]:
        code = _TRUTH_CODE
        return [code[closure(facts)] for closure in self.closures]

    def __call__(self, facts: Mapping[str, Any]) -> Any:
        value = facts.get(self.key)
        # A missing or `unsure` fact leaves every comparison on it unknown.
        if value is None or value == UNSURE:
            return self.unknown
        result = self.vector(value)
        return self.python(facts) if result is None else result

    def vector(self, value: Any) -> np.ndarray | None:
        return None


class _PythonKernel(_Kernel):
    def __call__(self, facts: Mapping[str, Any]) -> Any:
        return self.python(facts)


class _CodeKernel(_Kernel):
    """Choice facts (``==``, ``!=``, ``in``) and lists (``contains_any``) as bit matrices:
    row ``i`` marks the codes leaf ``i`` lists."""

    def __init__(self, key: str, rules: Sequence[Rule]):
        super().__init__(key, rules)
        listed = [
            _expand(value) if isinstance(value, list | tuple) else {value}
            for value in (rule["value"] for rule in rules)
        ]
        codes = dict.fromkeys(FACTS[key].choice_codes)
        codes.update(dict.fromkeys(sorted(set().union(*listed))))
        self.index = {code: i for i, code in enumerate(codes)}
        # One more column, never set, for a value the rules do not know.
        self.listed = np.zeros((len(rules), len(self.index) + 1), dtype=bool)
        for row, row_codes in enumerate(listed):
            self.listed[row, [self.index[code] for code in row_codes]] = True
        self.negate = np.array([rule["op"] == "!=" for rule in rules], dtype=bool)
        self.choice = FACTS[key].type == "choice"

    def columns(self, codes: Any) -> list[int] | None:
        index = self.index
        try:
            return [index[code] for code in codes]
        except (KeyError, TypeError):
            return None

    def vector(self, value: Any) -> np.ndarray | None:
        if self.choice:
            if value.__class__ is not str:
                return None
            # A code the fact does not list matches no leaf (the last, empty column).
            hit = self.listed[:, self.index.get(value, -1)] ^ self.negate
            return hit.astype(np.int8) * _TRUE
        if value.__class__ in _PLAIN_LISTS:
            known = self.columns(value)
            if known is None:
                return None
            return self.listed[:, known].any(axis=1).astype(np.int8) * _TRUE
        if isinstance(value, UncertainCodes):
            known, unknown = self.columns(value.known), self.columns(value.unknown)
            if known is None or unknown is None:
                return None
            truth = self.listed[:, unknown].any(axis=1).astype(np.int8)
            truth[self.listed[:, known].any(axis=1)] = _TRUE
            return truth
        return None


class _NumberKernel(_Kernel):
    """One numeric operator on one number fact against an array of constants; a day
    range is TRUE when both its ends are, FALSE when neither is, as the compiled
    predicates read it."""

    def __init__(self, key: str, op: str, rules: Sequence[Rule]):
        super().__init__(key, rules)
        self.op = op
        values = [rule["value"] for rule in rules]
        if op == "between":
            self.low = np.array([v[0] for v in values], dtype=np.float64)
            self.high = np.array([v[1] for v in values], dtype=np.float64)
        else:
            self.constant = np.array(values, dtype=np.float64)
        self.never = np.full(len(rules), _NEVER_TRUTH[op], dtype=np.int8)

    def holds(self, number: float) -> np.ndarray:
        if self.op == "between":
            return (self.low <= number) & (number <= self.high)
        if self.op == "==":
            return self.constant == number
        if self.op == "!=":
            return self.constant != number
        return _ORDERED[self.op](number, self.constant)

    def vector(self, value: Any) -> np.ndarray | None:
        if value.__class__ in _PLAIN_NUMBERS:
            return self.holds(value).astype(np.int8) * _TRUE
        if value.__class__ is DayRange:
            low, high = value
            if self.op in ("==", "!="):
                inside = (self.constant >= low) & (self.constant <= high)
                outside = _TRUE if self.op == "!=" else _FALSE
                return np.where(inside, _UNKNOWN, outside).astype(np.int8)
            if self.op == "between":
                within = (self.low <= low) & (high <= self.high)
                apart = (high < self.low) | (low > self.high)
                return np.where(within, _TRUE, np.where(apart, _FALSE, _UNKNOWN)).astype(np.int8)
            at_low, at_high = self.holds(low), self.holds(high)
            return np.where(at_low == at_high, at_low * _TRUE, _UNKNOWN).astype(np.int8)
        if value == NEVER:
            return self.never
        return None


def _kernel(group: tuple[str, ...], rules: Sequence[Rule]) -> _Kernel:
    if group[0] == "choice" or group[0] == "codes":
        return _CodeKernel(group[1], rules)
    if group[0] == "number":
        return _NumberKernel(group[1], group[2], rules)
    return _PythonKernel("", rules)


@dataclass(frozen=True)
class _Level:
    """One vectorised step: the nodes ``start:stop`` reduce their operands at ``operands``
    (an ``all`` or ``any``: segments begin at ``offsets``), or negate them (``not``)."""

    kind: int
    start: int
    stop: int
    operands: np.ndarray
    offsets: np.ndarray


class CatalogResult:
    """Every criterion's status and every trial's verdict for one answer set, as codes.

    ``statuses[i]`` is the code (see :data:`STATUS_NAMES`) of the catalog's ``i``-th
    criterion (trial after trial, each in criterion order), ``verdicts[t]`` the code (see
    :data:`VERDICT_NAMES`) of trial ``t``. Names are made only when asked for, since a
    page shows a few trials of thousands.
    """

    def __init__(self, catalog: Catalog, statuses: np.ndarray, verdicts: np.ndarray):
        self.catalog = catalog
        self.statuses = statuses
        self.verdicts = verdicts

    def verdict(self, index: int) -> str:
        """Trial ``index``'s verdict: ``eligible``, ``possibly_eligible`` or ``ineligible``."""
        return VERDICT_NAMES[self.verdicts[index]]

    def verdict_names(self) -> list[str]:
        """Every trial's verdict, in catalog order."""
        return [VERDICT_NAMES[code] for code in self.verdicts.tolist()]

    def trial_statuses(self, index: int) -> list[str]:
        """Trial ``index``'s criterion statuses, in criterion order."""
        start, stop = self.catalog.starts[index], self.catalog.starts[index + 1]
        return [STATUS_NAMES[code] for code in self.statuses[start:stop].tolist()]


class Catalog:
    """Many trials' criteria, each distinct rule compiled once, evaluated in one pass.

    Build it from :class:`CompiledTrial` objects (already validated: the match service's
    path) or from lists of :class:`CriterionSpec` (validated here, once per distinct
    rule; :exc:`RuleError` names the criterion at fault). Its memory is the distinct
    rules plus a few bytes a criterion; the trials' own compiled form, needed only for
    explanations, is made on demand (:meth:`trial`) unless it was given.
    """

    def __init__(self, trials: Iterable[CompiledTrial | Sequence[CriterionSpec]]):
        table = _NodeTable()
        checked: set[str] = set()
        nodes: list[int] = []
        exclusion: list[bool] = []
        partial: list[bool] = []
        starts = [0]
        self._trials: list[CompiledTrial | Sequence[CriterionSpec]] = []
        for trial in trials:
            specs = [c.spec for c in trial.criteria] if isinstance(trial, CompiledTrial) else trial
            validate = not isinstance(trial, CompiledTrial)
            for spec in specs:
                nodes.append(self._criterion_node(table, spec, validate, checked))
                exclusion.append(spec.kind == EXCLUSION)
                partial.append(spec.partial)
            starts.append(len(nodes))
            self._trials.append(trial)
        self._freeze(table, nodes, exclusion, partial, starts)

    @staticmethod
    def _criterion_node(
        table: _NodeTable, spec: CriterionSpec, validate: bool, checked: set[str]
    ) -> int:
        """The node of a criterion's rule; -1 for a criterion with no rule."""
        if validate and spec.kind not in (INCLUSION, EXCLUSION):
            raise RuleError(
                "kind", f"must be 'inclusion' or 'exclusion', not {spec.kind!r}"
            ).for_criterion(spec.id)
        if spec.rule is None:
            return -1
        text = _rule_text(spec.rule)
        if validate and text not in checked:
            try:
                validate_rule(spec.rule)
            except RuleError as error:
                raise error.for_criterion(spec.id) from None
            checked.add(text)
        rule, _ = split_partial(spec.rule)
        return table.rule(rule, text if rule is spec.rule else _rule_text(rule))

    def _freeze(
        self,
        table: _NodeTable,
        nodes: list[int],
        exclusion: list[bool],
        partial: list[bool],
        starts: list[int],
    ) -> None:
        """Renumber the nodes leaves first, then by height and kind, into index arrays."""
        groups = {n: _group_of(table.leaves[n]) for n, k in enumerate(table.kinds) if k == _LEAF}
        leaves = sorted(groups, key=groups.__getitem__)
        composites = sorted(
            (n for n, kind in enumerate(table.kinds) if kind != _LEAF),
            key=lambda n: (table.heights[n], table.kinds[n]),
        )
        order = leaves + composites
        new_id = np.empty(len(order) + 1, dtype=np.int32)
        for position, node in enumerate(order):
            new_id[node] = position
        count = len(order)
        new_id[-1] = count  # -1 (no rule) -> the extra NOT_CHECKED slot
        self.leaf_count = len(leaves)
        kernels: list[tuple[int, int, _Kernel]] = []
        position = 0
        while position < len(leaves):
            group = groups[leaves[position]]
            stop = position
            while stop < len(leaves) and groups[leaves[stop]] == group:
                stop += 1
            rules = [table.leaves[n] for n in leaves[position:stop]]
            kernels.append((position, stop, _kernel(group, rules)))
            position = stop
        self._kernels = tuple(kernels)
        levels: list[_Level] = []
        position = self.leaf_count
        while position < count:
            node = order[position]
            height, kind = table.heights[node], table.kinds[node]
            stop = position
            while stop < count and (table.heights[order[stop]], table.kinds[order[stop]]) == (
                height,
                kind,
            ):
                stop += 1
            operands: list[int] = []
            offsets: list[int] = []
            for member in order[position:stop]:
                offsets.append(len(operands))
                operands.extend(int(new_id[child]) for child in table.children[member])
            levels.append(
                _Level(
                    kind,
                    position,
                    stop,
                    np.array(operands, dtype=np.int32),
                    np.array(offsets, dtype=np.int32),
                )
            )
            position = stop
        self._levels = tuple(levels)
        self.node_count = count
        self.criterion_nodes = (
            new_id[np.array(nodes, dtype=np.int64)] if nodes else np.empty(0, np.int32)
        )
        # Each criterion indexes a per-answer-set table of statuses: its node's for an
        # inclusion, past the first quarter for an exclusion, in the second half for a
        # partial rule. Native integers (intp), so the one gather over every criterion
        # needs no conversion.
        quarter = np.array(exclusion, dtype=np.intp) + 2 * np.array(partial, dtype=np.intp)
        self._has_partial = any(partial)
        self._status_index = self.criterion_nodes.astype(np.intp) + (count + 1) * quarter
        self.starts = np.array(starts, dtype=np.int64)
        sizes = np.diff(self.starts)
        self._nonempty = np.flatnonzero(sizes > 0)
        self._nonempty_starts = self.starts[:-1][self._nonempty]
        checked_rules = (
            np.add.reduceat((self.criterion_nodes != count).astype(np.int32), self._nonempty_starts)
            if len(self._nonempty)
            else np.empty(0, np.int32)
        )
        #: The share of each trial's criteria that have a rule (1.0 for a trial with none).
        self.checked_share = np.ones(len(sizes), dtype=np.float64)
        self.checked_share[self._nonempty] = checked_rules / sizes[self._nonempty]

    def __len__(self) -> int:
        return len(self._trials)

    @property
    def criterion_count(self) -> int:
        return len(self.criterion_nodes)

    def truths(self, facts: Mapping[str, Any]) -> np.ndarray:
        """The truth code of every distinct node, plus the NOT_CHECKED slot at the end."""
        truth = np.empty(self.node_count + 1, dtype=np.int8)
        for start, stop, kernel in self._kernels:
            truth[start:stop] = kernel(facts)
        truth[-1] = _NOT_CHECKED_TRUTH
        for level in self._levels:
            values = truth[level.operands]
            if level.kind == _ALL:
                truth[level.start : level.stop] = np.minimum.reduceat(values, level.offsets)
            elif level.kind == _ANY:
                truth[level.start : level.stop] = np.maximum.reduceat(values, level.offsets)
            else:
                truth[level.start : level.stop] = _TRUE - values
        return truth

    def evaluate_facts(self, facts: Mapping[str, Any]) -> CatalogResult:
        """Every criterion's status and every trial's verdict for prepared ``facts``."""
        truth = self.truths(facts).astype(np.intp)
        parts = [_STATUS_OF[truth], _STATUS_OF[truth + 4]]
        if self._has_partial:
            parts += [_PARTIAL_STATUS_OF[truth], _PARTIAL_STATUS_OF[truth + 4]]
        table = np.concatenate(parts)
        statuses = table.take(self._status_index)
        verdicts = np.zeros(len(self._trials), dtype=np.int8)  # no criteria: eligible
        if len(self._nonempty):
            worst = np.maximum.reduceat(statuses, self._nonempty_starts)
            verdicts[self._nonempty] = _VERDICT_OF_STATUS.take(worst.astype(np.intp))
        return CatalogResult(self, statuses, verdicts)

    def evaluate(self, answers: Any, *, today: Any) -> CatalogResult:
        """Validate raw ``answers`` once (raises ``InvalidAnswers``) and evaluate them."""
        return self.evaluate_facts(prepare_facts(answers, today=today))

    def trial(self, index: int) -> CompiledTrial:
        """Trial ``index`` compiled for explanations; compiled (and kept) on first use."""
        trial = self._trials[index]
        if not isinstance(trial, CompiledTrial):
            trial = self._trials[index] = compile_trial(trial, trial_id=index)
        return trial

    def explain(self, index: int, facts: Mapping[str, Any], *, lang: str = "en") -> TrialResult:
        """Trial ``index``'s full result with explanations, for one trial a page shows."""
        return self.trial(index).evaluate_facts(facts, lang=lang)


__all__ = [
    "FAIL_CODE",
    "NOT_CHECKED_CODE",
    "PASS_CODE",
    "STATUS_NAMES",
    "UNKNOWN_CODE",
    "VERDICT_NAMES",
    "Catalog",
    "CatalogResult",
]
