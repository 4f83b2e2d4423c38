"""What a pattern gives back: a clause it read, or its reason for reading nothing.

A :class:`Clause` is one piece of a line read as a rule, with its patient text as the
modifier that follows "People" / "Personas" ("aged 18 to 55" / "de 18 a 55 años") and the
words that matched. Clauses combine with :func:`all_of` and :func:`any_of` (rules, patient
text and reasons together). A :class:`Refusal` says why a pattern that recognised its
subject still proposes nothing ("a Gd-enhancing lesion: the MRI fact is broader").
"""

from __future__ import annotations

from dataclasses import dataclass

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
    out: list[dict] = []
    for rule in rules:
        out.extend(rule.get(key, [rule]))
    return out


def all_rule(rules: list[dict]) -> dict:
    rules = _flatten("all", rules)
    return rules[0] if len(rules) == 1 else {"all": rules}


def any_rule(rules: list[dict]) -> dict:
    rules = _flatten("any", rules)
    return rules[0] if len(rules) == 1 else {"any": rules}


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
        join_alternatives([clause.en for clause in clauses], "en"),
        join_alternatives([clause.es for clause in clauses], "es"),
        pattern or _pattern_of(clauses),
        " ".join([*(clause.reason for clause in clauses), reason]).strip(),
    )


def quoted(words: str) -> str:
    """Registry words as a curator reads them in a reason."""
    return f'"{words.strip()}"'
