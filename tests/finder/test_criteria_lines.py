"""finder.criteria_lines: registry eligibility text split into criterion lines."""

import csv
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finder.criteria_lines import (
    CriteriaText,
    CriterionLine,
    clean_registry_text,
    split_criteria,
)

REGISTRY = Path(__file__).resolve().parents[1] / "data" / "registry"


def _registry_texts() -> dict[str, str]:
    texts = {}
    page = json.loads((REGISTRY / "ms-recruiting-portland-page.json").read_text(encoding="utf-8"))
    for study in page["studies"]:
        protocol = study["protocolSection"]
        nct_id = protocol["identificationModule"]["nctId"]
        texts[nct_id] = protocol["eligibilityModule"]["eligibilityCriteria"]
    with (REGISTRY / "ms-criteria-older-trials.csv").open(encoding="utf-8", newline="") as rows:
        for row in csv.DictReader(rows):
            texts[row["nctid"]] = row["criteria"]
    return texts


TEXTS = _registry_texts()
EXPECTED = json.loads((REGISTRY / "criteria_lines_expected.json").read_text(encoding="utf-8"))

# Markers the splitter may drop: punctuation, digits, single letters and roman numerals.
# Words are runs of two or more letters that are not roman numerals.
_ROMAN = re.compile(r"x{0,3}(ix|iv|v?i{0,3})", re.IGNORECASE)


def words(text: str) -> Counter:
    return Counter(w for w in re.findall(r"[^\W\d_]{2,}", text) if not _ROMAN.fullmatch(w))


def output_words(result: CriteriaText) -> Counter:
    total = Counter()
    for part in [*(line.text for line in result.lines), *result.headings, *result.notes]:
        total += words(part)
    return total


def texts_of(result: CriteriaText, kind: str) -> list[str]:
    return [line.text for line in result.of_kind(kind)]


# --- the edges -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", [None, "", "   \n\t\r\n  "])
def test_gives_nothing_for_no_text(text):
    result = split_criteria(text)

    assert result == CriteriaText()
    assert result.lines == () and result.notes == ()


def test_of_kind_keeps_document_order():
    result = split_criteria("Exclusion Criteria:\n* HIV\n* TB\n\nInclusion Criteria:\n* RRMS")

    assert [line.order for line in result.of_kind("exclusion")] == [1, 2]
    assert texts_of(result, "inclusion") == ["RRMS"]


# --- cleaning ------------------------------------------------------------------------------


def test_clean_registry_text_undoes_markdown_escapes():
    cleaned = clean_registry_text(r"Any active infection (e.g., active Hepatitis B virus \[HBV\])")

    assert cleaned == "Any active infection (e.g., active Hepatitis B virus [HBV])"
    assert clean_registry_text(r"eGFR \< 60, HbA1c \> 8%, 6\. Candidacy, \- Has, \* x") == (
        "eGFR < 60, HbA1c > 8%, 6. Candidacy, - Has, * x"
    )


def test_clean_registry_text_normalises_line_ends_spaces_and_tabs():
    cleaned = clean_registry_text("Inclusion\u00a0Criteria:\r\n\r\n\t1.\tAge\u200b 18  \rEnd")

    assert cleaned == "Inclusion Criteria:\n\n    1.  Age 18\nEnd"


def test_clean_registry_text_keeps_indentation():
    assert clean_registry_text("  -  item\n     wrapped") == "  -  item\n     wrapped"


# --- sections and headings -------------------------------------------------------------------


def test_reads_inclusion_and_exclusion_sections():
    result = split_criteria(TEXTS["NCT06441617"])

    assert len(result.of_kind("inclusion")) == 10
    assert texts_of(result, "exclusion") == [
        "Unwilling or unable to consent",
        "Refusal to saving, processing and forwarding of pseudonymized data",
        "Concurrent participation in another interventional trial",
    ]
    assert result.headings == ("Inclusion Criteria", "Exclusion Criteria")


