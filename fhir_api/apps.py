from django.apps import AppConfig


class FhirConfig(AppConfig):
    """FHIR R4 for partners: the mapping (``fhir_api.mapping``) and its endpoints.

    The package is ``fhir_api`` because the ``fhir.resources`` library owns the top-level
    ``fhir`` package (a project package of that name would hide it); the app's label is
    still ``fhir``.
    """

    name = "fhir_api"
    label = "fhir"
    verbose_name = "FHIR R4"
