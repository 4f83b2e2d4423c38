"""The sixth held-out batch of written texts, through the product (issue 18).

``tests/data/reader_vignettes/held_out_6.json``: six texts written on 2026-12-04 by a
helper that had not read the reader, its tests, its documentation or the earlier
held-out batches, after public descriptions of MS trials not used before (DEFINE, REFLEX,
INFORMS, ASCEND, WAVES, DELIVER-MS), with 54 patients. Run once with reader version 5,
after the fixes the fifth batch led to (``runs.held_out_6.first_run``: 23 of 56
expressible exclusions, no false exclusion);
``after_fixes`` is what these tests hold the reader to since, no longer an independent
measure.
"""

import pytest

from eligibility.engine.evaluate import ELIGIBLE, NOT_CHECKED
from tests.reader.vignettes import (
    catch_rate,
    figures,
    load,
    load_held_out_3,
    load_held_out_4,
    load_held_out_5,
    load_held_out_6,
    patient_keys,
    screened_by_patient,
)

pytestmark = pytest.mark.django_db

DATA = load_held_out_6()
PATIENTS, _, IDS = patient_keys(DATA)


@pytest.fixture(scope="module")
def screened(django_db_setup, django_db_blocker):
    """Every patient, screened once for the module; the database is rolled back after."""
    return screened_by_patient(DATA, django_db_blocker)


def test_the_batch_is_written_for_the_tests_and_new():
    assert len(DATA["trials"]) == 6
    earlier = [
        t
        for data in (load(), load_held_out_3(), load_held_out_4(), load_held_out_5())
        for t in data["trials"]
    ]
    earlier_lines = "\n".join(trial["text"] for trial in earlier)
    shared = []
    for trial in DATA["trials"]:
        assert trial["written_for_the_tests"] is True
        assert trial["batch"] == "held_out_6"
        assert trial["id"] not in {t["id"] for t in earlier}
        for line in trial["text"].splitlines():
            long = line.startswith("* ") and len(line.split()) > 6  # not "* Primary ... MS"
            if long and line in earlier_lines:
                shared.append(line)
    # One generic line is word for word in an earlier batch, written blind each time.
    assert shared == ["* Aged 18 to 58 years old, inclusive, at the time of informed consent"]


@pytest.mark.parametrize("patient", PATIENTS, ids=IDS)
def test_no_patient_is_ruled_out_by_a_line_that_does_not_rule_them_out(screened, patient):
    assert screened[patient].false_exclusions == set(), screened[patient].statuses


@pytest.mark.parametrize("patient", PATIENTS, ids=IDS)
def test_never_eligible_while_a_line_is_not_checked(screened, patient):
    if NOT_CHECKED in screened[patient].statuses.values():
        assert screened[patient].verdict != ELIGIBLE


def test_the_recorded_figures(screened, capsys):
    caught, expressible = catch_rate(list(screened.values()))
    false = sum(len(s.false_exclusions) for s in screened.values())
    runs = DATA["runs"]["held_out_6"]
    assert runs["first_run"] == {"caught": 23, "expressible": 56, "false_exclusions": 0}
    assert runs.get("after_fixes", runs["first_run"]) == {
        "caught": caught,
        "expressible": expressible,
        "false_exclusions": false,
    }
    assert false == 0
    with capsys.disabled():
        print("\n" + "\n".join(figures(list(screened.values()), DATA)))
