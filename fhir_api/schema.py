"""The FHIR endpoints in the OpenAPI schema."""

import copy


def add_research_study_match_path(result, generator, request, public):
    """drf-spectacular postprocessing hook: the CodeX IG's ``ResearchStudy/$match``, the
    same operation as ``fhir/match`` (the generator cannot write a path with ``$``), with
    an operationId of its own."""
    paths = result.get("paths", {})
    source = next((p for p in paths if p.endswith("/fhir/match")), None)
    if source is None:
        return result
    item = copy.deepcopy(paths[source])
    for operation in item.values():
        if isinstance(operation, dict) and "operationId" in operation:
            operation["operationId"] = "fhir_ResearchStudy_match_create"
    paths[source.replace("/fhir/match", "/fhir/ResearchStudy/$match")] = item
    return result
