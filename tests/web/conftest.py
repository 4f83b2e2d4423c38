"""Fixtures of the patient page tests: the demo catalog and a client speaking a language."""

import pytest
from django.core.management import call_command

CARE_MS_II = "NCT00548405"
CARE_MS_I = "NCT00530348"


@pytest.fixture
def demo_catalog(db):
    """CARE-MS II (191 illustrative sites) and CARE-MS I, with their curated criteria."""
    call_command("load_demo_catalog", verbosity=0)
    from finder.models import Trial

    return {trial.nct_id: trial for trial in Trial.objects.all()}


@pytest.fixture
def care_ms_ii(demo_catalog):
    return demo_catalog[CARE_MS_II]


@pytest.fixture
def care_ms_i(demo_catalog):
    return demo_catalog[CARE_MS_I]
