"""The questionnaire asks the contract v2 facts (spec section 6): dated facts as a month
and a year with "never" and "not sure", the treatment history asked whole, other
conditions, cancer, pregnancy and contraception; only when a trial's rules need them.

Every test runs on 15 June 2026 (the clock is frozen), so "the current month" is June
2026 and July 2026 is in the future.
"""

from datetime import UTC, datetime

import pytest
import time_machine

from eligibility.engine.facts import TREATMENT_CODES
from eligibility.selectors import question_keys
from eligibility.services import criteria_replace
from tests.factories import TrialFactory
from tests.web.conftest import current_question

V2_NCT = "NCT09000017"
URL = f"/trials/{V2_NCT}/check/"
RESULT = f"/trials/{V2_NCT}/check/result/"
MATCH = "/check/questions/"


def _rule(fact, op, value):
    return {"fact": fact, "op": op, "value": value}


def _criterion(kind, order, en, es, rule, clinical=""):
    return {
        "kind": kind,
        "order": order,
        "patient_text": en,
        "patient_text_es": es,
        "clinical_text": clinical or en,
        "rule": rule,
    }


_WOMAN = _rule("sex", "==", "female")

#: A relapsing-MS trial written in the contract v2 vocabulary, as a curator would write
#: a phase 3 trial's registered criteria (windows before joining, prior treatments, the
#: usual safety exclusions). One line needs a blood test: it has no rule (not_checked).
V2_CRITERIA = [
    _criterion(
        "inclusion", 1, "People aged 18 to 55", "Personas de 18 a 55 años",
        _rule("age", "between", [18, 55]),
    ),
    _criterion(
        "inclusion", 2,
        "People diagnosed with relapsing-remitting or secondary progressive MS",
        "Personas con diagnóstico de EM remitente-recurrente o secundaria progresiva",
        {
            "all": [
                _rule("ms_diagnosis", "==", "yes"),
                _rule("ms_course", "in", ["relapsing_remitting", "secondary_progressive"]),
            ]
        },
    ),
    _criterion(
        "inclusion", 3,
        "People with a relapse in the past 12 months, or two in the past 24 months",
        "Personas con un brote en los últimos 12 meses, o dos en los últimos 24 meses",
        {
            "any": [
                _rule("relapses_last_12_months", ">=", 1),
                _rule("relapses_last_24_months", ">=", 2),
            ]
        },
    ),
    _criterion(
        "inclusion", 4,
        "People with no relapse in the 30 days before joining",
        "Personas sin ningún brote en los 30 días anteriores a la inclusión",
        _rule("days_since_last_relapse", ">", 30),
    ),
    _criterion(
        "inclusion", 5,
        "People who have not taken steroids by mouth, drip or injection in the 30 days "
        "before joining",
        "Personas que no han tomado corticoides por boca, gotero o inyección en los 30 días "
        "anteriores a la inclusión",
        _rule("days_since_systemic_steroids", ">", 30),
    ),
    _criterion(
        "inclusion", 6,
        "Adequate hematologic and liver function",
        "",
        None,
    ),
    _criterion(
        "exclusion", 1,
        "People who took natalizumab in the past 6 months",
        "Personas que han tomado natalizumab en los últimos 6 meses",
        _rule("treatment_history", "taken_within", {"codes": ["natalizumab"], "days": 183}),
    ),
    _criterion(
        "exclusion", 2,
        "People who had an anti-CD20 treatment (such as ocrelizumab or rituximab) in the "
        "past 12 months",
        "Personas que han recibido un tratamiento anti-CD20 (como ocrelizumab o rituximab) "
        "en los últimos 12 meses",
        _rule("treatment_history", "taken_within", {"codes": ["@anti_cd20"], "days": 365}),
    ),
    _criterion(
        "exclusion", 3,
        "Women who are pregnant or breastfeeding",
        "Mujeres embarazadas o que dan el pecho",
        {"all": [_WOMAN, _rule("pregnancy_or_breastfeeding", "==", "yes")]},
    ),
    _criterion(
        "exclusion", 4,
        "Women who could become pregnant and will not use effective contraception",
        "Mujeres que pueden quedarse embarazadas y no usarán un método anticonceptivo eficaz",
        {"all": [_WOMAN, _rule("contraception", "==", "no")]},
    ),
    _criterion(
        "exclusion", 5,
        "People who have had PML, or who have HIV",
        "Personas que han tenido LMP o que tienen el VIH",
        _rule("other_conditions", "contains_any", ["pml", "hiv"]),
    ),
    _criterion(
        "exclusion", 6,
        "People who had cancer in the past 5 years",
        "Personas que han tenido cáncer en los últimos 5 años",
        _rule("years_since_cancer", "<", 5),
    ),
    _criterion(
        "exclusion", 7,
        "People who received a drug in another clinical study in the past 30 days",
        "Personas que han recibido un fármaco en otro estudio clínico en los últimos 30 días",
        _rule("days_since_investigational_drug", "<=", 30),
    ),
]  # fmt: skip

