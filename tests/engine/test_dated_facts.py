"""Dated facts and their day counts (spec section 6.1): days, months, never, unsure."""

import json
from datetime import date

import pytest

from eligibility.engine.evaluate import (
    CriterionSpec,
    compile_rule,
    compile_trial,
    interpret_rule,
)
from eligibility.engine.facts import NEVER, UNSURE, DayRange, InvalidAnswers, prepare_facts
from eligibility.engine.rules import RuleError, validate_rule

TODAY = date(2026, 6, 15)
MARCH = "2026-03"  # 76 (31 March) to 106 (1 March) days before TODAY
DAYS = "days_since_last_relapse"


def facts(answers, today=TODAY):
    return prepare_facts(answers, today=today)


def errors_for(answers, today=TODAY) -> dict[str, str]:
    with pytest.raises(InvalidAnswers) as caught:
        prepare_facts(answers, today=today)
    return caught.value.errors


def both(rule, prepared):
    """Compiled closures and interpreter must agree; returns their truth."""
    compiled = compile_rule(rule)(prepared)
    assert compiled is interpret_rule(rule, prepared)
    trial = compile_trial([CriterionSpec(1, "inclusion", rule, "people")])
    expected = {True: "eligible", False: "ineligible", None: "possibly_eligible"}[compiled]
    assert trial.verdict(prepared) == expected
    return compiled


def days(op, value, key=DAYS):
    return {"fact": key, "op": op, "value": value}


# --- derivation -----------------------------------------------------------------------------


def test_a_day_gives_whole_days_to_the_evaluation_date():
    assert facts({"last_relapse": "2026-06-05"})[DAYS] == 10
    assert facts({"last_relapse": "2026-06-15"})[DAYS] == 0


def test_a_month_gives_the_range_from_its_last_to_its_first_day():
    assert facts({"last_relapse": MARCH})[DAYS] == DayRange(76, 106)


def test_the_current_month_runs_from_its_first_day_to_today():
    assert facts({"last_relapse": "2026-06"})[DAYS] == DayRange(0, 14)
    assert facts({"last_relapse": "2026-06"}, today=date(2026, 6, 1))[DAYS] == 0


def test_february_of_a_leap_year_has_29_days():
    assert facts({"last_relapse": "2024-02"}, today=date(2024, 3, 1))[DAYS] == DayRange(1, 29)


@pytest.mark.parametrize("value", [NEVER, UNSURE])
def test_never_and_unsure_carry_over_to_the_day_count(value):
    assert facts({"last_relapse": value})[DAYS] == value


def test_a_day_count_may_be_given_directly():
    assert facts({DAYS: 40}) == {DAYS: 40}
    assert facts({DAYS: 40.0})[DAYS] == 40
    assert facts({DAYS: NEVER}) == {DAYS: NEVER}


def test_a_stated_day_count_is_kept_beside_its_date():
    assert facts({"last_relapse": "2026-06-05", DAYS: 12})[DAYS] == 12


def test_an_unsure_day_count_is_replaced_by_the_date():
    assert facts({"last_relapse": "2026-06-05", DAYS: UNSURE})[DAYS] == 10


def test_missing_stays_missing():
    assert DAYS not in facts({})


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2026-06-15", "1900-01-01", "2026-06", "1900-01", "2026-02"])
def test_accepts_days_and_months_from_1900_to_now(value):
    assert facts({"last_relapse": value})["last_relapse"] == value


def test_a_date_object_is_normalised_to_iso():
    assert facts({"last_relapse": date(2026, 3, 4)})["last_relapse"] == "2026-03-04"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-06-16", "future"),
        ("2026-07", "future"),
        ("1899-12-31", "1900"),
        ("1899-12", "1900"),
        ("2026-13", "not a valid month"),
        ("2026-00", "not a valid month"),
        ("2026-02-30", "not a valid date"),
        ("2026-3", "YYYY-MM"),
        ("March 2026", "YYYY-MM"),
        (20260301, "YYYY-MM"),
        (True, "YYYY-MM"),
    ],
)
def test_rejects_a_malformed_or_impossible_date_by_name(value, message):
    for key in ("last_relapse", "last_live_vaccine", "last_systemic_steroids"):
        assert message in errors_for({key: value})[key]


