"""The OpenAPI description of an ``answers`` object, derived from the fact registry.

One source of truth: the keys, types, ranges and codes come from ``eligibility.engine.facts``
(each fact's :meth:`~eligibility.engine.facts.Fact.json_schema`), never retyped here.
"""

from __future__ import annotations

from typing import Any

from .engine.facts import FACTS

#: The public answer keys, in a stable order (one OpenAPI enum everywhere).
ANSWER_KEYS: list[str] = sorted(FACTS)

#: Every fact type a question can have (the questionnaire API's ``type``).
FACT_TYPES: list[str] = sorted({fact.type for fact in FACTS.values()})


def fact_schema(key: str) -> dict[str, Any]:
    """The JSON schema of one answer value."""
    return FACTS[key].json_schema()


def answers_schema() -> dict[str, Any]:
    """The JSON schema of a whole ``answers`` object (every key optional)."""
    return {
        "type": "object",
        "description": (
            "The patient's answers, keyed by the public answer keys. Every key is "
            "optional; a missing key or 'unsure' makes the criteria that need it unknown. "
            "Dated facts take a day (YYYY-MM-DD), a month (YYYY-MM) or 'never'; rules test "
            "the day counts derived from them (days_since_...), which may also be given."
        ),
        "properties": {key: fact_schema(key) for key in FACTS},
        "additionalProperties": False,
    }
