"""manage.py import_ctgov: every file shape, idempotent, bad studies skipped and reported."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from finder.models import Arm, Intervention, Trial
from sites.models import Site

pytestmark = pytest.mark.django_db


def run(*paths, **options):
    out, err = StringIO(), StringIO()
    call_command("import_ctgov", *map(str, paths), stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_imports_a_single_study(data_dir):
    out, err = run(data_dir / "NCT04000001.json")

    assert out.strip() == "created 1, updated 0, unchanged 0, skipped 0"
    assert err == ""
    assert Trial.objects.get().nct_id == "NCT04000001"


def test_imports_a_list_of_studies(data_dir):
    out, _ = run(data_dir / "studies_list.json")

    assert "created 2," in out
    fatigue = Trial.objects.get(nct_id="NCT04000003")
    assert fatigue.sex == "FEMALE" and fatigue.phases == ["NA"]
    assert fatigue.criteria.filter(rule__fact="sex").exists()


def test_imports_a_search_page(data_dir):
    out, _ = run(data_dir / "search_page.json")

    assert "created 2," in out
    assert set(Trial.objects.values_list("nct_id", flat=True)) == {"NCT04000005", "NCT04000006"}


def test_imports_a_bulk_zip_with_folders(bulk_zip):
    out, _ = run(bulk_zip)

    assert out.strip() == "created 4, updated 0, unchanged 0, skipped 0"
    assert Trial.objects.count() == 4


def test_imports_several_paths_in_one_run(data_dir):
    out, _ = run(data_dir / "NCT04000001.json", data_dir / "NCT04000002_sparse.json")
    assert "created 2," in out


def test_a_second_import_changes_and_duplicates_nothing(data_dir, bulk_zip):
    paths = [bulk_zip, data_dir / "studies_list.json"]
    run(*paths)
    counts = [m.objects.count() for m in (Trial, Arm, Intervention, Site)]
    trials = list(Trial.objects.order_by("pk").values())

    out, _ = run(*paths)

    assert out.strip() == "created 0, updated 0, unchanged 6, skipped 0"
    assert [m.objects.count() for m in (Trial, Arm, Intervention, Site)] == counts
    assert list(Trial.objects.order_by("pk").values()) == trials


def test_an_update_that_drops_a_site_removes_it(data_dir, full_study, write_json):
    run(data_dir / "NCT04000001.json")
    full_study["protocolSection"]["contactsLocationsModule"]["locations"].pop(1)

    out, _ = run(write_json(full_study))

    assert "updated 1," in out
    assert sorted(Site.objects.values_list("city", flat=True)) == ["Palo Alto", "Seoul"]


def test_skips_malformed_studies_and_imports_the_rest(data_dir):
    out, err = run(data_dir / "malformed.json")

    assert out.strip() == "created 2, updated 0, unchanged 0, skipped 5"
    assert set(Trial.objects.values_list("nct_id", flat=True)) == {"NCT04000010", "NCT04000011"}
    lines = err.strip().splitlines()
    assert len(lines) == 5
    assert any("malformed.json #2" in line and "nctId: missing" in line for line in lines)
    assert any(line.startswith("skipped NCT04000012:") and "count" in line for line in lines)
    assert any(line.startswith("skipped NCT04000013:") and "eighteen" in line for line in lines)
    assert any("malformed.json #5" in line and "not int" in line for line in lines)
    assert any(line.startswith("skipped NCT04000015:") and "a list" in line for line in lines)


def test_strict_fails_when_a_study_was_skipped(data_dir):
    with pytest.raises(CommandError, match="5 studies skipped"):
        run(data_dir / "malformed.json", strict=True)
    # The good ones still landed: each study has its own transaction.
    assert Trial.objects.count() == 2


def test_skips_a_file_that_is_not_json(tmp_path, data_dir):
    broken = tmp_path / "broken.json"
    broken.write_text("<html>Service unavailable</html>", encoding="utf-8")

    out, err = run(broken, data_dir / "NCT04000002_sparse.json")

    assert "created 1," in out and "skipped 1" in out
    assert "broken.json" in err and "not readable as JSON" in err


def test_stores_an_intervention_listed_twice_once(full_study, write_json):
    full_study["protocolSection"]["armsInterventionsModule"]["interventions"].append(
        {"type": "DRUG", "name": "Examplimab"}
    )
    out, _ = run(write_json(full_study))
    assert "created 1," in out
    assert Intervention.objects.filter(name="Examplimab").count() == 1


def test_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run(tmp_path / "nope.json")