@pytest.mark.parametrize("value", [0, 50000])
def test_accepts_day_counts_at_the_bounds(value):
    assert facts({"days_since_live_vaccine": value}) == {"days_since_live_vaccine": value}


@pytest.mark.parametrize("value", [-1, 50001, 3.5, True, "40", float("inf"), [40]])
def test_rejects_day_counts_out_of_range_or_of_the_wrong_type(value):
    assert "days_since_live_vaccine" in errors_for({"days_since_live_vaccine": value})


@pytest.mark.parametrize(
    ("given", "stated", "agrees"),
    [
        ("2026-06-05", 17, True),  # 10 days: 7 either side agree
        ("2026-06-05", 18, False),
        ("2026-06-05", 3, True),
        ("2026-06-05", 2, False),
        (MARCH, 69, True),  # 76..106
        (MARCH, 68, False),
        (MARCH, 113, True),
        (MARCH, 114, False),
        (NEVER, NEVER, True),
        (NEVER, 40, False),
        ("2026-06-05", NEVER, False),
        (UNSURE, 40, True),
        ("2026-06-05", UNSURE, True),
    ],
)
def test_a_date_and_its_day_count_must_agree_within_7_days(given, stated, agrees):
    answers = {"last_relapse": given, DAYS: stated}
    if agrees:
        facts(answers)
    else:
        assert list(errors_for(answers)) == ["last_relapse"]
        assert DAYS in errors_for(answers)["last_relapse"]


# --- comparisons ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (days("<=", 75), False),
        (days("<=", 106), True),
        (days("<=", 90), None),
        (days("<", 76), False),
        (days("<", 107), True),
        (days("<", 100), None),
        (days(">=", 76), True),
        (days(">=", 107), False),
        (days(">=", 80), None),
        (days(">", 75), True),
        (days(">", 106), False),
        (days(">", 90), None),
        (days("==", 80), None),
        (days("==", 50), False),
        (days("!=", 50), True),
        (days("!=", 106), None),
        (days("between", [70, 110]), True),
        (days("between", [0, 75]), False),
        (days("between", [107, 200]), False),
        (days("between", [80, 90]), None),
        (days("between", [0, 90]), None),
    ],
)
def test_a_month_decides_only_what_holds_or_fails_for_every_one_of_its_days(rule, expected):
    assert both(rule, facts({"last_relapse": MARCH})) is expected


def test_a_relapse_in_march_decides_nothing_for_a_window_ending_mid_march():
    # Evaluated on 15 April, "within 30 days" reaches back to 16 March.
    prepared = facts({"last_relapse": "2026-03"}, today=date(2026, 4, 15))
    assert both(days("<=", 30), prepared) is None
    assert both(days("<=", 45), prepared) is True
    assert both(days("<=", 14), prepared) is False


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (days("<", 30), False),
        (days("<=", 49999), False),
        (days("==", 30), False),
        (days("between", [0, 49999]), False),
        (days(">", 30), True),
        (days(">=", 50000), True),
        (days("!=", 30), True),
    ],
)
def test_never_compares_greater_than_every_bound(rule, expected):
    for answers in ({"last_relapse": NEVER}, {DAYS: NEVER}):
        assert both(rule, facts(answers)) is expected