#: The questions those rules need, as the web asks them (dates, not day counts).
V2_QUESTIONS = {
    "age",
    "ms_diagnosis",
    "ms_course",
    "relapses_last_12_months",
    "relapses_last_24_months",
    "last_relapse",
    "treatment_history",
    "last_systemic_steroids",
    "last_investigational_drug",
    "sex",
    "pregnancy_or_breastfeeding",
    "contraception",
    "other_conditions",
    "years_since_cancer",
}

#: A woman nothing in the rules rules out, in the contract's values.
V2_PATIENT = {
    "age": 41,
    "ms_diagnosis": "yes",
    "ms_course": "relapsing_remitting",
    "relapses_last_12_months": 1,
    "relapses_last_24_months": 2,
    "last_relapse": "2026-01",
    "treatment_history": {"interferon_beta": "current", "natalizumab": "2023-03"},
    "last_systemic_steroids": "never",
    "last_investigational_drug": "never",
    "sex": "female",
    "pregnancy_or_breastfeeding": "no",
    "contraception": "yes",
    "other_conditions": [],
    "years_since_cancer": "never",
}


def v2_trial_create(**fields):
    trial = TrialFactory(
        nct_id=V2_NCT,
        acronym="RELAPSE-2",
        brief_title="A study of an anti-CD20 antibody in relapsing MS",
        **fields,
    )
    criteria_replace(trial=trial, criteria=V2_CRITERIA, source="curated")
    return trial


