"""Fixtures for the catalog import tests: recorded ClinicalTrials.gov v2 JSON."""

import copy
import json
import zipfile
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
REGISTRY_URL = "https://registry.test/api/v2/studies"


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def full_study() -> dict:
    """A full record: placebo arm, three sites (two with geoPoint), contacts."""
    return json.loads((DATA / "NCT04000001.json").read_text(encoding="utf-8"))


@pytest.fixture
def write_json(tmp_path):
    """Write a document to a JSON file in tmp_path and return its path."""

    def write(document, name="study.json") -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(document), encoding="utf-8")
        return path

    return write


@pytest.fixture
def bulk_zip(tmp_path) -> Path:
    """A bulk download: one NCT file per study, in folders, plus noise to ignore."""
    path = tmp_path / "ctg-studies.json.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(DATA / "NCT04000001.json", "ctg-studies/NCT04000001.json")
        archive.write(DATA / "NCT04000002_sparse.json", "ctg-studies/sub/NCT04000002.json")
        archive.writestr("ctg-studies/README.txt", "not a study")
        archive.writestr("__MACOSX/ctg-studies/._NCT04000001.json", b"\x00\x05\x16\x07")
        archive.write(DATA / "search_page.json", "pages/page-1.json")
    return path


@pytest.fixture
def registry_url(settings) -> str:
    settings.CTGOV_API_URL = REGISTRY_URL
    settings.CTGOV_TIMEOUT = 2.0
    return REGISTRY_URL


def with_changes(study: dict, **modules) -> dict:
    """A deep copy of ``study`` with protocolSection modules replaced."""
    changed = copy.deepcopy(study)
    changed["protocolSection"].update(modules)
    return changed