def test_reads_key_criteria_headings():
    result = split_criteria(TEXTS["NCT02219932"])

    assert result.headings == ("Key Inclusion Criteria", "Key Exclusion Criteria")
    assert result.of_kind("exclusion")[0].heading == "Key Exclusion Criteria"
    assert len(result.of_kind("inclusion")) == 3


def test_reads_a_heading_without_a_colon():
    result = split_criteria(
        "Inclusion Criteria\n\n- Age 18 to 65\n\nExclusion Criteria\n\n- Pregnancy"
    )

    assert texts_of(result, "inclusion") == ["Age 18 to 65"]
    assert texts_of(result, "exclusion") == ["Pregnancy"]


def test_reads_a_misspelt_heading_and_one_with_qualifiers():
    assert split_criteria(TEXTS["NCT02720107"]).headings[1] == "Exclusion criteriat"
    assert split_criteria(TEXTS["NCT01964547"]).headings == (
        "Inclusion Criteria (ALL to be fulfilled)",
        "Exclusion Criteria (if ANY apply)",
    )


def test_reads_an_exclusion_section_first():
    result = split_criteria(
        "Exclusion Criteria:\n* Pregnancy\n* HIV\n\nInclusion Criteria:\n* Age 18"
    )

    assert [(line.kind, line.order, line.text) for line in result.lines] == [
        ("exclusion", 1, "Pregnancy"),
        ("exclusion", 2, "HIV"),
        ("inclusion", 1, "Age 18"),
    ]


def test_keeps_the_heading_of_an_empty_section():
    result = split_criteria("Inclusion Criteria:\n\nExclusion Criteria:\n\n* Pregnancy\n")

    assert result.of_kind("inclusion") == ()
    assert result.headings == ("Inclusion Criteria", "Exclusion Criteria")


def test_splits_a_heading_written_on_the_line_of_its_first_criterion():
    result = split_criteria(
        "INCLUSION CRITERIA: Males and females between the ages of 18 and 70 years.\n\n"
        "EXCLUSION CRITERIA: Pregnancy."
    )

    assert texts_of(result, "inclusion") == [
        "Males and females between the ages of 18 and 70 years."
    ]
    assert texts_of(result, "exclusion") == ["Pregnancy."]
    assert result.headings == ("INCLUSION CRITERIA", "EXCLUSION CRITERIA")


def test_reads_a_bulleted_heading_but_not_a_criterion_naming_criteria():
    result = split_criteria(
        "* INCLUSION CRITERIA:\n* Age 18\n* EXCLUSION CRITERIA:\n"
        "* Exclusion criteria of the parent study\n* Pregnancy"
    )

    assert texts_of(result, "inclusion") == ["Age 18"]
    assert texts_of(result, "exclusion") == ["Exclusion criteria of the parent study", "Pregnancy"]


def test_starts_a_section_per_population_and_keeps_its_heading():
    result = split_criteria(
        "Inclusion Criteria for healthy controls:\n* Age 18 to 65\n"
        "Exclusion criteria (MS patients):\n* Relapse in the last 30 days\n"
        "Inclusion criteria (MS patients):\n* RRMS"
    )

    assert [(line.kind, line.order, line.heading) for line in result.lines] == [
        ("inclusion", 1, "Inclusion Criteria for healthy controls"),
        ("exclusion", 1, "Exclusion criteria (MS patients)"),
        ("inclusion", 2, "Inclusion criteria (MS patients)"),
    ]


def test_reads_lists_introduced_by_persons_with_as_sub_sections():
    result = split_criteria(
        "Inclusion Criteria:\n\nPersons with MS:\n\n1. Age 18-65\n2. RRMS\n\n"
        "Healthy volunteers:\n\n1. Age 18-65\n2. No neurological disease\n\n"
        "Exclusion Criteria:\n\nPersons with:\n\n* active tuberculosis\n* HIV infection\n"
    )

    assert [(line.heading, line.text) for line in result.of_kind("inclusion")] == [
        ("Persons with MS", "Age 18-65"),
        ("Persons with MS", "RRMS"),
        ("Healthy volunteers", "Age 18-65"),
        ("Healthy volunteers", "No neurological disease"),
    ]
    assert [(line.heading, line.text) for line in result.of_kind("exclusion")] == [
        ("Persons with", "active tuberculosis"),
        ("Persons with", "HIV infection"),
    ]