@pytest.fixture(autouse=True)
def june_2026():
    with time_machine.travel(datetime(2026, 6, 15, 10, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def v2_trial(db):
    return v2_trial_create()


def as_post(key: str, value) -> dict:
    """A contract value as the page posts it (the inverse of the form's cleaning)."""
    if value in ("never", "unsure") and key not in CHOICE_KEYS:
        return {f"answer_{value}": "1"}
    if key == "treatment_history":
        data = {"treatment_history": list(value) or ["none"]}
        for code, last in value.items():
            if last in ("current", "unsure"):
                data[f"{code}_when"] = last
            else:
                data.update({f"{code}_when": "dated", **month_post(code, last)})
        return data
    if isinstance(value, list):
        return {key: value or ["none"]}
    if key in MONTH_KEYS:
        return month_post(key, value)
    return {key: str(value)}


def month_post(prefix: str, month: str) -> dict:
    return {f"{prefix}_month": str(int(month[5:7])), f"{prefix}_year": month[:4]}


MONTH_KEYS = {
    "last_relapse",
    "last_systemic_steroids",
    "last_investigational_drug",
    "last_new_mri_activity",
    "last_live_vaccine",
}
CHOICE_KEYS = {"ms_diagnosis", "ms_course", "pregnancy_or_breastfeeding", "contraception"}


def post(client, key, value, url=URL, **headers):
    return client.post(url, {"question": key, **as_post(key, value)}, **headers)


def walk(client, answers: dict, url=URL, **headers) -> list[str]:
    """Answer every question asked at ``url`` from ``answers``; the keys asked, in order."""
    asked = []
    response = client.get(url, **headers)
    while response.status_code == 200 and (key := current_question(response)):
        assert key not in asked, f"{key} asked twice"
        asked.append(key)
        posted = post(client, key, answers[key], url, **headers)
        assert posted.status_code == 302, posted.content.decode()[:3000]
        if "/result" in posted.url:
            break
        response = client.get(posted.url, **headers)
    return asked


def saved(client) -> dict:
    return client.session.get("answers", {})


def error_of(response, field_id: str) -> str:
    """The error text shown next to the control ``field_id``."""
    html = response.content.decode()
    marker = f'id="{field_id}_error">'
    assert marker in html, f"no error next to {field_id}"
    return html.split(marker, 1)[1].split("</p>", 1)[0]


# --- only what the rules need ---------------------------------------------------------------


def test_the_questions_are_those_the_rules_need_asked_as_dates(v2_trial):
    keys = question_keys(trials=[v2_trial], age_key="age")
    assert set(keys) == V2_QUESTIONS
    assert "edss" not in keys and "treatments_ever" not in keys
    assert not any(key.startswith("days_since") for key in keys)


def test_a_woman_is_asked_sex_before_pregnancy_and_each_answer_is_saved_as_the_contract(
    client, v2_trial
):
    asked = walk(client, V2_PATIENT)
    assert set(asked) <= V2_QUESTIONS
    assert asked.index("sex") < asked.index("pregnancy_or_breastfeeding")
    assert asked.index("sex") < asked.index("contraception")
    assert "relapses_last_24_months" not in asked  # one relapse in 12 months settles it
    assert saved(client) == {k: v for k, v in V2_PATIENT.items() if k in asked}
    html = client.get(RESULT).content.decode()
    assert "Nothing in your answers rules you out so far" in html


def test_a_man_is_never_asked_about_pregnancy_or_contraception(client, v2_trial):
    asked = walk(client, {**V2_PATIENT, "sex": "male"})
    assert "sex" in asked
    assert "pregnancy_or_breastfeeding" not in asked
    assert "contraception" not in asked


def test_the_v2_questions_speak_spanish(client, v2_trial):
    es = {"HTTP_ACCEPT_LANGUAGE": "es"}
    pages = {}
    response = client.get(URL, **es)
    while (key := current_question(response)) is not None:
        pages[key] = response.content.decode()
        posted = post(client, key, V2_PATIENT[key], **es)
        assert posted.status_code == 302
        response = client.get(posted.url, **es)
    assert "¿Cuándo empezó su brote de EM más reciente?" in pages["last_relapse"]
    assert ">Mes</label>" in pages["last_relapse"] and ">Año</label>" in pages["last_relapse"]
    assert ">Nunca</button>" in pages["last_relapse"]
    assert ">Marzo</option>" in pages["last_relapse"]
    assert "Tratamientos para la EM aprobados" in pages["treatment_history"]
    assert "Lo sigo tomando" in pages["treatment_history"]
    assert "Nunca he tomado ninguno de estos" in pages["treatment_history"]
    assert "Ninguna de estas" in pages["other_conditions"]
    assert "No lo necesito" in pages["contraception"]
    html = response.content.decode()
    assert "Nada en sus respuestas le excluye por ahora" in html
    assert "enero de 2026" in html  # the last relapse, told back
    assert "Está tomando interferón beta actualmente" in html


def test_a_relapse_this_month_rules_out_and_ends_the_questions(client, v2_trial):
    asked = walk(client, {**V2_PATIENT, "last_relapse": "2026-06"})
    assert len(asked) < len(V2_QUESTIONS)
    html = client.get(RESULT).content.decode()
    assert "This study is probably not a match for you" in html
    assert "your last relapse began in June 2026" in html


def test_a_relapse_in_a_month_that_straddles_the_window_decides_nothing(client, v2_trial):
    # May 2026 is 15 to 45 days before 15 June: within 30 days for some of its days only.
    walk(client, {**V2_PATIENT, "last_relapse": "2026-05"})
    html = client.get(RESULT).content.decode()
    unknown = html.split("What we could not check yet", 1)[1].split("</ul>", 1)[0]
    assert "no relapse in the 30 days before joining" in unknown


# --- month and year ---------------------------------------------------------------------------


def test_a_dated_fact_is_asked_as_a_month_and_a_year_with_never_and_not_sure(client, v2_trial):
    html = client.get(URL, {"q": "last_relapse"}).content.decode()
    assert '<select name="last_relapse_month"' in html
    assert '<option value="3">March</option>' in html
    assert 'name="last_relapse_year"' in html and 'inputmode="numeric"' in html
    assert '<label for="id_last_relapse_month">Month</label>' in html
    assert '<label for="id_last_relapse_year">Year</label>' in html
    assert 'name="answer_never" value="1">Never</button>' in html
    assert 'name="answer_unsure" value="1">I\'m not sure</button>' in html
    assert '<legend class="question__legend"><h1>When did your most recent MS attack' in html


@pytest.mark.parametrize(
    ("month", "year", "expected"),
    [("3", "2026", "2026-03"), ("6", "2026", "2026-06"), ("1", "1900", "1900-01"),
     ("12", " 2019 ", "2019-12")],
)  # fmt: skip
def test_it_saves_a_month_and_year_as_yyyy_mm(client, v2_trial, month, year, expected):
    response = client.post(
        URL, {"question": "last_relapse", "last_relapse_month": month, "last_relapse_year": year}
    )
    assert response.status_code == 302
    assert saved(client) == {"last_relapse": expected}


@pytest.mark.parametrize(
    ("button", "value"), [("answer_never", "never"), ("answer_unsure", "unsure")]
)
def test_never_and_not_sure_are_buttons_that_win_over_typed_values(client, v2_trial, button, value):
    response = client.post(
        URL,
        {"question": "last_systemic_steroids", "last_systemic_steroids_month": "13", button: "1"},
    )
    assert response.status_code == 302
    assert saved(client) == {"last_systemic_steroids": value}


@pytest.mark.parametrize(
    ("month", "year", "part", "message"),
    [
        ("", "", "month", "Choose the month and enter the year, or press &#x27;Never&#x27; or "
         "&#x27;I&#x27;m not sure&#x27;."),
        ("3", "", "year", "Enter the year as well as the month."),
        ("", "2026", "month", "Choose the month as well as the year."),
        ("3", "26", "year", "Enter the year as 4 digits, like 2021."),
        ("3", "20x6", "year", "Enter the year as 4 digits, like 2021."),
        ("3", "1899", "year", "Enter a year from 1900 to 2026."),
        ("7", "2026", "month", "That month is in the future. Choose this month or an earlier one."),
        ("1", "2027", "year", "That month is in the future."),
        ("13", "2026", "month", "Choose a month from the list."),
        ("March", "2026", "month", "Choose a month from the list."),
    ],
)  # fmt: skip
def test_it_rejects_a_bad_month_or_year_next_to_the_part_at_fault(
    client, v2_trial, month, year, part, message
):
    response = client.post(
        URL, {"question": "last_relapse", "last_relapse_month": month, "last_relapse_year": year}
    )
    assert response.status_code == 400
    assert message in error_of(response, f"id_last_relapse_{part}")
    html = response.content.decode()
    assert f'href="#id_last_relapse_{part}"' in html  # the error summary links to it
    assert f'aria-describedby="id_last_relapse_{part}_error"' in html
    assert html.count('aria-invalid="true"') == 1
    assert "answers" not in client.session


def test_month_errors_speak_spanish(client, v2_trial):
    response = client.post(
        URL,
        {"question": "last_relapse", "last_relapse_month": "7", "last_relapse_year": "2026"},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 400
    assert "Ese mes está en el futuro." in error_of(response, "id_last_relapse_month")


def test_going_back_to_a_month_shows_it(client, v2_trial):
    post(client, "last_relapse", "2025-11")
    html = client.get(URL, {"q": "last_relapse"}).content.decode()
    assert '<option value="11" selected>November</option>' in html
    assert 'value="2025"' in html


def test_going_back_to_never_says_so(client, v2_trial):
    post(client, "last_relapse", "never")
    html = client.get(URL, {"q": "last_relapse"}).content.decode()
    assert "Your answer so far: <strong>Never</strong>" in html
    month = html.split('name="last_relapse_month"')[1].split("</select>")[0]
    assert month.count("selected") == 1 and '<option value="" selected>' in month


# --- years since cancer: a number, or never --------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"years_since_cancer": "3"}, 3.0),
        ({"years_since_cancer": "2,5"}, 2.5),
        ({"years_since_cancer": "0"}, 0.0),
        ({"answer_never": "1"}, "never"),
        ({"years_since_cancer": "", "answer_unsure": "1"}, "unsure"),
    ],
)
def test_years_since_cancer_takes_a_number_never_or_not_sure(client, v2_trial, data, expected):
    response = client.post(URL, {"question": "years_since_cancer", **data})
    assert response.status_code == 302
    assert saved(client) == {"years_since_cancer": expected}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Enter a number, or press &#x27;Never&#x27;."),
        ("101", "Enter a number from 0 to 100."),
        ("-1", "Enter a number from 0 to 100."),
        ("never", "Enter a number from 0 to 100."),
    ],
)
def test_years_since_cancer_rejects_bad_numbers(client, v2_trial, value, message):
    response = client.post(URL, {"question": "years_since_cancer", "years_since_cancer": value})
    assert response.status_code == 400
    assert message in error_of(response, "id_years_since_cancer")
    assert "answers" not in client.session


