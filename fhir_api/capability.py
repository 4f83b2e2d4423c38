"""What the FHIR endpoints do, as an R4 CapabilityStatement (``GET /api/v1/fhir/metadata``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from .mapping import FHIR_CONTENT_TYPE
from .validation import MAX_ENTRIES, SEARCH_PARAMETERS

#: The CodeX IG's operation, which ``ResearchStudy/$match`` implements (and extends).
CODEX_MATCH_OPERATION = (
    "http://mcodeinitiative.org/codex/us/patient.clinical.trial.matching/"
    "OperationDefinition/ClinicalTrialMatchService"
)

_MATCH_DOCUMENTATION = (
    "POST a patient Bundle (one Patient; Conditions, MedicationStatements, Observations), or "
    "a Parameters resource whose 'subject' (or 'trialMatchClinicalData') is that Bundle, "
    f"with the CodeX parameters {', '.join(SEARCH_PARAMETERS)} (travelRadius in miles). "
    "Answers a searchset of ResearchStudy ranked by eligibility verdict, then the share of "
    "criteria checked, then distance; "
    "each entry's search.extension carries the verdict, the criteria checked of the total, "
    "the answer keys still missing and every criterion's status and reason. A resource "
    "that fails validation is left out and reported in an OperationOutcome entry, and on "
    "each matched entry in an unused-resource extension; only a "
    f"Bundle without exactly one usable Patient, or with more than {MAX_ENTRIES} entries, "
    "is refused (400). Medications and diagnoses are read as a partial record: what the "
    "Bundle does not list is unknown, never 'no'. Paged with _count and _offset in the "
    "query; Bundle.total counts every match, Bundle.link gives self, first, previous, next "
    "and last. See docs/api.md."
)


def capability_statement(*, base_url: str, today: date) -> dict[str, Any]:
    """The server's CapabilityStatement (R4, ``kind`` instance) at ``base_url``."""
    match_operation = {
        "name": "match",
        "definition": CODEX_MATCH_OPERATION,
        "documentation": _MATCH_DOCUMENTATION,
    }
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": today.isoformat(),
        "publisher": "MS Trial Finder",
        "kind": "instance",
        "software": {"name": "MS Trial Finder"},
        "implementation": {
            "description": "Multiple sclerosis clinical trials as FHIR R4 ResearchStudy, "
            "and patient matching.",
            "url": base_url,
        },
        "fhirVersion": "4.0.1",
        "format": [FHIR_CONTENT_TYPE, "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "Anonymous calls are allowed at a low rate; partners send "
                    "'Authorization: Api-Key <key>' for a higher one. Errors are "
                    "OperationOutcomes."
                ),
                "resource": [
                    {
                        "type": "ResearchStudy",
                        "profile": "http://hl7.org/fhir/StructureDefinition/ResearchStudy",
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                        "searchParam": [
                            {
                                "name": "condition",
                                "type": "string",
                                "documentation": "Words in the trial's conditions or "
                                "keywords, case-insensitive.",
                            },
                            {"name": "_count", "type": "number"},
                            {"name": "_offset", "type": "number"},
                        ],
                        "operation": [match_operation],
                    }
                ],
                "operation": [
                    {
                        **match_operation,
                        "documentation": "The same as ResearchStudy/$match, at POST [base]/match.",
                    }
                ],
            }
        ],
    }
