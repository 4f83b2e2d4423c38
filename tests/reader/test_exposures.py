"""Steroid, study-drug and live-vaccine windows; DMT washouts, with brand names and classes."""

import pytest

from eligibility.reader import propose
from tests.reader.conftest import ever, note_of, rule_of, took


def steroids(op, days):
    return {"fact": "days_since_systemic_steroids", "op": op, "value": days}


def study_drug(days):
    return {"fact": "days_since_investigational_drug", "op": "<=", "value": days}


# --- steroids -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("steroids within 30 days before randomization", 30),
        ("have received corticosteroids within 30 days prior to study start", 30),
        ("Subject had corticosteroid treatment within last 90 days.", 90),
        ("Steroid treatment the last 4 weeks before the inclusion", 28),
        ("Systemic corticosteroid application in 30 days before randomisation", 30),
        (
            (
                "Systemic corticosteroids or adrenocorticotropic hormone within 4 weeks prior to"
                " screening."
            ),
            28,
        ),
        ("Treatment with corticosteroids within 3 months prior to screening", 84),
        ("IV, oral or intramuscular corticosteroids within 30 days", 30),
    ],
)
def test_reads_steroids_within_a_window(text, days):
    assert rule_of(text, kind="exclusion") == steroids("<=", days)


def test_patient_text_names_the_days_the_rule_uses():
    proposal = propose("Treatment with corticosteroids within 3 months", kind="exclusion")

    assert proposal.patient_text == (
        "People who have taken steroids by mouth, drip or injection in the past 84 days "
        "(about 3 months)"
    )
    assert proposal.patient_text_es == (
        "Personas que han tomado corticoides por boca, gotero o inyección en los últimos 84 días "
        "(unos 3 meses)"
    )
    assert "shortest reading" in proposal.reason


@pytest.mark.parametrize(
    "text",
    [
        (
            "Systemic corticosteroid treatment of ≥30 consecutive days duration within 2 months"
            " prior to screening visit."
        ),
        (
            "Chronic (more than 30 consecutive days) systemic (IV, PO or IM) corticosteroid"
            " treatment within 6 months prior to screening visit."
        ),
        "Oral corticosteroids within 30 days",  # the answer also counts a drip
        "Corticosteroids for a relapse within 30 days",  # the answer counts any reason
        "Treatment with intravenous methylprednisolone 1000 mg/day for 3 days within 30 days",
    ],
)
def test_a_narrower_steroid_line_is_not_read(text):
    assert rule_of(text, kind="exclusion") is None


def test_reads_no_relapse_and_no_steroids_as_an_inclusion():
    line = (
        "No MS relapse / no steroid treatment in the 4 weeks prior to answering the screening "
        "questionnaire (self-reported)"
    )
    assert rule_of(line) == {
        "all": [
            {"fact": "days_since_last_relapse", "op": ">", "value": 28},
            steroids(">", 28),
        ]
    }