def test_years_since_cancer_offers_never_and_shows_a_number_back(client, v2_trial):
    html = client.get(URL, {"q": "years_since_cancer"}).content.decode()
    assert 'name="answer_never"' in html and 'name="answer_unsure"' in html
    post(client, "years_since_cancer", 2.5)
    assert 'value="2.5"' in client.get(URL, {"q": "years_since_cancer"}).content.decode()


# --- choices: pregnancy and contraception ---------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("pregnancy_or_breastfeeding", "no"),
        ("pregnancy_or_breastfeeding", "unsure"),
        ("contraception", "not_needed"),
        ("contraception", "yes"),
    ],
)
def test_pregnancy_and_contraception_are_choices(client, v2_trial, key, value):
    post(client, "sex", "female")
    assert post(client, key, value).status_code == 302
    assert saved(client)[key] == value
    html = client.get(URL, {"q": key}).content.decode()
    assert f'value="{value}" id="id_{key}_' in html and "checked" in html


def test_contraception_lists_not_needed_and_rejects_an_unknown_choice(client, v2_trial):
    post(client, "sex", "female")
    html = client.get(URL, {"q": "contraception"}).content.decode()
    assert "Not needed: I cannot become pregnant or father a child" in html
    response = post(client, "contraception", "maybe")
    assert response.status_code == 400
    assert "contraception" not in saved(client)


