"""Trials not in the registry data, imported with every proposal accepted unread, then patients.

The texts in ``tests/data/reader_vignettes`` were written for these tests, each after the
public description of a current MS trial (not registry copies). As issue 18 measures it,
each goes through the product: wrapped as a v2 record, imported with ``import_ctgov``
(which runs the reader), every pending proposal accepted unread
(``trial_proposals_accept_all``), then each patient screened with ``screening_evaluate``,
the service of the eligibility API. Targets: no patient ruled out by a line that does not
rule them out; at least 4 in 5 of the exclusions contract v2 can express caught, each by
the right line; never ``eligible`` while a line is ``not_checked``.
"""

import pytest

from eligibility.engine.evaluate import ELIGIBLE, NOT_CHECKED
from tests.reader.vignettes import catch_rate, figures, load, screened_by_patient

# Marks every test, so that pytest-django creates the test database for the module
# fixture (it sets up only the databases that marked tests ask for).
pytestmark = pytest.mark.django_db

DATA = load()
PATIENTS = [
    (trial["id"], index) for trial in DATA["trials"] for index in range(len(trial["patients"]))
]
WHO = {(t["id"], i): p["who"] for t in DATA["trials"] for i, p in enumerate(t["patients"])}
IDS = [f"{vig}: {WHO[(vig, index)][:60]}" for vig, index in PATIENTS]


@pytest.fixture(scope="module")
def screened(django_db_setup, django_db_blocker):
    """Every patient, screened once for the module; the database is rolled back after."""
    return screened_by_patient(DATA, django_db_blocker)


def test_the_vignettes_are_marked_as_written_for_the_tests():
    assert len(DATA["trials"]) >= 6
    for trial in DATA["trials"]:
        assert trial["written_for_the_tests"] is True
        assert trial["modelled_on"]
        assert len(trial["patients"]) >= 4


def test_every_vignette_is_imported_and_every_patient_screened(screened):
    assert set(screened) == set(PATIENTS)
    for patient, screening in screened.items():
        assert screening.who == WHO[patient]
        # Every registered line is a criterion of the imported trial, in its order.
        assert any(key[0] != "registry" for key in screening.statuses)


@pytest.mark.parametrize("patient", PATIENTS, ids=IDS)
def test_no_patient_is_ruled_out_by_a_line_that_does_not_rule_them_out(screened, patient):
    screening = screened[patient]
    assert screening.false_exclusions == set(), screening.statuses


@pytest.mark.parametrize("patient", PATIENTS, ids=IDS)
def test_never_eligible_while_a_line_is_not_checked(screened, patient):
    screening = screened[patient]
    if NOT_CHECKED in screening.statuses.values():
        assert screening.verdict != ELIGIBLE


@pytest.mark.parametrize("batch", ["development", "held_out"])
def test_at_least_four_in_five_expressible_exclusions_are_caught_by_the_right_line(screened, batch):
    trials = {trial["id"] for trial in DATA["trials"] if trial["batch"] == batch}
    caught, expressible = catch_rate([s for s in screened.values() if s.trial in trials])
    assert expressible >= 10
    assert caught / expressible >= 0.8, f"caught {caught} of {expressible}"
    assert DATA["runs"][batch]["after_fixes"] == {
        "caught": caught,
        "expressible": expressible,
        "false_exclusions": 0,
    }


def test_a_patient_no_line_rules_out_is_possibly_eligible(screened):
    clear = [s for s in screened.values() if not s.ruled_out_by]
    assert clear
    assert {s.verdict for s in clear} == {"possibly_eligible"}


def test_figures(screened, capsys):
    """The figures docs/benchmarks.md quotes (run with -s to see them)."""
    lines = figures(list(screened.values()), DATA)
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert all("false exclusions 0" in line for line in lines)