@pytest.mark.parametrize("colon", [":", ""])
def test_reads_sub_headings_that_keep_the_kind(colon):
    result = split_criteria(
        f"Key Exclusion Criteria:\n\nMedical Conditions{colon}\n\n* HIV\n* Hepatitis B\n\n"
        f"Prior/Concomitant Therapy{colon}\n\n* Prior alemtuzumab\n"
    )

    assert [(line.kind, line.order, line.heading, line.text) for line in result.lines] == [
        ("exclusion", 1, "Medical Conditions", "HIV"),
        ("exclusion", 2, "Medical Conditions", "Hepatitis B"),
        ("exclusion", 3, "Prior/Concomitant Therapy", "Prior alemtuzumab"),
    ]


def test_guesses_inclusion_for_a_text_with_no_headings():
    result = split_criteria("Age 18 to 65\n\nDiagnosis of RRMS\n\nNo pregnancy\n")

    assert texts_of(result, "inclusion") == ["Age 18 to 65", "Diagnosis of RRMS", "No pregnancy"]
    assert all(line.kind_inferred and line.heading == "" for line in result.lines)


def test_guesses_inclusion_under_a_heading_that_says_no_kind():
    result = split_criteria(TEXTS["NCT01071083"])

    assert texts_of(result, "inclusion") == [
        "A diagnosis of a relapsing form of MS",
        "Treatment with natalizumab according to locally approved prescribing information",
    ]
    assert all(line.kind_inferred for line in result.lines)
    assert result.lines[0].heading == "Major criteria include"


def test_says_the_kind_was_read_when_a_heading_gave_it():
    assert not any(line.kind_inferred for line in split_criteria(TEXTS["NCT06441617"]).lines)


def test_numbers_lines_on_across_a_repeated_section():
    result = split_criteria(TEXTS["NCT00509145"])
    exclusion = result.of_kind("exclusion")

    assert [line.order for line in exclusion] == list(range(1, 29))
    assert exclusion[22].text == "Subjects who suffer from any form of progressive MS."


# --- markers and wrapping --------------------------------------------------------------------


def test_joins_wrapped_lines():
    result = split_criteria(TEXTS["NCT00134563"])

    assert result.of_kind("inclusion")[1].text == (
        "Exhibiting a relapsing clinical course, with or without progression (relapsing "
        "remitting, secondary progressive or progressive relapsing);"
    )


def test_joins_a_wrapped_line_that_starts_like_a_marker():
    result = split_criteria(
        "Exclusion Criteria:\n\n"
        "          -  History of hypersensitivity to rabbit or Escherichia coli-derived proteins"
        " or to\n"
        "             E. coli proteins as determined by the investigator at screening and baseline"
        "\n\n          -  Pregnancy\n"
    )

    assert texts_of(result, "exclusion") == [
        "History of hypersensitivity to rabbit or Escherichia coli-derived proteins or to "
        "E. coli proteins as determined by the investigator at screening and baseline",
        "Pregnancy",
    ]


def test_reads_paragraphs_as_criteria_when_there_are_no_bullets():
    result = split_criteria(TEXTS["NCT01679041"])
    inclusion = texts_of(result, "inclusion")

    assert len(inclusion) == 14
    assert inclusion[0] == "Age between 18-60, inclusive"
    assert inclusion[4] == "An EDSS of 3.5 - 5.5"


