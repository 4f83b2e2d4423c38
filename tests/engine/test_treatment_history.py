"""Treatment history with last doses, its operators and code groups (spec section 6.2)."""

import json
from datetime import date, timedelta

import pytest

from eligibility.engine.evaluate import (
    CriterionSpec,
    compile_rule,
    compile_trial,
    interpret_rule,
)
from eligibility.engine.facts import (
    CURRENT,
    UNSURE,
    InvalidAnswers,
    UncertainCodes,
    prepare_facts,
    validate_answers,
)
from eligibility.engine.rules import RuleError, validate_rule

TODAY = date(2026, 6, 15)


def ago(days: int) -> str:
    return (TODAY - timedelta(days=days)).isoformat()


def facts(answers):
    return prepare_facts(answers, today=TODAY)


def errors_for(answers) -> dict[str, str]:
    with pytest.raises(InvalidAnswers) as caught:
        prepare_facts(answers, today=TODAY)
    return caught.value.errors


def both(rule, answers):
    """Interpreter, closures and the generated verdict function must agree."""
    prepared = facts(answers)
    compiled = compile_rule(rule)(prepared)
    assert compiled is interpret_rule(rule, prepared)
    trial = compile_trial([CriterionSpec(1, "exclusion", rule, "people")])
    expected = {True: "ineligible", False: "eligible", None: "possibly_eligible"}[compiled]
    assert trial.verdict(prepared) == expected
    return compiled


def taken_within(codes, days):
    return {
        "fact": "treatment_history",
        "op": "taken_within",
        "value": {"codes": codes, "days": days},
    }


def currently_taking(codes):
    return {"fact": "treatment_history", "op": "currently_taking", "value": codes}


def history(**doses):
    return {"treatment_history": doses}


# --- validation -----------------------------------------------------------------------------


def test_accepts_days_months_current_and_unsure_in_registry_order():
    answer = {"rituximab": UNSURE, "natalizumab": "2026-03", "interferon_beta": CURRENT}
    answer["ocrelizumab"] = "2025-11-02"
    clean = validate_answers({"treatment_history": answer}, today=TODAY)
    assert list(clean["treatment_history"].items()) == [
        ("interferon_beta", CURRENT),
        ("natalizumab", "2026-03"),
        ("ocrelizumab", "2025-11-02"),
        ("rituximab", UNSURE),
    ]


def test_an_empty_history_means_no_treatment_ever():
    prepared = facts({"treatment_history": {}})
    assert prepared["treatments_ever"] == [] and prepared["treatments_last_6_months"] == []


@pytest.mark.parametrize(
    ("value", "named"),
    [
        (["natalizumab"], "object"),
        ("natalizumab", "object"),
        ({"snake_oil": CURRENT}, "'snake_oil'"),
        ({"@anti_cd20": CURRENT}, "'@anti_cd20'"),
        ({"natalizumab": "never"}, "natalizumab"),
        ({"natalizumab": "2026-06-16"}, "future"),
        ({"natalizumab": "2026-07"}, "future"),
        ({"natalizumab": "1899-12"}, "1900"),
        ({"natalizumab": "2026-02-30"}, "natalizumab"),
        ({"natalizumab": 2026}, "natalizumab"),
        ({"natalizumab": None}, "natalizumab"),
    ],
)
def test_rejects_a_malformed_history_by_name(value, named):
    errors = errors_for({"treatment_history": value})
    assert list(errors) == ["treatment_history"]
    assert named in errors["treatment_history"]


def test_names_every_bad_entry_of_a_history_at_once():
    message = errors_for({"treatment_history": {"tea": CURRENT, "natalizumab": "2027-01"}})[
        "treatment_history"
    ]
    assert "'tea'" in message and "natalizumab" in message


# --- derived lists --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dose", "recent"),
    [
        (CURRENT, True),
        (ago(0), True),
        (ago(183), True),
        (ago(184), False),
        ("2026-03", True),  # 76..106 days
        ("2025-10", False),  # 227..257 days
        ("2025-12", None),  # 166..196 days: straddles 183
        (UNSURE, None),
    ],
)
def test_the_history_derives_both_lists(dose, recent):
    prepared = facts(history(natalizumab=dose))
    assert prepared["treatments_ever"] == ["natalizumab"]
    derived = prepared["treatments_last_6_months"]
    if recent is None:
        assert derived == UncertainCodes(known=(), unknown=("natalizumab",))
    else:
        assert derived == (["natalizumab"] if recent else [])