# --- other conditions -------------------------------------------------------------------------


def test_other_conditions_saves_the_ticked_codes_and_none_as_an_empty_list(client, v2_trial):
    assert post(client, "other_conditions", ["hiv", "pml"]).status_code == 302
    assert saved(client)["other_conditions"] == ["hiv", "pml"]  # registry order
    assert post(client, "other_conditions", []).status_code == 302
    assert saved(client)["other_conditions"] == []
    back = client.get(URL, {"q": "other_conditions"}).content.decode()
    assert 'value="none" id="id_other_conditions_19" checked' in back


@pytest.mark.parametrize(
    ("codes", "message"),
    [
        ([], "Tick every condition a doctor has told you about, or tick &#x27;None of "
         "these&#x27;."),
        (["none", "hiv"], "You ticked &#x27;None of these&#x27; and a condition. Untick one "
         "of them."),
        (["lupus"], "Select a valid choice."),
    ],
)  # fmt: skip
def test_other_conditions_rejects_an_unanswered_or_contradictory_list(
    client, v2_trial, codes, message
):
    response = client.post(URL, {"question": "other_conditions", "other_conditions": codes})
    assert response.status_code == 400
    assert message in error_of(response, "id_other_conditions")
    assert "treatment" not in error_of(response, "id_other_conditions")
    assert "answers" not in client.session


# --- treatment history ------------------------------------------------------------------------


def treatment_page(client, **headers) -> str:
    return client.get(URL, {"q": "treatment_history"}, **headers).content.decode()


def test_the_history_lists_every_treatment_once_in_the_registry_groups(client, v2_trial):
    html = treatment_page(client)
    for code in TREATMENT_CODES:
        assert html.count(f'name="treatment_history" value="{code}"') == 1, code
        assert f'name="{code}_when"' in html and f'name="{code}_month"' in html
    assert 'name="treatment_history" value="none"' in html
    titles = [
        "Approved MS treatments",
        "Other MS treatments, including treatments tested in studies",
        "Immunosuppressants",
        "Relapse, symptom and other immune treatments",
    ]
    positions = [html.index(f">{title}</h2>") for title in titles]
    assert positions == sorted(positions)
    approved = html[positions[0] : positions[1]]
    assert 'value="ocrelizumab"' in approved and 'value="rituximab"' not in approved
    relapse = html[positions[3] :]
    assert 'value="corticosteroids"' in relapse and 'value="dalfampridine"' in relapse
    assert html.index('value="dalfampridine"') < html.index('value="none"')


def test_the_history_is_saved_as_the_contract_object(client, v2_trial):
    history = {"interferon_beta": "current", "natalizumab": "2025-03", "rituximab": "unsure"}
    response = post(client, "treatment_history", history)
    assert response.status_code == 302
    assert saved(client) == {"treatment_history": history}
    assert list(saved(client)["treatment_history"]) == list(history)  # registry order