def test_removes_bullets_and_numbers_of_every_style():
    result = split_criteria(
        "Inclusion Criteria:\n- dash\n* star\n• dot\n1. one\n2) two\n(3) three\n"
        "a. letter\nb) letter\n-glued\n"
    )

    assert texts_of(result, "inclusion") == [
        "dash",
        "star",
        "dot",
        "one",
        "two",
        "three",
        "letter",
        "letter",
        "glued",
    ]


def test_reads_escaped_numbers_as_numbers():
    result = split_criteria("Inclusion Criteria:\n\n1\\. Age 18 to 65\n2\\. EDSS \\< 6\n")

    assert texts_of(result, "inclusion") == ["Age 18 to 65", "EDSS < 6"]


def test_reads_a_bullet_followed_by_a_number_as_one_marker():
    result = split_criteria("Inclusion Criteria:\n\n* 1\\) Males with MS\n* 2\\) Age 18\n")

    assert texts_of(result, "inclusion") == ["Males with MS", "Age 18"]


def test_handles_crlf_and_tabs():
    result = split_criteria(
        "Inclusion Criteria:\r\n\r\n\t1.\tAge 18 to 65\r\n\t2.\tRRMS\r\n"
        "Exclusion Criteria:\r\n\t-\tPregnancy\r\n"
    )

    assert texts_of(result, "inclusion") == ["Age 18 to 65", "RRMS"]
    assert texts_of(result, "exclusion") == ["Pregnancy"]


def test_skips_a_line_that_is_only_a_bullet():
    result = split_criteria("Inclusion Criteria:\n\n*\n* Age 18\n-\n\n* \nDiagnosis of MS\n")

    assert texts_of(result, "inclusion") == ["Age 18", "Diagnosis of MS"]


def test_does_not_take_a_heading_as_the_text_of_a_bare_bullet():
    result = split_criteria("Inclusion Criteria:\n* Age 18\n*\nExclusion Criteria:\n* HIV")

    assert texts_of(result, "inclusion") == ["Age 18"]
    assert texts_of(result, "exclusion") == ["HIV"]


def test_reads_i_after_h_as_a_letter():
    letters = "abcdefghij"
    result = split_criteria("Inclusion Criteria:\n" + "".join(f"{c}) item {c}\n" for c in letters))

    assert texts_of(result, "inclusion") == [f"item {c}" for c in letters]


# --- alternatives and sub-items --------------------------------------------------------------


def test_keeps_alternatives_with_their_sub_items():
    result = split_criteria(TEXTS["NCT00509145"])
    line = result.of_kind("inclusion")[3]

    assert line.items == (
        "At least one documented relapse in the 12 months prior to screening",
        "At least two documented relapses in the 24 months prior to screening",
        "One documented relapse between 12 and 24 months prior to screening with at least one "
        "documented T1-Gd enhancing lesion in an MRI performed within 12 months prior to "
        "screening.",
    )
    assert line.text.splitlines()[0] == "Subjects must have had experienced one of the following:"
    assert line.text.splitlines()[1:] == [f"- {item}" for item in line.items]
    assert len(result.of_kind("inclusion")) == 9


def test_keeps_v2_sub_bullets_under_a_numbered_line():
    line = split_criteria(TEXTS["NCT06655896"]).of_kind("inclusion")[2]

    assert line.text == (
        "Severe, progressive systemic sclerosis disease defined by at least one of the following:\n"
        "- Progressive systemic sclerosis-associated interstitial lung disease\n"
        "- Severe, progressive systemic sclerosis skin disease\n"
        "- Clinically significant systemic sclerosis-associated cardiac involvement at Screening"
    )


def test_reads_roman_sub_items_that_lost_their_indentation():
    inclusion = split_criteria(TEXTS["NCT06408259"]).of_kind("inclusion")

    assert len(inclusion) == 3
    assert inclusion[1].items[1] == (
        "At least 2 MS relapses/attacks in the previous 2 years prior to screening."
    )
    # "\- Has an EDSS ..." ends the roman list: a criterion of its own.
    assert inclusion[2].text == (
        "Has an Expanded Disability Status Scale (EDSS) score of 0 to 5.5, both inclusive."
    )


