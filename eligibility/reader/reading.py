"""What a pattern gives back: a clause it read, or its reason for reading nothing.

A :class:`Clause` is one piece of a line read as a rule, with its patient text as the
modifier that follows "People" / "Personas" ("aged 18 to 55" / "de 18 a 55 años") and the
words that matched. Clauses combine with :func:`all_of` and :func:`any_of` (rules, patient
text and reasons together). A :class:`Refusal` says why a pattern that recognised its
subject still proposes nothing ("a Gd-enhancing lesion: the MRI fact is broader").
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from eligibility.engine.rules import UNREAD_MAX_LENGTH, split_partial

from .vocabulary import join_alternatives


@dataclass(frozen=True)
class Clause:
    rule: dict
    en: str
    es: str
    pattern: str
    reason: str


@dataclass(frozen=True)
class Refusal:
    pattern: str
    reason: str


def comparison(fact: str, op: str, value=None) -> dict:
    """One comparison rule; ``is_empty`` takes no value."""
    rule = {"fact": fact, "op": op}
    if op != "is_empty":
        rule["value"] = value
    return rule


def _flatten(key: str, rules: list[dict]) -> list[dict]:
    """The operands of nested ``key`` nodes, each once (Kleene's connectives are
    idempotent: "MS, or a diagnosis of MS" is one test)."""
    out: dict[str, dict] = {}
    for rule in rules:
        for operand in rule.get(key, [rule]):
            out.setdefault(json.dumps(operand, sort_keys=True), operand)
    return list(out.values())


def _unwrap(rules: list[dict]) -> tuple[list[dict], list[str]]:
    """The rules without their partial wrappers, and the parts they leave unread."""
    inner, unread = [], []
    for rule in rules:
        rule, left = split_partial(rule)
        inner.append(rule)
        if left is not None:
            unread.append(left)
    return inner, unread


def partial_rule(rule: dict, unread: list[str]) -> dict:
    """``rule`` as a criterion's partial rule when some words are ``unread`` (else itself).

    A partial part stays sound inside ``all`` and ``any``: each rules out only people its
    part rules out, and Kleene's connectives are monotone, so the whole rules out only
    people the whole line rules out; the criterion is never ``pass`` (see the engine).
    """
    if not unread:
        return rule
    return {"partial": rule, "unread": "; ".join(dict.fromkeys(unread))[:UNREAD_MAX_LENGTH]}


def all_rule(rules: list[dict]) -> dict:
    rules, unread = _unwrap(rules)
    rules = _flatten("all", rules)
    return partial_rule(rules[0] if len(rules) == 1 else {"all": rules}, unread)


def any_rule(rules: list[dict]) -> dict:
    rules, unread = _unwrap(rules)
    rules = _flatten("any", rules)
    return partial_rule(rules[0] if len(rules) == 1 else {"any": rules}, unread)


def partial_of(clause: Clause, unread: list[str], why: str) -> Clause:
    """A clause read from part of a line, the ``unread`` words left to the study team."""
    return Clause(
        partial_rule(clause.rule, unread),
        clause.en,
        clause.es,
        f"{clause.pattern}+partial",
        f"{clause.reason} Left to the study team: "
        + ", ".join(quoted(words) for words in unread)
        + f" ({why}). So the rule is partial: it rules out only people the line rules out, "
        "and where it does not, the line is not checked.",
    )


def _pattern_of(clauses: list[Clause]) -> str:
    return "+".join(dict.fromkeys(clause.pattern for clause in clauses))


def all_of(clauses: list[Clause]) -> Clause:
    """Every clause holds: an inclusion line's "A, with B and C"."""
    if len(clauses) == 1:
        return clauses[0]
    # "People aged 18 to 55, whose neurologist has diagnosed MS, with an EDSS ...": each
    # clause is a modifier of "People", so commas read better than a chain of "and".
    return Clause(
        all_rule([clause.rule for clause in clauses]),
        ", ".join(clause.en for clause in clauses),
        ", ".join(clause.es for clause in clauses),
        _pattern_of(clauses),
        " ".join(clause.reason for clause in clauses),
    )


def any_of(clauses: list[Clause], *, pattern: str | None = None, reason: str = "") -> Clause:
    """At least one clause holds: alternatives, or an exclusion's list of things."""
    if len(clauses) == 1 and not reason:
        return clauses[0]
    return Clause(
        any_rule([clause.rule for clause in clauses]),
        join_alternatives(list(dict.fromkeys(clause.en for clause in clauses)), "en"),
        join_alternatives(list(dict.fromkeys(clause.es for clause in clauses)), "es"),
        pattern or _pattern_of(clauses),
        " ".join([*(clause.reason for clause in clauses), reason]).strip(),
    )


def quoted(words: str) -> str:
    """Registry words as a curator reads them in a reason."""
    return f'"{words.strip()}"'