def test_never_any_treatment_is_an_empty_history(client, v2_trial):
    assert post(client, "treatment_history", {}).status_code == 302
    assert saved(client) == {"treatment_history": {}}


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        pytest.param(
            {"treatment_history": ["fingolimod"], "fingolimod_month": "2",
             "fingolimod_year": "2024"},
            {"fingolimod": "2024-02"},
            id="a-month-without-the-radio-is-a-last-dose",
        ),
        pytest.param(
            {"treatment_history": ["fingolimod"], "fingolimod_when": "current",
             "fingolimod_month": "2", "fingolimod_year": "2024"},
            {"fingolimod": "current"},
            id="still-taking-wins-over-a-month-left-in-the-row",
        ),
        pytest.param(
            {"treatment_history": ["glatiramer_acetate"], "glatiramer_acetate_when": "unsure",
             "natalizumab_when": "current", "natalizumab_month": "13"},
            {"glatiramer_acetate": "unsure"},
            id="an-unticked-row-is-ignored-whatever-it-still-holds",
        ),
    ],
)  # fmt: skip
def test_a_row_is_read_as_the_patient_meant_it(client, v2_trial, row, expected):
    assert client.post(URL, {"question": "treatment_history", **row}).status_code == 302
    assert saved(client) == {"treatment_history": expected}


def test_not_sure_answers_the_whole_history(client, v2_trial):
    response = client.post(URL, {"question": "treatment_history", "answer_unsure": "1"})
    assert response.status_code == 302
    assert saved(client) == {"treatment_history": "unsure"}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "id_treatment_history",
         "Tick each treatment you have taken, or tick &#x27;I have never taken any of "
         "these&#x27;."),
        ({"treatment_history": ["none", "natalizumab"], "natalizumab_when": "current"},
         "id_treatment_history",
         "You ticked &#x27;I have never taken any of these&#x27; and a treatment."),
        ({"treatment_history": ["natalizumab"]}, "id_natalizumab_when",
         "Say when you last took natalizumab: you are still taking it, the month and year "
         "of your last dose, or you are not sure when."),
        ({"treatment_history": ["natalizumab"], "natalizumab_when": "dated"},
         "id_natalizumab_month",
         "Choose the month and enter the year of your last dose of natalizumab."),
        ({"treatment_history": ["natalizumab"], "natalizumab_when": "dated",
          "natalizumab_year": "2025"},
         "id_natalizumab_month", "Choose the month of your last dose of natalizumab."),
        ({"treatment_history": ["natalizumab"], "natalizumab_when": "dated",
          "natalizumab_month": "4"},
         "id_natalizumab_year", "Enter the year of your last dose of natalizumab."),
        ({"treatment_history": ["natalizumab"], "natalizumab_when": "dated",
          "natalizumab_month": "4", "natalizumab_year": "25"},
         "id_natalizumab_year",
         "Enter the year of your last dose of natalizumab as 4 digits, like 2021."),
        ({"treatment_history": ["natalizumab"], "natalizumab_when": "dated",
          "natalizumab_month": "8", "natalizumab_year": "2026"},
         "id_natalizumab_month", "That month is in the future"),
        ({"treatment_history": ["natalizumab"], "natalizumab_when": "dated",
          "natalizumab_month": "8", "natalizumab_year": "1850"},
         "id_natalizumab_year",
         "Enter a year from 1900 to 2026 for your last dose of natalizumab."),
        ({"treatment_history": ["natalizumab"], "natalizumab_when": "yesterday"},
         "id_natalizumab_when", "Select a valid choice."),
        ({"treatment_history": ["aspirin"]}, "id_treatment_history", "Select a valid choice."),
    ],
)  # fmt: skip
def test_it_rejects_an_incomplete_history_next_to_the_row(client, v2_trial, data, field, message):
    response = client.post(URL, {"question": "treatment_history", **data})
    assert response.status_code == 400
    assert message in error_of(response, field)
    assert "answers" not in client.session


def test_a_row_error_is_linked_from_the_summary_and_described_on_the_row(client, v2_trial):
    data = {"treatment_history": ["natalizumab", "ocrelizumab"], "ocrelizumab_when": "current"}
    response = client.post(URL, {"question": "treatment_history", **data})
    html = response.content.decode()
    assert 'href="#id_natalizumab_when_0"' in html
    assert 'aria-describedby="id_natalizumab_when_error"' in html
    assert 'class="dose dose--error"' in html
    # The row answered well keeps its answer on the page that shows the error.
    assert 'value="current" id="id_ocrelizumab_when_0" checked' in html