@pytest.mark.parametrize("answers", [{}, {"last_relapse": UNSURE}, {DAYS: UNSURE}])
def test_missing_or_unsure_dates_decide_nothing(answers):
    for rule in (days("<=", 30), days(">", 30), {"fact": DAYS, "op": "ever", "value": True}):
        assert both(rule, facts(answers)) is None


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"last_relapse": "2026-06-05"}, True),
        ({"last_relapse": MARCH}, True),
        ({DAYS: 0}, True),
        ({"last_relapse": NEVER}, False),
        ({"years_since_cancer": 3}, True),
        ({"years_since_cancer": 0}, True),
        ({"years_since_cancer": NEVER}, False),
    ],
)
def test_ever_tests_whether_anything_but_never_was_given(answers, expected):
    key = "years_since_cancer" if "years_since_cancer" in answers else DAYS
    assert both({"fact": key, "op": "ever", "value": True}, facts(answers)) is expected


def test_years_since_cancer_compares_like_a_number_with_never_above_every_bound():
    within_5 = {"fact": "years_since_cancer", "op": "<", "value": 5}
    assert both(within_5, facts({"years_since_cancer": 4.5})) is True
    assert both(within_5, facts({"years_since_cancer": 5})) is False
    assert both(within_5, facts({"years_since_cancer": NEVER})) is False
    assert both(within_5, facts({"years_since_cancer": UNSURE})) is None


# --- rule validation ------------------------------------------------------------------------


def rule_error(rule) -> RuleError:
    with pytest.raises(RuleError) as caught:
        validate_rule(rule)
    return caught.value


@pytest.mark.parametrize(
    "rule",
    [
        {"fact": "years_since_cancer", "op": ">=", "value": 0},
        {"fact": "years_since_cancer", "op": "<=", "value": 100},
        {"fact": "years_since_cancer", "op": "between", "value": [0, 100]},
        {"fact": DAYS, "op": ">=", "value": 0},
        {"fact": DAYS, "op": "<=", "value": 50000},
        {"fact": DAYS, "op": "between", "value": [0, 50000]},
    ],
)
def test_rejects_a_comparison_true_for_every_number_and_points_to_ever(rule):
    error = rule_error({"not": rule})
    assert error.path == "not.value"
    assert "every possible number" in error.message
    assert '"op": "ever"' in error.message


@pytest.mark.parametrize(
    "rule",
    [
        {"fact": "age", "op": ">=", "value": 0},
        {"fact": "edss", "op": "<=", "value": 10},
        {"fact": "relapses_last_12_months", "op": ">=", "value": 0},
    ],
)
def test_leaves_tautologies_on_section_1_numbers_be(rule):
    # Harmless there (no `never` to confuse), and stored rules may hold them.
    validate_rule(rule)


@pytest.mark.parametrize(
    "rule",
    [
        {"fact": "years_since_cancer", "op": ">", "value": 0},
        {"fact": "years_since_cancer", "op": "<", "value": 100},
        {"fact": DAYS, "op": ">=", "value": 1},
        {"fact": DAYS, "op": "between", "value": [0, 49999]},
        {"fact": "years_since_cancer", "op": "ever", "value": True},
        {"fact": DAYS, "op": "ever", "value": True},
    ],
)
def test_accepts_comparisons_that_can_be_false(rule):
    validate_rule(rule)


def test_rejects_ever_on_a_fact_that_never_accepts_never():
    error = rule_error({"fact": "edss", "op": "ever", "value": True})
    assert error.path == "op" and "never" in error.message


@pytest.mark.parametrize("value", [False, 1, "true", None])
def test_rejects_ever_with_anything_but_true(value):
    assert rule_error({"fact": DAYS, "op": "ever", "value": value}).path == "value"


def test_rejects_ever_without_a_value():
    assert "needs a value" in rule_error({"fact": DAYS, "op": "ever"}).message


def test_rejects_rules_on_the_date_itself_naming_the_day_count():
    error = rule_error({"fact": "last_relapse", "op": "<=", "value": 30})
    assert error.path == "op"
    assert DAYS in error.message


@pytest.mark.parametrize("value", [-1, 50001, 30.5, "30", [30]])
def test_rejects_day_bounds_off_the_domain(value):
    assert rule_error({"fact": DAYS, "op": "<=", "value": value}).path == "value"