def test_an_unsure_history_derives_nothing():
    prepared = facts({"treatment_history": UNSURE})
    assert "treatments_ever" not in prepared and "treatments_last_6_months" not in prepared


def test_given_lists_that_agree_are_kept():
    answers = {
        **history(natalizumab=UNSURE, interferon_beta=CURRENT),
        "treatments_ever": ["interferon_beta", "natalizumab"],
        "treatments_last_6_months": ["interferon_beta", "natalizumab"],
    }
    assert facts(answers)["treatments_last_6_months"] == ["interferon_beta", "natalizumab"]


def test_recent_codes_count_as_ever_before_the_history_is_compared():
    answers = {
        **history(natalizumab=ago(400), interferon_beta=CURRENT),
        "treatments_ever": ["natalizumab"],
        "treatments_last_6_months": ["interferon_beta"],
    }
    assert facts(answers)["treatments_ever"] == ["interferon_beta", "natalizumab"]


@pytest.mark.parametrize(
    "answers",
    [
        {**history(natalizumab=CURRENT), "treatments_ever": []},
        {**history(natalizumab=CURRENT), "treatments_ever": ["natalizumab", "ivig"]},
        {**history(natalizumab=CURRENT), "treatments_last_6_months": []},
        {**history(natalizumab=ago(10)), "treatments_last_6_months": []},
        {**history(natalizumab=ago(184)), "treatments_last_6_months": ["natalizumab"]},
        {**history(natalizumab="2025-10"), "treatments_last_6_months": ["natalizumab"]},
        {**history(), "treatments_last_6_months": ["ivig"]},
    ],
)
def test_lists_that_contradict_the_history_are_a_400_naming_it(answers):
    errors = errors_for(answers)
    assert list(errors) == ["treatment_history"]
    assert "does not agree" in errors["treatment_history"]


@pytest.mark.parametrize(
    "answers",
    [
        {**history(natalizumab=UNSURE), "treatments_last_6_months": ["natalizumab"]},
        {**history(natalizumab=UNSURE), "treatments_last_6_months": []},
        {**history(natalizumab="2025-12"), "treatments_last_6_months": ["natalizumab"]},
        {**history(natalizumab="2025-12"), "treatments_last_6_months": []},
        {**history(natalizumab=CURRENT), "treatments_ever": UNSURE},
        {"treatment_history": UNSURE, "treatments_ever": ["ivig"]},
    ],
)
def test_lists_a_history_leaves_open_are_accepted(answers):
    facts(answers)


# --- taken_within ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("doses", "expected"),
    [
        ({"natalizumab": CURRENT}, True),
        ({"natalizumab": ago(90)}, True),
        ({"natalizumab": ago(91)}, False),
        ({"natalizumab": "2026-04"}, True),  # 45..75 days
        ({"natalizumab": "2026-02"}, False),  # 106..134 days
        ({"natalizumab": "2026-03"}, None),  # 76..106 straddles 90
        ({"natalizumab": UNSURE}, None),
        ({}, False),
        ({"interferon_beta": CURRENT}, False),
        ({"natalizumab": UNSURE, "fingolimod": CURRENT}, True),  # another code decides
        ({"natalizumab": UNSURE, "fingolimod": ago(200)}, None),
        ({"natalizumab": ago(200), "fingolimod": ago(300)}, False),
    ],
)
def test_taken_within_reads_the_last_doses(doses, expected):
    rule = taken_within(["natalizumab", "fingolimod"], 90)
    assert both(rule, history(**doses)) is expected


