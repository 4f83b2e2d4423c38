"""CARE-MS I and II under contract v2 (spec sections 4 and 6.2)."""

from datetime import date

import pytest

from eligibility.engine.facts import TREATMENT_CODES, expand_treatment_codes

from .test_vignettes_care_ms import CARE_MS_2_CANDIDATE, NEWLY_DIAGNOSED, status_of

TODAY = date(2025, 6, 15)
PRIOR_THERAPY = set(expand_treatment_codes(["@any_dmt", "@immunosuppressant", "ivig"]))
NOT_PRIOR_THERAPY = {"corticosteroids", "dalfampridine", "plasma_exchange"}


def evaluate(trial, base, **changes):
    answers = {key: value for key, value in {**base, **changes}.items() if value is not None}
    return trial.evaluate(answers, today=TODAY)


def test_section_4_groups_cover_every_code_but_three():
    assert set(TREATMENT_CODES) == PRIOR_THERAPY | NOT_PRIOR_THERAPY
    assert not PRIOR_THERAPY & NOT_PRIOR_THERAPY


@pytest.mark.parametrize("code", sorted(PRIOR_THERAPY))
def test_care_ms_1_excludes_any_prior_ms_therapy(care_ms_1, code):
    result = evaluate(care_ms_1, NEWLY_DIAGNOSED, treatments_ever=[code])
    assert status_of(result, "exclusion-1") == "fail"


@pytest.mark.parametrize("code", sorted(NOT_PRIOR_THERAPY))
def test_care_ms_1_allows_steroids_symptom_and_relapse_treatments(care_ms_1, code):
    result = evaluate(care_ms_1, NEWLY_DIAGNOSED, treatments_ever=[code])
    assert result.verdict == "eligible"


# --- a treatment history in place of the two lists ------------------------------------------


def history_instead_of_lists(base, history):
    return {
        **{k: v for k, v in base.items() if not k.startswith("treatments_")},
        "treatment_history": history,
    }


def test_a_history_gives_the_verdicts_the_lists_give(care_ms_2, care_ms_1):
    candidate = history_instead_of_lists(CARE_MS_2_CANDIDATE, {"interferon_beta": "current"})
    assert care_ms_2.evaluate(candidate, today=TODAY).verdict == "eligible"
    assert care_ms_1.evaluate(candidate, today=TODAY).verdict == "ineligible"
    untreated = history_instead_of_lists(NEWLY_DIAGNOSED, {})
    assert care_ms_1.evaluate(untreated, today=TODAY).verdict == "eligible"


@pytest.mark.parametrize(
    ("natalizumab", "status"),
    [
        ("current", "fail"),
        ("2025-03-01", "fail"),
        ("2024-09-01", "pass"),  # 287 days ago: outside the 6 months
        ("2024-12", "unknown"),  # 166..196 days: straddles 183
        ("unsure", "unknown"),
    ],
)
def test_care_ms_2_recent_natalizumab_from_the_history(care_ms_2, natalizumab, status):
    answers = history_instead_of_lists(
        CARE_MS_2_CANDIDATE, {"interferon_beta": "current", "natalizumab": natalizumab}
    )
    result = care_ms_2.evaluate(answers, today=TODAY)
    assert status_of(result, "exclusion-3") == status
    assert status_of(result, "exclusion-1") == "pass"


def test_an_unsure_date_still_counts_as_taken_ever(care_ms_2):
    answers = history_instead_of_lists(
        CARE_MS_2_CANDIDATE, {"interferon_beta": "current", "alemtuzumab": "unsure"}
    )
    result = care_ms_2.evaluate(answers, today=TODAY)
    assert status_of(result, "exclusion-1") == "fail"
    assert result.verdict == "ineligible"
