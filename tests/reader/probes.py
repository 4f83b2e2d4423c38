"""Patients to try a rule on: each fact's domain, the rule's constants and their neighbours,
``never``, month dates straddling a bound, ``unsure`` and missing answers.

The values are the engine's own probes (:func:`eligibility.engine.rules.probe_values`,
what the questionnaire uses to decide whether an answer can still change a criterion),
for every fact either rule reads, in every combination (a seeded sample when there are
too many).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from typing import Any

from eligibility.engine.evaluate import (
    FAIL,
    NOT_CHECKED,
    criterion_status,
    interpret_rule,
)
from eligibility.engine.facts import FACTS, MAX_DAYS, UNSURE, expand_treatment_codes
from eligibility.engine.rules import iter_comparisons, probe_values, rule_facts
from eligibility.engine.treatments import history_with
from eligibility.engine.values import CURRENT, DayRange

_LIMIT = 3000


def _history_values(rules: list[dict]) -> list[Any]:
    """Every listed code alone (not one code standing for a group: the two rules may list
    different codes), current, unsure, long ago, and either side of and straddling each
    ``days`` bound."""
    codes: set[str] = set()
    bounds: set[int] = set()
    for rule in rules:
        for comparison in iter_comparisons(rule):
            if comparison["fact"] != "treatment_history":
                continue
            value = comparison["value"]
            listed = value["codes"] if comparison["op"] == "taken_within" else value
            codes.update(expand_treatment_codes(listed))
            if comparison["op"] == "taken_within":
                bounds.add(value["days"])
    doses: list[Any] = [CURRENT, UNSURE, MAX_DAYS]
    for bound in sorted(bounds):
        doses += [max(0, bound - 1), bound, bound + 1, DayRange(max(0, bound - 15), bound + 15)]
    values = [history_with({})]
    values += [history_with({code: dose}) for code in sorted(codes) for dose in doses]
    return values


def _values(rules: list[dict], key: str) -> list[Any]:
    if key == "treatment_history":
        return [*_history_values(rules), None]
    found: dict[str, Any] = {}
    for rule in rules:
        for value in probe_values(rule, key) if key in rule_facts(rule) else ():
            found.setdefault(repr(value), value)
    values = list(found.values())
    values.append(None)
    if FACTS[key].accepts_unsure:
        values.append(UNSURE)
    return values


def _list_pairs() -> list[tuple[Any, Any]]:
    """(treatments_ever, treatments_last_6_months) pairs a patient could give: none, or one
    code taken long ago or recently, and either list unanswered."""
    codes = FACTS["treatments_ever"].rule_codes
    pairs: list[tuple[Any, Any]] = [((), ()), (None, None), (UNSURE, None), (None, ())]
    for code in codes:
        pairs += [((code,), ()), ((code,), (code,)), (None, (code,)), ((code,), None)]
    return pairs


def probe_facts(*rules: dict | None) -> Iterator[dict[str, Any]]:
    """Prepared facts exercising every fact the rules read."""
    present = [rule for rule in rules if rule is not None]
    keys = list(dict.fromkeys(key for rule in present for key in rule_facts(rule)))
    lists = ("treatments_ever", "treatments_last_6_months")
    joint = "treatment_history" in keys or any(key in keys for key in lists)
    keys = [key for key in keys if key not in lists]
    domains: list[list[Any]] = [_values(present, key) for key in keys]
    if joint:
        keys.append(lists)
        domains.append(_list_pairs())
    total = 1
    for domain in domains:
        total *= len(domain)
    if total <= _LIMIT:
        combinations = itertools.product(*domains)
    else:
        chooser = random.Random(20250615)
        combinations = (tuple(chooser.choice(d) for d in domains) for _ in range(_LIMIT))
    for combination in combinations:
        facts: dict[str, Any] = {}
        for key, value in zip(keys, combination, strict=True):
            if isinstance(key, tuple):
                facts.update({k: v for k, v in zip(key, value, strict=True) if v is not None})
            elif value is not None:
                facts[key] = value
        yield facts


def status(kind: str, rule: dict | None, facts: dict[str, Any]) -> str:
    if rule is None:
        return NOT_CHECKED
    return criterion_status(kind, interpret_rule(rule, facts))


def wrong_exclusions(kind: str, proposed: dict | None, reference: dict | None) -> list[dict]:
    """Probed patients the proposal rules out although the reference does not."""
    return [
        facts
        for facts in probe_facts(proposed, reference)
        if status(kind, proposed, facts) == FAIL and status(kind, reference, facts) != FAIL
    ]