def test_rejects_never_as_a_rule_value():
    assert rule_error({"fact": DAYS, "op": "==", "value": NEVER}).path == "value"


# --- cross-field rules ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "named"),
    [
        ({"relapses_last_12_months": 0, DAYS: 364}, DAYS),
        ({"relapses_last_12_months": 0, "last_relapse": "2025-06-16"}, "last_relapse"),
        ({"relapses_last_12_months": 0, "last_relapse": "2025-07"}, "last_relapse"),
        ({"relapses_last_24_months": 0, DAYS: 729}, DAYS),
        ({"relapses_last_24_months": 0, "last_relapse": "2024-07"}, "last_relapse"),
        ({"relapses_last_12_months": 1, "last_relapse": NEVER}, "last_relapse"),
        ({"relapses_last_12_months": 2, DAYS: NEVER}, DAYS),
        ({"relapses_last_12_months": 1, DAYS: 365}, DAYS),
        ({"relapses_last_12_months": 1, "last_relapse": "2025-05"}, "last_relapse"),
        ({"relapses_last_24_months": 1, "last_relapse": NEVER}, "last_relapse"),
        ({"relapses_last_24_months": 1, DAYS: 730}, DAYS),
        ({"relapses_last_24_months": 3, "last_relapse": "2024-05"}, "last_relapse"),
        (
            {"relapses_last_12_months": 0, "last_relapse": "2025-07-01", DAYS: 349},
            "last_relapse",
        ),
    ],
)
def test_relapse_counts_and_the_last_relapse_must_not_contradict(answers, named):
    errors = errors_for(answers)
    assert list(errors) == [named]


@pytest.mark.parametrize(
    "answers",
    [
        {"relapses_last_12_months": 0, DAYS: 365},
        {"relapses_last_12_months": 0, "last_relapse": NEVER},
        {"relapses_last_12_months": 0, "last_relapse": "2025-06"},  # 350..379 straddles 365
        {"relapses_last_12_months": 1, "last_relapse": "2025-06"},
        {"relapses_last_12_months": 1, DAYS: 364},
        {"relapses_last_24_months": 0, DAYS: 730},
        {"relapses_last_24_months": 0, "last_relapse": "2024-06"},  # 715..744 straddles 730
        {"relapses_last_24_months": 1, "last_relapse": "2024-06"},
        {"relapses_last_24_months": 1, DAYS: 729},
        {"relapses_last_12_months": 0, "relapses_last_24_months": 1, DAYS: 400},
        {"relapses_last_12_months": 1, "last_relapse": UNSURE},
        {"relapses_last_12_months": UNSURE, "last_relapse": NEVER},
    ],
)
def test_consistent_relapse_answers_are_accepted(answers):
    facts(answers)


@pytest.mark.parametrize(
    ("answers", "named"),
    [
        ({"investigational_drug_ever": "no", "last_investigational_drug": "2025-01"}, None),
        ({"investigational_drug_ever": "no", "last_investigational_drug": "2025-01-10"}, None),
        ({"investigational_drug_ever": "no", "days_since_investigational_drug": 40}, "days"),
        ({"investigational_drug_ever": "yes", "last_investigational_drug": NEVER}, None),
        ({"investigational_drug_ever": "yes", "days_since_investigational_drug": NEVER}, "days"),
    ],
)
def test_investigational_drug_answers_must_not_contradict(answers, named):
    expected = "days_since_investigational_drug" if named else "last_investigational_drug"
    assert list(errors_for(answers)) == [expected]


@pytest.mark.parametrize(
    "answers",
    [
        {"investigational_drug_ever": "no", "last_investigational_drug": NEVER},
        {"investigational_drug_ever": "yes", "last_investigational_drug": "2025-01"},
        {"investigational_drug_ever": "unsure", "last_investigational_drug": NEVER},
        {"investigational_drug_ever": "no", "last_investigational_drug": UNSURE},
    ],
)
def test_consistent_investigational_drug_answers_are_accepted(answers):
    facts(answers)


