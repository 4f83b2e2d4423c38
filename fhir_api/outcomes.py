"""OperationOutcome issues: notes about the input, and the errors that refuse it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

#: An OperationOutcome lists at most this many issues; the rest are counted in one more.
MAX_ISSUES = 100
#: Diagnostics longer than this are cut (a validator's message can quote a whole list).
MAX_DIAGNOSTICS = 300


@dataclass(frozen=True)
class Issue:
    """One OperationOutcome issue.

    ``severity``: ``error`` refuses the request (400); ``warning`` means a resource or
    element was left out; ``information`` is a note. ``expression`` names the elements
    (``Bundle.entry[3].resource.status``).
    """

    severity: str  # fatal | error | warning | information
    code: str  # invalid | structure | required | value | code-invalid | not-found | ...
    diagnostics: str
    expression: str | tuple[str, ...] | None = None

    def as_dict(self) -> dict[str, Any]:
        diagnostics = self.diagnostics
        if len(diagnostics) > MAX_DIAGNOSTICS:
            diagnostics = diagnostics[: MAX_DIAGNOSTICS - 1] + "…"
        issue: dict[str, Any] = {
            "severity": self.severity,
            "code": self.code,
            "diagnostics": diagnostics,
        }
        if self.expression:
            expressions = (
                [self.expression] if isinstance(self.expression, str) else list(self.expression)
            )
            issue["expression"] = expressions
        return issue


def operation_outcome(issues: Iterable[Issue]) -> dict[str, Any]:
    """An OperationOutcome of ``issues`` (at most :data:`MAX_ISSUES`, then a count)."""
    listed = list(issues)
    shown = [issue.as_dict() for issue in listed[:MAX_ISSUES]]
    if len(listed) > MAX_ISSUES:
        shown.append(
            Issue(
                "information",
                "too-costly",
                f"{len(listed) - MAX_ISSUES} more issues are not listed.",
            ).as_dict()
        )
    return {"resourceType": "OperationOutcome", "issue": shown}


class FhirInputError(Exception):
    """An inbound request we cannot use; ``issues`` say where and why (a 400)."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        super().__init__("; ".join(i.diagnostics for i in issues))
