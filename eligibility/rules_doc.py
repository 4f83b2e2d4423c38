"""The fact reference of docs/rules.md, written from the fact registry.

``python manage.py rules_doc`` rewrites the block between the two markers in
docs/rules.md; a test fails when the committed block differs from what the registry
gives, so the curators' reference can never miss a key, a code or a group.
"""

from __future__ import annotations

from pathlib import Path

from .engine.facts import CONDITIONS, FACTS, TREATMENT_GROUPS, TREATMENTS
from .engine.rules import OPERATORS

BEGIN = "<!-- fact reference: written by `python manage.py rules_doc`; do not edit by hand -->"
END = "<!-- end of the fact reference -->"

_TYPE_WORDS = {
    "integer": "whole number",
    "number": "number",
    "date": "date `YYYY-MM-DD` (derives `age`)",
    "choice": "one code",
    "multi_choice": "list of codes (`[]` = none)",
    "month_date": "day `YYYY-MM-DD`, month `YYYY-MM` or `never`",
    "days": "whole days `0..50000` or `never`",
    "treatment_history": "object: treatment code -> last dose (day, month, `current`, `unsure`)",
}


def _domain(fact) -> str:
    if fact.type in ("integer", "number", "days") and fact.min is not None:
        step = f", steps of {fact.step:g}" if fact.step and fact.type == "number" else ""
        return f"{fact.min:g}..{fact.max:g}{step}"
    if fact.type == "choice":
        return ", ".join(f"`{code}`" for code in fact.choice_codes)
    if fact.type == "multi_choice":
        return "treatment codes" if fact.choices == TREATMENTS else "condition codes"
    if fact.type == "treatment_history":
        return "treatment codes"
    return ""


def _tested_as(fact) -> str:
    if fact.derives:
        return f"as `{fact.derives}`"
    if fact.key == "birth_date":
        return "as `age`"
    operators = [
        name
        for name, op in OPERATORS.items()
        if fact.type in op.fact_types and (name != "ever" or fact.accepts_never)
    ]
    return ", ".join(f"`{name}`" for name in operators)


def fact_reference() -> str:
    """The Markdown of the generated block (without the markers)."""
    lines = [
        "| key | type | values | unsure | never | rules test it with | asked as |",
        "|---|---|---|---|---|---|---|",
    ]
    for fact in sorted(FACTS.values(), key=lambda f: f.order):
        lines.append(
            f"| `{fact.key}` | {_TYPE_WORDS[fact.type]} | {_domain(fact)} | "
            f"{'yes' if fact.accepts_unsure or 'unsure' in fact.choice_codes else 'no'} | "
            f"{'yes' if fact.accepts_never else 'no'} | {_tested_as(fact)} | "
            f"{fact.question('en')} |"
        )
    lines += ["", "Treatment codes:", ""]
    lines += [f"- `{c.code}`: {c.label('en')}" for c in TREATMENTS]
    lines += ["", "Treatment code groups (resolved when rules are compiled):", ""]
    for group in TREATMENT_GROUPS.values():
        members = ", ".join(f"`{code}`" for code in group.members)
        lines.append(f"- `{group.code}` ({group.label_text.en}): {members}")
    lines += ["", "`other_conditions` codes:", ""]
    lines += [f"- `{c.code}`: {c.label('en')}" for c in CONDITIONS]
    return "\n".join(lines)


def rules_doc_render(text: str) -> str:
    """``text`` (docs/rules.md) with its generated block replaced by the registry's."""
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    return f"{text[:start]}\n\n{fact_reference()}\n\n{text[end:]}"


def rules_doc_path() -> Path:
    return Path(__file__).resolve().parents[1] / "docs" / "rules.md"