def test_every_contradiction_is_reported_at_once():
    errors = errors_for(
        {
            "relapses_last_12_months": 2,
            "last_relapse": NEVER,
            "investigational_drug_ever": "no",
            "last_investigational_drug": "2025-01",
            "last_live_vaccine": "2026-06-01",
            "days_since_live_vaccine": 40,
        }
    )
    assert set(errors) == {"last_relapse", "last_investigational_drug", "last_live_vaccine"}


# --- explanations ---------------------------------------------------------------------------


def relapse_trial():
    return compile_trial(
        [
            CriterionSpec(
                "exc-1",
                "exclusion",
                days("<=", 30),
                "People who had a relapse in the past 30 days",
                "Personas que han tenido un brote en los últimos 30 días",
            )
        ]
    )


@pytest.mark.parametrize(
    ("answers", "lang", "told"),
    [
        ({"last_relapse": MARCH}, "en", "you told us your last relapse began in March 2026"),
        ({"last_relapse": MARCH}, "es", "nos dijo que su último brote empezó en marzo de 2026"),
        (
            {"last_relapse": "2026-03-04"},
            "en",
            "you told us your last relapse began on 4 March 2026",
        ),
        (
            {"last_relapse": "2026-03-04"},
            "es",
            "nos dijo que su último brote empezó el 4 de marzo de 2026",
        ),
        ({"last_relapse": NEVER}, "en", "you told us you have never had a relapse"),
        ({"last_relapse": NEVER}, "es", "nos dijo que nunca ha tenido un brote"),
        ({DAYS: 40}, "en", "you told us your last relapse began 40 days ago"),
        ({DAYS: 40}, "es", "nos dijo que su último brote empezó hace 40 días"),
    ],
)
def test_explains_a_date_as_the_patient_gave_it(answers, lang, told):
    result = relapse_trial().evaluate(answers, today=TODAY, lang=lang)
    assert result.results[0].status == "pass"
    assert told in result.results[0].explanation


def test_explains_a_recent_relapse_that_rules_out():
    result = relapse_trial().evaluate({"last_relapse": "2026-06-10"}, today=TODAY)
    assert result.results[0].explanation == (
        "This study does not take people who had a relapse in the past 30 days; "
        "you told us your last relapse began on 10 June 2026."
    )


def test_explains_a_month_that_decides_nothing():
    result = relapse_trial().evaluate({"last_relapse": "2026-05"}, today=TODAY)
    row = result.results[0]
    assert row.status == "unknown"
    assert "the month you gave for 'When did your most recent MS attack (relapse) begin?' " in (
        row.explanation
    )
    assert "exact day would tell us" in row.explanation
    spanish = relapse_trial().evaluate({"last_relapse": "2026-05"}, today=TODAY, lang="es")
    assert "el día exacto nos lo diría" in spanish.results[0].explanation


def test_a_missing_date_asks_the_date_question():
    row = relapse_trial().evaluate({}, today=TODAY).results[0]
    assert "'When did your most recent MS attack (relapse) begin?' would tell us" in (
        row.explanation
    )
    assert relapse_trial().evaluate({}, today=TODAY).missing == (DAYS,)


def test_an_unsure_date_is_explained_with_the_date_question():
    row = relapse_trial().evaluate({"last_relapse": UNSURE}, today=TODAY).results[0]
    assert "not sure about 'When did your most recent MS attack (relapse) begin?'" in (
        row.explanation
    )


def test_facts_used_show_the_date_and_its_day_count_as_json():
    row = relapse_trial().evaluate({"last_relapse": MARCH}, today=TODAY).results[0]
    assert row.facts_used == {DAYS: [76, 106], "last_relapse": MARCH}
    json.dumps(row.as_dict())
