"""The OpenAPI description of an ``answers`` object, derived from the fact registry.

One source of truth: the keys, types, ranges and codes come from ``eligibility.engine.facts``,
never retyped here.
"""

from __future__ import annotations

from typing import Any

from .engine.facts import FACTS, UNSURE

#: The public answer keys, in a stable order (one OpenAPI enum everywhere).
ANSWER_KEYS: list[str] = sorted(FACTS)


def fact_schema(key: str) -> dict[str, Any]:
    """The JSON schema of one answer value."""
    fact = FACTS[key]
    unsure = {"type": "string", "enum": [UNSURE]}
    if fact.type in ("integer", "number"):
        value: dict[str, Any] = {"type": fact.type}
        if fact.min is not None:
            value["minimum"] = fact.min
        if fact.max is not None:
            value["maximum"] = fact.max
        if fact.step and fact.type == "number":
            value["multipleOf"] = fact.step
    elif fact.type == "date":
        value = {"type": "string", "format": "date"}
    elif fact.type == "choice":
        return {"type": "string", "enum": list(fact.choice_codes), "description": fact.question()}
    else:  # multi_choice
        value = {
            "type": "array",
            "items": {"type": "string", "enum": list(fact.choice_codes)},
            "uniqueItems": True,
        }
    schema: dict[str, Any] = {"oneOf": [value, unsure]} if fact.accepts_unsure else value
    schema["description"] = fact.question()
    return schema


def answers_schema() -> dict[str, Any]:
    """The JSON schema of a whole ``answers`` object (every key optional)."""
    return {
        "type": "object",
        "description": (
            "The patient's answers, keyed by the public answer keys. Every key is "
            "optional; a missing key or 'unsure' makes the criteria that need it unknown."
        ),
        "properties": {key: fact_schema(key) for key in FACTS},
        "additionalProperties": False,
    }