@pytest.mark.parametrize(
    ("answers", "days", "expected"),
    [
        ({"treatments_ever": []}, 365, False),
        ({"treatments_ever": ["ivig"]}, 30, False),
        ({"treatments_last_6_months": ["natalizumab"]}, 183, True),
        ({"treatments_last_6_months": ["natalizumab"]}, 365, True),
        ({"treatments_last_6_months": ["natalizumab"]}, 182, None),
        ({"treatments_last_6_months": []}, 183, False),
        ({"treatments_last_6_months": []}, 30, False),
        ({"treatments_last_6_months": []}, 184, None),
        ({"treatments_ever": ["natalizumab"], "treatments_last_6_months": []}, 365, None),
        ({"treatments_ever": ["natalizumab"]}, 30, None),
        ({}, 30, None),
        ({"treatments_ever": UNSURE, "treatments_last_6_months": UNSURE}, 30, None),
        ({"treatment_history": UNSURE, "treatments_ever": []}, 30, False),
    ],
)
def test_taken_within_decides_from_the_lists_without_a_history(answers, days, expected):
    assert both(taken_within(["natalizumab"], days), answers) is expected


@pytest.mark.parametrize(("days", "expected"), [(14, False), (15, None), (45, True)])
def test_a_month_whose_last_day_is_the_bound_decides_nothing(days, expected):
    # May 2026 is 15 (31 May) to 45 (1 May) days before 15 June.
    assert both(taken_within(["natalizumab"], days), history(natalizumab="2026-05")) is expected


def test_a_given_list_settles_what_an_unsure_date_leaves_open():
    answers = {**history(natalizumab=UNSURE), "treatments_last_6_months": []}
    assert both(taken_within(["natalizumab"], 90), answers) is False


# --- currently_taking -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (history(ocrelizumab=CURRENT), True),
        (history(ocrelizumab=ago(30)), False),
        (history(ocrelizumab="2026-06"), False),
        (history(ocrelizumab=UNSURE), None),
        (history(interferon_beta=CURRENT), False),
        (history(), False),
        (history(ocrelizumab=UNSURE, rituximab=CURRENT), True),
        (history(ocrelizumab=UNSURE, rituximab=ago(10)), None),
        ({"treatments_ever": ["interferon_beta"]}, False),
        ({"treatments_ever": ["ocrelizumab"]}, None),
        ({"treatments_last_6_months": ["ocrelizumab"]}, None),
        ({}, None),
    ],
)
def test_currently_taking(answers, expected):
    assert both(currently_taking(["@anti_cd20"]), answers) is expected


# --- the derived lists, three-valued --------------------------------------------------------

RECENT_RITUXIMAB = {
    "fact": "treatments_last_6_months",
    "op": "contains_any",
    "value": ["rituximab"],
}


@pytest.mark.parametrize(
    ("rule", "doses", "expected"),
    [
        (RECENT_RITUXIMAB, {"rituximab": UNSURE}, None),
        (RECENT_RITUXIMAB, {"rituximab": UNSURE, "natalizumab": CURRENT}, None),
        (RECENT_RITUXIMAB, {"natalizumab": CURRENT}, False),
        (
            {**RECENT_RITUXIMAB, "value": ["rituximab", "natalizumab"]},
            {"rituximab": UNSURE, "natalizumab": CURRENT},
            True,  # another code decides
        ),
        ({"fact": "treatments_last_6_months", "op": "is_empty"}, {"rituximab": UNSURE}, None),
        (
            {"fact": "treatments_last_6_months", "op": "is_empty"},
            {"rituximab": UNSURE, "natalizumab": ago(3)},
            False,
        ),
        ({"fact": "treatments_last_6_months", "op": "is_empty"}, {}, True),
        (
            {"fact": "treatments_ever", "op": "contains_any", "value": ["rituximab"]},
            {"rituximab": UNSURE},
            True,  # taken, date unknown
        ),
        ({"fact": "treatments_ever", "op": "is_empty"}, {"rituximab": UNSURE}, False),
    ],
)
def test_lists_derived_from_a_history_treat_an_unsure_date_as_taken_at_an_unknown_time(
    rule, doses, expected
):
    assert both(rule, history(**doses)) is expected


# --- groups ---------------------------------------------------------------------------------


def test_a_group_in_a_rule_covers_its_members():
    rule = {"fact": "treatments_ever", "op": "contains_any", "value": ["@anti_cd20"]}
    for code in ("ocrelizumab", "ofatumumab", "ublituximab", "rituximab"):
        assert both(rule, {"treatments_ever": [code]}) is True
    assert both(rule, {"treatments_ever": ["natalizumab", "alemtuzumab"]}) is False