def test_follows_the_numbering_back_to_the_outer_list():
    inclusion = split_criteria(TEXTS["NCT04047628"]).of_kind("inclusion")

    assert len(inclusion) == 12
    assert inclusion[5].items == (
        "No prior disease activity episode, as defined in Inclusion Criterion #5, with the "
        "candidate BAT DMT, and",
        "No contraindication to the candidate BAT DMT, and",
        "No treatment with the candidate BAT DMT in the 12 months prior to screening.",
    )
    assert inclusion[6].text.startswith("Completion of COVID-19 vaccination series")


def test_keeps_nested_sub_items_with_their_depth():
    result = split_criteria(
        "Inclusion Criteria:\n\n* Age 18-55\n* Diagnosis of one of the following:\n"
        "  * RRMS\n    * with a relapse in the last year\n  * SPMS\n* EDSS 0-6\n"
    )
    line = result.of_kind("inclusion")[1]

    assert line.items == ("RRMS", "with a relapse in the last year", "SPMS")
    assert line.item_levels == (1, 2, 1)
    assert line.text == (
        "Diagnosis of one of the following:\n- RRMS\n  - with a relapse in the last year\n- SPMS"
    )
    assert texts_of(result, "inclusion")[2] == "EDSS 0-6"


def test_keeps_a_numbered_list_inside_a_bullet():
    result = split_criteria(
        "Inclusion Criteria:\n* Diagnosis of one of the following:\n  1. RRMS\n  2. SPMS\n* Age 18"
    )

    assert [line.items for line in result.lines] == [("RRMS", "SPMS"), ()]


def test_keeps_an_either_list_as_one_criterion():
    result = split_criteria(TEXTS["NCT01964547"])
    line = result.of_kind("inclusion")[5]

    assert line.items == (
        "Currently established on a regular dose of anti-spasticity therapy, or",
        "Previously tried and failed anti-spasticity therapy.",
    )
    assert len(result.of_kind("inclusion")) == 11


def test_keeps_sub_items_the_registry_flattened_to_the_same_level():
    exclusion = split_criteria(TEXTS["NCT02525874"]).of_kind("exclusion")

    assert [line.text.splitlines()[0] for line in exclusion] == [
        "History of or positive test result at Screening for:",
        "Drug or alcohol abuse within 1 year prior to Screening.",
        "Prior treatment with any of the following:",
        "Treatment with any of the following medications or procedures within 6 months prior "
        "to Baseline (Day 1):",
    ]
    assert exclusion[0].items == (
        "human immunodeficiency virus",
        "hepatitis C virus antibody",
        "hepatitis B infection",
    )
    assert len(exclusion[2].items) == 6
    assert len(exclusion[3].items) == 7


def test_splits_sub_items_written_on_their_parents_line():
    exclusion = split_criteria(TEXTS["NCT04047628"]).of_kind("exclusion")

    assert exclusion[19].items == (
        "Arrhythmia requiring treatment with any antiarrhythmia therapy, with the exception of "
        "low dose beta blocker for intermittent premature ventricular contractions.",
        "Coronary artery disease with a documented diagnosis of either:",
        "Chronic exertional angina, or",
        "Signs or symptoms of congestive heart failure.",
        "Evidence of heart valve disease, including any of the following:",
        "Moderate to severe valve stenosis or insufficiency, or",
        "Symptomatic mitral valve prolapse, or",
        "Presence of prosthetic mitral or aortic valve.",
    )
    assert exclusion[19].item_levels == (1, 1, 2, 2, 1, 2, 2, 2)


def test_does_not_split_references_that_look_like_markers():
    result = split_criteria(
        "Inclusion Criteria:\n1. A relapse (see item c.i. below), as in Section 3.5. Also 2 "
        "episodes.\n2. Age 18"
    )

    assert texts_of(result, "inclusion") == [
        "A relapse (see item c.i. below), as in Section 3.5. Also 2 episodes.",
        "Age 18",
    ]