# --- DMT washouts, brand names, classes --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        (
            "Subject is on Tysabri treatment presently or within 6 months of screening.",
            took(["natalizumab"], 168),
        ),
        (
            "have received Imuran or methotrexate in the last 3 months",
            took(["methotrexate", "azathioprine"], 84),
        ),
        (
            "Treatment with Gilenya, Mayzent, Zeposia or Ponvory within 2 months",
            took(["fingolimod", "ozanimod", "ponesimod", "siponimod"], 56),
        ),
        (
            "Treatment with Ocrevus, Kesimpta or Briumvi within 12 months",
            took(["ocrelizumab", "ofatumumab", "ublituximab"], 336),
        ),
        (
            "Use of Tecfidera, Vumerity or Bafiertam within 4 weeks",
            took(["dimethyl_fumarate", "diroximel_fumarate", "monomethyl_fumarate"], 28),
        ),
        (
            "Treatment with Rebif, Avonex, Plegridy or Copaxone within 30 days",
            took(["interferon_beta", "glatiramer_acetate"], 30),
        ),
        ("Treatment with any approved MS treatment within 3 months", took(["@approved_dmt"], 84)),
        (
            "Immune-supressor treatment the last 6 months before the inclusion",
            took(["@immunosuppressant"], 168),
        ),
        (
            "Previous treatment with immunomodulators within two months prior to screening",
            took(["interferon_beta", "glatiramer_acetate"], 56),
        ),
        (
            (
                "Treatment with an anti-CD20 therapy (ocrelizumab, ofatumumab, ublituximab or"
                " rituximab) within 6 months prior to randomization."
            ),
            took(["@anti_cd20"], 168),
        ),
    ],
)
def test_reads_a_washout(text, rule):
    assert rule_of(text, kind="exclusion") == rule


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        (
            (
                "Previous use of either of the following: natalizumab (Tysabri®), cladribine,"
                " laquinimod."
            ),
            ever("natalizumab", "cladribine", "laquinimod"),
        ),
        (
            "have ever received cyclophosphamide or mitoxantrone",
            ever("mitoxantrone", "cyclophosphamide"),
        ),
        ("Prior use of Dimethyl Fumarate (DMF)", ever("dimethyl_fumarate")),
        ("Prior history of AHSCT.", ever("hsct")),
        ("Previous exposure to fampridine.", ever("dalfampridine")),
        ("Previous treatment with Lemtrada or Mavenclad", ever("alemtuzumab", "cladribine")),
        ("The participant has received any BTK inhibitor at any time.", ever("btk_inhibitor")),
        (
            (
                "Use of cladribine, mitoxantrone, or other immunosuppressant agents such as"
                " azathioprine, cyclophosphamide, cyclosporin, methotrexate or mycophenolate"
                " before enrollment;"
            ),
            ever("@immunosuppressant", "cladribine"),
        ),
    ],
)
def test_reads_ever_treated(text, rule):
    assert rule_of(text, kind="exclusion") == rule


def test_reads_current_use():
    assert rule_of(
        "Current use of cyclophosphamide, mitoxanthrone, or cladribine", kind="exclusion"
    ) == {
        "fact": "treatment_history",
        "op": "currently_taking",
        "value": ["mitoxantrone", "cyclophosphamide", "cladribine"],
    }


def test_takes_the_exceptions_of_a_class_out():
    rule = rule_of(
        (
            "Prior treatment with any therapeutic monoclonal antibody, with the exception of"
            " natalizumab or daclizumab"
        ),
        kind="exclusion",
    )
    assert rule == ever("alemtuzumab", "ocrelizumab", "rituximab", "ofatumumab", "ublituximab")


def test_a_class_with_an_example_the_contract_has_no_code_for_is_read_through_its_codes():
    line = (
        "Previous treatment with B-cell targeted therapies (e.g., rituximab, ocrelizumab,"
        " inebilizumab)"
    )
    assert rule_of(line, kind="exclusion") == ever("@anti_cd20")


@pytest.mark.parametrize(
    "text",
    [
        (
            "Patients who have been treated with total lymphoid irradiation, monoclonal"
            " antibody, T cell vaccination, cladribine or bone marrow transplantation."
        ),
        (
            "Previous stem cell treatment, autologous bone marrow transplantation or allogenic"
            " bone marrow transplantation."
        ),
        "Prior treatment with teriflunomide or leflunomide",
        "Previous use of Copaxone 40 mg/mL three times per week.",
    ],
)
def test_a_named_item_with_no_code_stops_the_line(text):
    assert rule_of(text, kind="exclusion") is None


@pytest.mark.parametrize(
    "text",
    [
        "Concomitant treatment with MS disease modifying drugs",
        "Concurrent participation in another interventional trial",
        "Subject started new medication within last 30 days.",
        "Initiation of any DMT between screening and randomization",
    ],
)
def test_concomitant_concurrent_and_started_use_is_not_read(text):
    # A patient on a drug today may stop it: "currently taking" would rule them out wrongly.
    assert rule_of(text, kind="exclusion") is None


def test_an_inclusion_requiring_a_treatment_is_not_read():
    assert (
        rule_of(
            "Currently on one of the approved beta-interferon drugs (Avonex, Betaseron, or"
            " Rebif) for a minimum of 6 months."
        )
        is None
    )
    assert (
        rule_of("Treatment with natalizumab according to locally approved prescribing information")
        is None
    )


def test_reads_a_washout_inclusion():
    line = (
        "Last interferon or glatiramer acetate dose of the patient should be at least 1 month"
        " before study entry."
    )
    assert rule_of(line) == {"not": took(["interferon_beta", "glatiramer_acetate"], 27)}