def test_groups_and_codes_may_be_listed_together():
    rule = taken_within(["@s1p_modulator", "natalizumab"], 60)
    assert both(rule, history(ponesimod=ago(59))) is True
    assert both(rule, history(natalizumab=ago(20))) is True
    assert both(rule, history(ocrelizumab=ago(20))) is False


def test_a_stored_rule_keeps_its_group_names():
    rule = {"fact": "treatments_ever", "op": "contains_any", "value": ["@any_dmt", "ivig"]}
    trial = compile_trial([CriterionSpec(1, "exclusion", rule, "people")])
    assert trial.criteria[0].spec.rule["value"] == ["@any_dmt", "ivig"]
    assert rule == {"fact": "treatments_ever", "op": "contains_any", "value": ["@any_dmt", "ivig"]}


def test_any_dmt_excludes_every_dmt_but_not_symptom_or_relapse_treatments():
    rule = {"fact": "treatments_ever", "op": "contains_any", "value": ["@any_dmt"]}
    for code in ("btk_inhibitor", "hsct", "daclizumab", "ublituximab", "cladribine"):
        assert both(rule, {"treatments_ever": [code]}) is True
    for code in ("dalfampridine", "plasma_exchange", "corticosteroids", "ivig", "methotrexate"):
        assert both(rule, {"treatments_ever": [code]}) is False


# --- rule validation ------------------------------------------------------------------------


def rule_error(rule) -> RuleError:
    with pytest.raises(RuleError) as caught:
        validate_rule(rule)
    return caught.value


@pytest.mark.parametrize(
    ("value", "path"),
    [
        (["natalizumab"], "value"),
        ({"codes": ["natalizumab"]}, "value.days"),
        ({"days": 30}, "value.codes"),
        ({"codes": ["natalizumab"], "days": 30, "unit": "days"}, "value.unit"),
        ({"codes": [], "days": 30}, "value.codes"),
        ({"codes": ["tea"], "days": 30}, "value.codes"),
        ({"codes": ["@statins"], "days": 30}, "value.codes"),
        ({"codes": ["natalizumab", "natalizumab"], "days": 30}, "value.codes"),
        ({"codes": ["natalizumab"], "days": -1}, "value.days"),
        ({"codes": ["natalizumab"], "days": 30.5}, "value.days"),
        ({"codes": ["natalizumab"], "days": True}, "value.days"),
        ({"codes": ["natalizumab"], "days": 50001}, "value.days"),
        ({"codes": ["natalizumab"], "days": "30"}, "value.days"),
    ],
)
def test_rejects_a_malformed_taken_within_naming_the_part(value, path):
    rule = {"fact": "treatment_history", "op": "taken_within", "value": value}
    assert rule_error({"all": [rule]}).path == f"all[0].{path}"


def test_names_the_unknown_code_or_group():
    assert "'tea'" in rule_error(taken_within(["tea"], 30)).message
    assert "'@statins'" in rule_error(currently_taking(["@statins"])).message


@pytest.mark.parametrize("value", [[], ["tea"], "natalizumab", ["ivig", "ivig"]])
def test_rejects_a_malformed_currently_taking(value):
    assert rule_error(currently_taking(value)).path == "value"


def test_the_history_operators_apply_only_to_the_history():
    assert (
        rule_error({"fact": "treatments_ever", "op": "currently_taking", "value": ["ivig"]}).path
        == "op"
    )
    bad = {"fact": "treatment_history", "op": "contains_any", "value": ["ivig"]}
    assert rule_error(bad).path == "op"


def test_groups_are_refused_where_codes_are_not_treatments():
    rule = {"fact": "other_conditions", "op": "contains_any", "value": ["@anti_cd20"]}
    assert rule_error(rule).path == "value"


def test_accepts_well_formed_history_rules():
    validate_rule(taken_within(["@anti_cd20", "natalizumab"], 0))
    validate_rule(taken_within(["ivig"], 50000))
    validate_rule({"not": currently_taking(["@any_dmt"])})