# --- notes -----------------------------------------------------------------------------------


def test_keeps_boilerplate_as_a_note_not_a_criterion():
    result = split_criteria(TEXTS["NCT06655896"])

    assert result.notes == ("Other protocol-defined inclusion/exclusion criteria may apply.",)
    assert len(result.of_kind("exclusion")) == 9


def test_keeps_a_bulleted_boilerplate_line_as_a_note():
    result = split_criteria(TEXTS["NCT06408259"])

    assert result.notes == ("Other protocol-defined Inclusion/Exclusion criteria apply.",)
    assert len(result.of_kind("exclusion")) == 3


def test_keeps_a_boilerplate_sub_item_as_a_note():
    result = split_criteria(TEXTS["NCT02499900"])

    assert result.of_kind("exclusion")[9].items == ()
    assert result.notes == (
        "other criteria may apply, please contact the investigator for more information",
    )


def test_keeps_a_note_paragraph_as_a_note():
    result = split_criteria(TEXTS["NCT01156311"])

    assert result.notes == ("NOTE: Other protocol-defined Inclusion/Exclusion criteria may apply.",)
    assert split_criteria(
        "Inclusion Criteria:\n* Age 18\n\nNOTE: the sponsor may amend."
    ).notes == ("NOTE: the sponsor may amend.",)


def test_keeps_a_preamble_as_a_note_and_its_list_as_criteria():
    result = split_criteria(TEXTS["NCT02579681"])

    assert result.notes == (
        "Candidates will be excluded from study entry if any of the following exclusion "
        "criteria exist at the time of screening:",
    )
    assert len(result.of_kind("exclusion")) == 4
    assert all(line.items == () for line in result.of_kind("exclusion"))


def test_keeps_a_paragraph_after_the_list_as_a_criterion():
    exclusion = split_criteria(TEXTS["NCT00355134"]).of_kind("exclusion")

    assert exclusion[-1].text.startswith("For inclusion in the extension phase patients should")


# --- every registry text ---------------------------------------------------------------------

_MARKER_START = re.compile(r"[-*•]\s|\d{1,3}[.)](\s|$)|\(\d{1,3}\)|\(?[a-zA-Z][.)]\s|[ivx]+[.)]\s")
_ESCAPE = re.compile(r"\\[-\\.\[\]<>*()_#+!`{}|~]")
_INCLUSION_HEADING = re.compile(r"^\W*(key\s+)?inclusion criteria", re.IGNORECASE | re.MULTILINE)


@pytest.mark.parametrize("nct_id", sorted(TEXTS))
def test_no_line_starts_with_a_marker(nct_id):
    result = split_criteria(TEXTS[nct_id])

    for line in result.lines:
        for part in (line.text.splitlines()[0], *line.items):
            assert not _MARKER_START.match(part), part


@pytest.mark.parametrize("nct_id", sorted(TEXTS))
def test_no_markdown_escape_remains(nct_id):
    result = split_criteria(TEXTS[nct_id])

    for part in (*(line.text for line in result.lines), *result.notes, *result.headings):
        assert not _ESCAPE.search(part), part


@pytest.mark.parametrize("nct_id", sorted(TEXTS))
def test_no_line_or_item_is_empty(nct_id):
    result = split_criteria(TEXTS[nct_id])

    assert result.lines
    for line in result.lines:
        assert line.text.strip() and all(item.strip() for item in line.items)
        assert line.text == " ".join(line.text.split(" ")).strip()
        assert len(line.items) == len(line.item_levels)


@pytest.mark.parametrize("nct_id", sorted(TEXTS))
def test_loses_no_word(nct_id):
    text = TEXTS[nct_id]

    assert output_words(split_criteria(text)) == words(clean_registry_text(text))


