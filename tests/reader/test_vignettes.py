"""Trials not in the registry data, imported with every proposal accepted unread, then patients.

The eight texts in ``tests/data/reader_vignettes`` were written for these tests, each after
the public description of a current MS trial (not registry copies). Targets (issue 18): no
patient ruled out by a line that does not rule them out; at least 4 in 5 of the exclusions
contract v2 can express caught, each by the right line; never ``eligible`` while a line is
``not_checked``.
"""

import pytest

from eligibility.engine.evaluate import ELIGIBLE, NOT_CHECKED
from tests.reader.vignettes import catch_rate, load, screen_all

SCREENED = screen_all()
IDS = [f"{s.trial}: {s.who[:60]}" for s in SCREENED]


def test_the_vignettes_are_marked_as_written_for_the_tests():
    data = load()
    assert len(data["trials"]) >= 6
    for trial in data["trials"]:
        assert trial["written_for_the_tests"] is True
        assert trial["modelled_on"]
        assert len(trial["patients"]) >= 4


@pytest.mark.parametrize("screened", SCREENED, ids=IDS)
def test_no_patient_is_ruled_out_by_a_line_that_does_not_rule_them_out(screened):
    assert screened.false_exclusions == set(), screened.statuses


@pytest.mark.parametrize("screened", SCREENED, ids=IDS)
def test_never_eligible_while_a_line_is_not_checked(screened):
    if NOT_CHECKED in screened.statuses.values():
        assert screened.verdict != ELIGIBLE


@pytest.mark.parametrize("batch", ["development", "held_out"])
def test_at_least_four_in_five_expressible_exclusions_are_caught_by_the_right_line(batch):
    data = load()
    trials = {trial["id"] for trial in data["trials"] if trial["batch"] == batch}
    caught, expressible = catch_rate([s for s in SCREENED if s.trial in trials])
    assert expressible >= 10
    assert caught / expressible >= 0.8, f"caught {caught} of {expressible}"
    assert data["runs"][batch]["after_fixes"] == {
        "caught": caught,
        "expressible": expressible,
        "false_exclusions": 0,
    }


def test_a_patient_no_line_rules_out_is_possibly_eligible():
    clear = [s for s in SCREENED if not s.ruled_out_by]
    assert clear
    assert {s.verdict for s in clear} == {"possibly_eligible"}