# --- explanations ---------------------------------------------------------------------------


def washout_trial():
    return compile_trial(
        [
            CriterionSpec(
                "exc-1",
                "exclusion",
                taken_within(["natalizumab", "fingolimod"], 90),
                "People who took natalizumab or fingolimod in the past 3 months",
                "Personas que han tomado natalizumab o fingolimod en los últimos 3 meses",
            )
        ]
    )


def test_explains_a_recent_dose_that_rules_out():
    result = washout_trial().evaluate(history(natalizumab="2026-05-02"), today=TODAY)
    assert result.results[0].explanation == (
        "This study does not take people who took natalizumab or fingolimod in the past 3 "
        "months; you told us your last dose of natalizumab was on 2 May 2026."
    )


def test_explains_never_taken_in_both_languages():
    en = washout_trial().evaluate(history(interferon_beta=CURRENT), today=TODAY)
    assert en.results[0].explanation.endswith(
        "you told us you have never taken natalizumab or fingolimod, so this does not apply to you."
    )
    es = washout_trial().evaluate(history(), today=TODAY, lang="es")
    assert "nos dijo que nunca ha tomado natalizumab ni fingolimod" in es.results[0].explanation


@pytest.mark.parametrize(
    ("answers", "lang", "told"),
    [
        ({"treatments_ever": ["interferon_beta"]}, "en", "you have never taken natalizumab or"),
        ({"treatments_last_6_months": []}, "en", "you have not taken natalizumab or fingolimod in"),
        ({"treatments_last_6_months": []}, "es", "no ha tomado natalizumab ni fingolimod en los"),
    ],
)
def test_explains_a_decision_the_lists_made(answers, lang, told):
    result = washout_trial().evaluate(answers, today=TODAY, lang=lang)
    assert result.results[0].status == "pass"
    assert told in result.results[0].explanation


def test_explains_a_list_that_rules_out_in_place_of_a_history():
    trial = compile_trial(
        [CriterionSpec(1, "exclusion", taken_within(["natalizumab"], 365), "people who took it")]
    )
    result = trial.evaluate({"treatments_last_6_months": ["natalizumab", "ivig"]}, today=TODAY)
    assert result.results[0].explanation.endswith(
        "you told us in the past 6 months you took natalizumab."
    )


def test_explains_an_unsure_date():
    result = washout_trial().evaluate(history(fingolimod=UNSURE), today=TODAY)
    row = result.results[0]
    assert row.status == "unknown"
    assert "you are not sure when you last took fingolimod" in row.explanation
    spanish = washout_trial().evaluate(history(fingolimod=UNSURE), today=TODAY, lang="es")
    assert "no está seguro/a de cuándo tomó por última vez fingolimod" in (
        spanish.results[0].explanation
    )


def test_explains_a_month_that_straddles_the_window():
    row = washout_trial().evaluate(history(natalizumab="2026-03"), today=TODAY).results[0]
    assert "the month you gave for your last dose of natalizumab is not precise enough" in (
        row.explanation
    )


def test_a_missing_history_asks_the_history_question():
    row = washout_trial().evaluate({}, today=TODAY).results[0]
    assert "'Which MS or immune treatments have you ever taken, and when" in row.explanation
    assert row.needs == ("treatment_history",)


def test_facts_used_show_the_history_as_given():
    answer = {"natalizumab": "2026-03", "interferon_beta": CURRENT}
    row = washout_trial().evaluate({"treatment_history": answer}, today=TODAY).results[0]
    assert row.facts_used["treatment_history"] == {
        "interferon_beta": CURRENT,
        "natalizumab": "2026-03",
    }
    assert row.facts_used["treatments_ever"] == ["interferon_beta", "natalizumab"]
    json.dumps(row.as_dict())


def test_an_uncertain_list_is_json_in_facts_used():
    trial = compile_trial([CriterionSpec(1, "exclusion", RECENT_RITUXIMAB, "people")])
    row = trial.evaluate(history(rituximab=UNSURE), today=TODAY).results[0]
    assert row.facts_used["treatments_last_6_months"] == {"codes": [], "unknown": ["rituximab"]}
    json.dumps(row.as_dict())