@pytest.mark.parametrize("nct_id", sorted(TEXTS))
def test_yields_inclusion_lines_under_an_inclusion_heading(nct_id):
    text = TEXTS[nct_id]
    result = split_criteria(text)

    if _INCLUSION_HEADING.search(clean_registry_text(text)):
        assert result.of_kind("inclusion")
        assert not any(line.kind_inferred for line in result.lines)


@pytest.mark.parametrize("nct_id", sorted(TEXTS))
def test_numbers_each_kind_from_one(nct_id):
    result = split_criteria(TEXTS[nct_id])

    for kind in ("inclusion", "exclusion"):
        orders = [line.order for line in result.of_kind(kind)]
        assert orders == list(range(1, len(orders) + 1))


# --- the reviewed fixture --------------------------------------------------------------------


def test_fixture_covers_every_registry_text():
    assert sorted(EXPECTED["texts"]) == sorted(TEXTS)
    assert EXPECTED["about"]


@pytest.mark.parametrize("nct_id", sorted(EXPECTED["texts"]))
def test_matches_the_reviewed_reading(nct_id):
    expected = EXPECTED["texts"][nct_id]
    result = split_criteria(TEXTS[nct_id])

    assert len(result.of_kind("inclusion")) == expected["inclusion"]
    assert len(result.of_kind("exclusion")) == expected["exclusion"]
    assert list(result.headings) == expected["headings"]
    assert list(result.notes) == expected["notes"]
    for chosen in expected["lines"]:
        line = result.of_kind(chosen["kind"])[chosen["order"] - 1]
        assert line.text == chosen["text"]
        assert line.heading == chosen.get("heading", "")
        assert line.kind_inferred == chosen.get("kind_inferred", False)


def test_counts_about_thirteen_lines_a_trial():
    results = [split_criteria(text) for text in TEXTS.values()]

    assert sum(len(r.of_kind("inclusion")) for r in results) == 223
    assert sum(len(r.of_kind("exclusion")) for r in results) == 330


# --- any text at all -------------------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "Inclusion Criteria:",
        "Exclusion criteria",
        "Key Exclusion Criteria:",
        "Inclusion Criteria: Age 18",
        "Persons with MS:",
        "Medical Conditions:",
        "Major criteria include:",
        "* ",
        "- ",
        "• ",
        "1. ",
        "2) ",
        "(a) ",
        "b. ",
        "i) ",
        "ii. ",
        "1.1 ",
        "\\- ",
        "1\\. ",
        "\\[",
        "\\>",
        "\n",
        "\n\n",
        "\r\n",
        "\r",
        "\t",
        "    ",
        ":",
        ".",
        ";",
        "one of the following:",
        "either: a. one, or b. two",
        "Other protocol-defined criteria may apply.",
        "NOTE: ",
        "E. coli",
        "age",
        "RRMS",
        "History of:",
        "\u00a0",
        "\u200b",
        "\u2028",
        "\x00",
    ]
)
_TEXTS = st.one_of(
    st.text(),
    st.lists(st.one_of(_PIECES, st.text(max_size=8)), max_size=80).map("".join),
)


@settings(max_examples=400, deadline=None)
@given(_TEXTS)
def test_never_raises_and_loses_no_word_on_any_text(text):
    result = split_criteria(text)

    assert output_words(result) == words(clean_registry_text(text))
    for kind in ("inclusion", "exclusion"):
        orders = [line.order for line in result.of_kind(kind)]
        assert orders == list(range(1, len(orders) + 1))
    assert all(isinstance(line, CriterionLine) and line.text.strip() for line in result.lines)


@pytest.mark.parametrize(
    "text",
    [
        "\n".join(" " * depth + "* item:" for depth in range(400)),
        "\n".join(f"{n}. item" for n in range(1, 2000)),
        "Inclusion Criteria: " + "word " * 50_000,
        "-\n" * 5000,
        ":\n" * 5000,
        "(i) " * 3000,
        "a. b. c. d. e. " * 1000,
    ],
)
def test_never_raises_on_hostile_text(text):
    result = split_criteria(text)

    assert output_words(result) == words(clean_registry_text(text))