def test_a_never_taken_inclusion_says_never():
    proposal = propose(
        "Participants who have not received any ublituximab infusion prior to study start",
        kind="inclusion",
    )

    assert proposal.rule == {"not": ever("ublituximab")}
    assert proposal.patient_text == "People who have never taken ublituximab"


def test_procedures_are_had_not_taken():
    proposal = propose("Prior autologous hematopoietic stem cell transplantation", kind="exclusion")
    assert "had a stem cell transplant" in proposal.patient_text


# --- study drugs, live vaccines ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        (
            (
                "Use of experimental or investigational drugs, and/or participation in drug"
                " clinical studies within the 6 months prior to screening."
            ),
            study_drug(168),
        ),
        (
            (
                "Participated in any other pharmacological clinical research study within 30"
                " days of study entry."
            ),
            study_drug(30),
        ),
        (
            (
                "Patients who have received an investigational medicinal product within the 12"
                " weeks prior to the initial visit."
            ),
            study_drug(84),
        ),
        (
            (
                "Participation in another clinical study with an investigational drug within 3"
                " months or 5 half-lives, whichever is longer, before screening."
            ),
            study_drug(84),
        ),
        (
            (
                "Participants may not participate in any other clinical trial involving"
                " investigational agents during the study, or within six months prior to"
                " enrolling in the study."
            ),
            study_drug(168),
        ),
        (
            "Any current or previous treatment with mitoxantrone or any experimental therapy.",
            {
                "any": [
                    ever("mitoxantrone"),
                    {"fact": "investigational_drug_ever", "op": "==", "value": "yes"},
                ]
            },
        ),
        (
            "Receipt of live or live-attenuated vaccines within 6 weeks of randomization (Day 0).",
            {"fact": "days_since_live_vaccine", "op": "<=", "value": 42},
        ),
    ],
)
def test_reads_study_drugs_and_live_vaccines(text, rule):
    assert rule_of(text, kind="exclusion") == rule


def test_half_lives_are_noted_in_the_reason():
    line = (
        "Treatment with an investigational agent within 3 months or 5 half-lives, whichever is"
        " longer"
    )
    assert "half-lives" in note_of(line, kind="exclusion")


def test_an_exception_the_answer_cannot_make_stops_the_line():
    line = (
        "Prior treatment with an investigational agent within 3 months or 5 half-lives, whichever "
        "is longer. Agents authorized by the FDA for prevention or treatment of COVID-19 are not "
        "considered investigational."
    )
    assert rule_of(line, kind="exclusion") is None


def test_a_non_live_vaccine_half_stops_the_line():
    line = (
        "Have received any live or live-attenuated vaccines within 4 weeks prior to first "
        "administration or any non-live vaccines within 2 weeks prior to first administration."
    )
    assert rule_of(line, kind="exclusion") is None


def test_mixed_exposures_share_the_window():
    line = (
        "Subjects who received any investigational medication, immunosuppressives or cytotoxic "
        "agents within 6 months prior to screening"
    )
    assert rule_of(line, kind="exclusion") == {
        "any": [study_drug(168), took(["@immunosuppressant", "cladribine"], 168)]
    }


def test_reads_an_exclusion_of_either_part_when_each_is_read_whole():
    line = (
        "Current treatment with a disease-modifying therapy, or treatment with a disease-modifying "
        "therapy within 6 months before screening"
    )
    assert rule_of(line, kind="exclusion") == {
        "any": [
            {"fact": "treatment_history", "op": "currently_taking", "value": ["@approved_dmt"]},
            took(["@approved_dmt"], 168),
        ]
    }


def test_a_window_shared_by_both_parts_is_not_cut_off():
    # "Relapse, or steroid treatment within 30 days": "relapse" alone has no time.
    assert rule_of("Relapse, or steroid treatment within 30 days", kind="exclusion") == {
        "any": [
            {"fact": "days_since_last_relapse", "op": "<=", "value": 30},
            steroids("<=", 30),
        ]
    }


def test_any_stem_cell_transplant_is_read_through_the_autologous_code():
    line = (
        "Previous treatment with mitoxantrone, alemtuzumab or haematopoietic stem cell"
        " transplantation"
    )
    assert rule_of(line, kind="exclusion") == ever("alemtuzumab", "mitoxantrone", "hsct")


def test_an_allogeneic_transplant_named_alone_stops_the_line():
    line = "Previous autologous or allogeneic haematopoietic stem cell transplantation."
    assert rule_of(line, kind="exclusion") is None