def test_every_row_of_two_bad_rows_gets_its_own_error(client, v2_trial):
    data = {"question": "treatment_history", "treatment_history": ["natalizumab", "rituximab"]}
    response = client.post(URL, data)
    assert "natalizumab" in error_of(response, "id_natalizumab_when")
    assert "rituximab" in error_of(response, "id_rituximab_when")


def test_going_back_to_the_history_shows_each_row(client, v2_trial):
    post(client, "treatment_history", {"interferon_beta": "current", "natalizumab": "2025-03"})
    html = treatment_page(client)
    assert 'value="interferon_beta" id="id_treatment_history_0" checked' in html
    assert 'value="current" id="id_interferon_beta_when_0" checked' in html
    assert 'value="dated" id="id_natalizumab_when_1" checked' in html
    natalizumab_month = html.split('name="natalizumab_month"')[1].split("</select>")[0]
    assert '<option value="3" selected>March</option>' in natalizumab_month
    assert 'id="id_natalizumab_year" value="2025"' in html
    post(client, "treatment_history", {})
    assert 'value="none" id="id_treatment_history_31" checked' in treatment_page(client)


def test_the_history_errors_speak_spanish(client, v2_trial):
    response = client.post(
        URL,
        {"question": "treatment_history", "treatment_history": ["natalizumab"]},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert "Indique cuándo tomó natalizumab por última vez" in error_of(
        response, "id_natalizumab_when"
    )


# --- contradictions between answers (section 6.1) --------------------------------------------


@pytest.mark.parametrize(
    ("first", "then", "message"),
    [
        (("relapses_last_12_months", 0), ("last_relapse", "2026-03"),
         "You said you had no MS attacks (relapses) in the past 12 months, but that your "
         "most recent attack began in March 2026."),
        (("last_relapse", "2026-03"), ("relapses_last_12_months", 0),
         "You said you had no MS attacks (relapses) in the past 12 months, but that your "
         "most recent attack began in March 2026."),
        (("relapses_last_24_months", 0), ("last_relapse", "2025-01"),
         "You said you had no MS attacks (relapses) in the past 24 months, but that your "
         "most recent attack began in January 2025."),
        (("relapses_last_12_months", 2), ("last_relapse", "never"),
         "You said you had 2 MS attacks (relapses) in the past 12 months, but also that "
         "you have never had one."),
        (("relapses_last_12_months", 1), ("last_relapse", "2024-01"),
         "You said you had 1 MS attack (relapse) in the past 12 months, but that your most "
         "recent attack began in January 2024, longer ago than that."),
    ],
)  # fmt: skip
def test_a_relapse_date_that_contradicts_the_counts_is_explained(
    client, v2_trial, first, then, message
):
    assert post(client, *first).status_code == 302
    response = post(client, *then)
    assert response.status_code == 400
    html = response.content.decode()
    assert message.replace("'", "&#x27;") in html
    assert "Change this answer, or go back and change the earlier one." in html
    assert then[0] not in saved(client)


def test_a_month_contradicts_only_when_every_day_of_it_does(client, v2_trial):
    # June 2025 is 350 to 379 days before 15 June 2026: partly within the past 12 months.
    post(client, "relapses_last_12_months", 0)
    assert post(client, "last_relapse", "2025-06").status_code == 302
    assert saved(client)["last_relapse"] == "2025-06"


def test_a_contradiction_is_explained_in_spanish(client, v2_trial):
    es = {"HTTP_ACCEPT_LANGUAGE": "es"}
    post(client, "relapses_last_12_months", 0, **es)
    response = post(client, "last_relapse", "2026-03", **es)
    assert response.status_code == 400
    assert (
        "Ha indicado que no ha tenido ningún brote de EM en los últimos 12 meses, pero que "
        "su brote más reciente empezó en marzo de 2026." in response.content.decode()
    )


@pytest.fixture
def every_trial(demo_catalog):
    """Find trials for me over the CARE-MS trials and the v2 trial."""
    return v2_trial_create()


@pytest.mark.parametrize(
    ("ever", "last", "message"),
    [
        ("no", "2026-01", "You said you have never received a drug in a clinical study, but "
         "you gave the date of a last dose (January 2026)."),
        ("yes", "never", "You said you have received a drug in a clinical study, but also "
         "that you never have."),
    ],
)  # fmt: skip
def test_an_investigational_drug_date_that_contradicts_is_explained(
    client, every_trial, ever, last, message
):
    assert post(client, "investigational_drug_ever", ever, MATCH).status_code == 302
    response = post(client, "last_investigational_drug", last, MATCH)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "last_investigational_drug" not in saved(client)


def test_a_history_that_contradicts_an_earlier_list_is_explained(client, every_trial):
    # CARE-MS asks the treatment lists and the v2 trial the history: both in one flow.
    assert post(client, "treatments_ever", ["interferon_beta"], MATCH).status_code == 302
    response = post(client, "treatment_history", {}, MATCH)
    assert response.status_code == 400
    assert (
        "The treatments you give here are not the same as the treatments you said earlier "
        "you have ever taken." in response.content.decode()
    )


# --- the result page --------------------------------------------------------------------------


def answers_section(html: str) -> str:
    return html.split('id="answers-title"', 1)[1]


def test_the_answers_are_told_back_in_the_patients_words(client, v2_trial):
    history = {"interferon_beta": "current", "natalizumab": "2023-03", "rituximab": "unsure"}
    walk(client, {**V2_PATIENT, "treatment_history": history})
    answers = answers_section(client.get(RESULT).content.decode())
    assert "<dd>January 2026</dd>" in answers  # last relapse
    assert "<dd>Never</dd>" in answers  # steroids, investigational drug, cancer
    rows = answers.split('<ul class="answer-rows">', 1)[1].split("</ul>", 1)[0]
    assert rows.count("<li>") == 3
    assert "<li>You are taking interferon beta now</li>" in rows
    assert "<li>Your last dose of natalizumab was in March 2023</li>" in rows
    assert "not sure when you last took it" in rows
    assert "<dd>None</dd>" in answers  # other conditions


def test_the_answers_are_told_back_in_spanish(client, v2_trial):
    walk(client, V2_PATIENT, HTTP_ACCEPT_LANGUAGE="es")
    html = client.get(RESULT, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    answers = answers_section(html)
    assert "<dd>enero de 2026</dd>" in answers
    assert "<dd>Nunca</dd>" in answers
    assert "<li>Su última dosis de natalizumab fue en marzo de 2023</li>" in answers
    assert "<dd>Ninguna</dd>" in answers


def test_a_single_treatment_is_told_without_a_list(client, v2_trial):
    walk(client, {**V2_PATIENT, "treatment_history": {"teriflunomide": "2024-09"}})
    answers = answers_section(client.get(RESULT).content.decode())
    assert "<dd>Your last dose of teriflunomide was in September 2024</dd>" in answers


def neurologist(html: str) -> str:
    return html.split('id="neurologist-title"', 1)[1].split("</section>", 1)[0]


def test_a_date_not_known_becomes_one_question_for_the_neurologist(client, v2_trial):
    walk(client, {**V2_PATIENT, "last_relapse": "unsure"})
    questions = neurologist(client.get(RESULT).content.decode())
    # Rules test days_since_last_relapse; the patient was asked the date: asked once.
    assert questions.count("When did your most recent MS attack (relapse) begin?") == 1
    assert "How many days ago" not in questions


def test_a_dose_of_unsure_date_asks_the_neurologist_about_the_history(client, v2_trial):
    walk(client, {**V2_PATIENT, "treatment_history": {"natalizumab": "unsure"}})
    questions = neurologist(client.get(RESULT).content.decode())
    assert questions.count("when did you last take each one?") == 1


def test_unanswered_day_counts_are_asked_as_their_dates(client, v2_trial):
    for key in ("age", "ms_diagnosis", "ms_course", "relapses_last_12_months"):
        post(client, key, V2_PATIENT[key])
    questions = neurologist(client.get(RESULT).content.decode())
    assert "When did your most recent MS attack (relapse) begin?" in questions
    assert "When did you last take steroids by mouth" in questions
    assert "How many days ago" not in questions
    titles = questions.split("<strong>")[1:]
    assert len(titles) == len(set(titles))


def test_the_criteria_the_study_team_checks_have_their_own_group(client, v2_trial):
    walk(client, V2_PATIENT)
    html = client.get(RESULT).content.decode()
    group = html.split("<h3>What the study team checks with you</h3>", 1)[1].split("</ul>")[0]
    assert "criterion-result--not_checked" in group
    assert "Adequate hematologic and liver function" in group
    assert "The study team checks this" in group
    assert "We checked 12 of this study's 13 criteria against your answers." in html
