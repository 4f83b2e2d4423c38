"""Condition search that understands patients: abbreviations, synonyms, Spanish, MeSH terms,
one matcher for the database and the site index, and no false matches (the scleroderma
study of the real registry page stays out of every MS search)."""

from __future__ import annotations

import copy
import importlib
import json
from pathlib import Path

import pytest
from django.apps import apps

from finder.conditions import condition_query, condition_search_text, condition_tags
from finder.ctgov import MeshTerm, parse_study
from finder.importing import trial_upsert_from_study
from finder.models import Trial, build_condition_search
from finder.selectors import trials_search
from sites import index
from sites.geocoding import coordinates_place
from sites.selectors import trials_nearest_for_condition
from tests.factories import SiteFactory, TrialFactory

PAGE = (
    Path(__file__).resolve().parents[1] / "data" / "registry" / "ms-recruiting-portland-page.json"
)
SCLERODERMA = "NCT06655896"
FATIGUE = "NCT06441617"  # "Multiple Sclerosis", "Fatigue": MS in general
PAEDIATRIC_RRMS = "NCT06408259"
UBLITUXIMAB = "NCT06433752"  # relapsing MS
BEAT_MS = "NCT04047628"  # relapsing, relapsing-remitting and secondary progressive MS
MS_TRIALS = sorted([BEAT_MS, FATIGUE, PAEDIATRIC_RRMS, UBLITUXIMAB])
RELAPSING_AND_GENERAL = MS_TRIALS


def studies() -> list[dict]:
    return json.loads(PAGE.read_text(encoding="utf-8"))["studies"]


@pytest.fixture
def registry_page(db):
    """The five real RECRUITING records of the registry page: their conditions and keywords
    as parsed, each with one located site (the full import is tested with MeSH below)."""
    for record in studies():
        study = parse_study(record)
        trial = TrialFactory(
            nct_id=study.nct_id, conditions=list(study.conditions), keywords=list(study.keywords)
        )
        located = next(loc for loc in study.locations if loc.has_coordinates)
        SiteFactory(trial=trial, latitude=located.latitude, longitude=located.longitude)
    index.site_index_invalidate()
    yield
    index.site_index_invalidate()


def found(condition: str) -> list[str]:
    """What the database search finds, checked against the site index's answer."""
    by_sql = sorted(trials_search(condition=condition).values_list("nct_id", flat=True))
    rows, total = trials_nearest_for_condition(
        condition=condition, origin=coordinates_place(45.52, -122.68), limit=None
    )
    by_index = sorted(row.trial.nct_id for row in rows)
    assert by_index == by_sql and total == len(by_sql)
    return by_sql


# --- what each query finds on the real records -------------------------------------------------


@pytest.mark.parametrize(
    "condition",
    [
        "MS",
        "ms",
        "multiple sclerosis",
        "Multiple Sclerosis",
        "MULTIPLE SCLEROSIS",
        "esclerosis múltiple",
        "Esclerosis Multiple",
        "EM",
        "sclerosis, multiple",
        "trials for MS",
    ],
)
def test_every_name_of_ms_finds_every_ms_trial_and_not_scleroderma(registry_page, condition):
    assert found(condition) == MS_TRIALS


@pytest.mark.parametrize(
    "condition",
    [
        "RRMS",
        "RMS",
        "relapsing MS",
        "relapsing multiple sclerosis",
        "relapsing-remitting",
        "Relapsing Remitting Multiple Sclerosis",
        "EMRR",
        "EM recurrente",
        "esclerosis múltiple remitente-recurrente",
        "esclerosis multiple recurrente remitente",
        "EM en brotes",
    ],
)
def test_a_relapsing_query_finds_relapsing_trials_and_ms_in_general(registry_page, condition):
    # The fatigue study is for MS in general: it may take relapsing patients.
    assert found(condition) == RELAPSING_AND_GENERAL


@pytest.mark.parametrize(
    "condition",
    ["SPMS", "secondary progressive MS", "EMSP", "esclerosis múltiple secundaria progresiva"],
)
def test_a_secondary_progressive_query_finds_spms_trials_and_ms_in_general(
    registry_page, condition
):
    assert found(condition) == [BEAT_MS, FATIGUE]


@pytest.mark.parametrize("condition", ["progressive MS", "EM progresiva", "progresiva"])
def test_a_progressive_query_finds_any_progressive_form_and_ms_in_general(registry_page, condition):
    assert found(condition) == [BEAT_MS, FATIGUE]


@pytest.mark.parametrize("condition", ["PPMS", "primary progressive multiple sclerosis", "EMPP"])
def test_a_primary_progressive_query_leaves_out_trials_for_other_forms(registry_page, condition):
    assert found(condition) == [FATIGUE]


def test_cis_finds_only_trials_naming_it(registry_page):
    assert found("CIS") == []
    assert found("clinically isolated syndrome") == []


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("fatigue", [FATIGUE]),
        ("MS fatigue", [FATIGUE]),
        ("fatigue in multiple sclerosis", [FATIGUE]),
        ("ozanimod", [PAEDIATRIC_RRMS]),
        ("scleroderma", [SCLERODERMA]),
        ("systemic sclerosis", [SCLERODERMA]),
        ("sclerosis", [*MS_TRIALS, SCLERODERMA]),
        ("fatig", [FATIGUE]),
    ],
)
def test_other_words_must_start_a_word_of_the_trial(registry_page, condition, expected):
    assert found(condition) == sorted(expected)


@pytest.mark.parametrize("condition", ["atigue", "cleroderma", "ystemic", "!!!", "psoriasis"])
def test_a_piece_of_a_word_or_no_word_finds_nothing(registry_page, condition):
    assert found(condition) == []


def test_progressive_among_other_words_is_a_word_not_a_form(registry_page):
    assert found("progressive supranuclear palsy") == []
    assert condition_query("progressive supranuclear palsy").any_of == ()


# --- no false matches --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "terms",
    [
        ["Mitral Stenosis", "MS"],
        ["Rhabdomyosarcoma", "RMS"],
        ["Bladder Cancer", "CIS"],
        ["Progressive Supranuclear Palsy"],
        ["Systems Biology", "Symptoms"],
        ["Scleroderma, Diffuse", "Diffuse cutaneous systemic sclerosis (dcSSc)"],
    ],
)
def test_abbreviations_and_form_words_need_ms_named_to_count(terms):
    assert condition_tags(terms) == []


@pytest.mark.django_db
def test_ms_does_not_match_words_that_contain_ms():
    TrialFactory(nct_id="NCT01000001", conditions=["Nervous System Symptoms"], keywords=["MS"])
    TrialFactory(nct_id="NCT01000002", conditions=["Multiple Sclerosis"])
    assert found("MS") == ["NCT01000002"]
    assert found("ms symptoms") == []
    assert found("symptoms") == ["NCT01000001"]


def test_a_denied_form_is_not_named():
    assert condition_tags(["Non-relapsing secondary progressive multiple sclerosis"]) == [
        "#ms",
        "#ms-spms",
    ]


@pytest.mark.parametrize(
    ("terms", "tags"),
    [
        (["Multiple Sclerosis"], ["#ms", "#ms-general"]),
        (["Multiple Sclerosis", "Relapsing-Remitting"], ["#ms", "#ms-relapsing"]),
        (["Relapsing Multiple Sclerosis", "RMS"], ["#ms", "#ms-relapsing"]),
        (["RMS", "Multiple Sclerosis"], ["#ms", "#ms-relapsing"]),
        (["RRMS"], ["#ms", "#ms-relapsing"]),
        (["Multiple Sclerosis, Chronic Progressive"], ["#ms", "#ms-progressive"]),
        (["Primary Progressive Multiple Sclerosis (PPMS)"], ["#ms", "#ms-ppms"]),
        (["Progressive Relapsing Multiple Sclerosis"], ["#ms", "#ms-ppms"]),
        (["Esclerosis múltiple progresiva"], ["#ms", "#ms-progressive"]),
        (["Clinically Isolated Syndrome"], ["#cis"]),
        (["Multiple Sclerosis", "CIS"], ["#ms", "#ms-general", "#cis"]),
        (["Relapsing Forms of Multiple Sclerosis"], ["#ms", "#ms-relapsing"]),
    ],
)
def test_trial_terms_name_their_concepts(terms, tags):
    assert condition_tags(terms) == tags


def test_the_stored_text_is_normalised_and_tagged():
    assert condition_search_text(["Esclerosis Múltiple", "Fatigue", "fatigue"]) == (
        " esclerosis multiple | fatigue | #ms #ms-general "
    )


def test_synonymous_queries_share_one_reading():
    assert condition_query("RRMS").key == condition_query("relapsing-remitting MS").key
    assert condition_query("MS").key == condition_query("esclerosis múltiple").key
    assert condition_query("MS").key != condition_query("RRMS").key


# --- MeSH terms ---------------------------------------------------------------------------------


def with_mesh(study: dict, meshes, ancestors=()) -> dict:
    study = copy.deepcopy(study)
    study["derivedSection"] = {
        "conditionBrowseModule": {
            "meshes": [{"id": i, "term": t} for i, t in meshes],
            "ancestors": [{"id": i, "term": t} for i, t in ancestors],
        }
    }
    return study


def abbreviated(study: dict, conditions, keywords=()) -> dict:
    study = copy.deepcopy(study)
    study["protocolSection"]["conditionsModule"] = {
        "conditions": list(conditions),
        "keywords": list(keywords),
    }
    return study


def test_the_parser_keeps_the_registrys_mesh_terms(full_study):
    study = parse_study(full_study)
    assert study.mesh_conditions == (MeshTerm(id="D009103", term="Multiple Sclerosis"),)
    assert study.mesh_ancestors == ()
    bare = copy.deepcopy(full_study)
    del bare["derivedSection"]
    assert parse_study(bare).mesh_conditions == ()


def test_the_parser_refuses_mesh_terms_of_the_wrong_shape(full_study):
    from finder.ctgov import StudyParseError

    bad = copy.deepcopy(full_study)
    bad["derivedSection"]["conditionBrowseModule"]["meshes"] = "Multiple Sclerosis"
    with pytest.raises(StudyParseError, match="derivedSection.conditionBrowseModule.meshes"):
        parse_study(bad)


@pytest.mark.django_db
def test_a_record_the_registry_indexed_as_ms_is_found_through_its_mesh_terms():
    # Conditions in abbreviations only: nothing but the MeSH heading says multiple sclerosis.
    base = next(
        s for s in studies() if s["protocolSection"]["identificationModule"]["nctId"] == FATIGUE
    )
    study = with_mesh(
        abbreviated(base, ["RMS"], ["DMT"]),
        [("D020529", "Multiple Sclerosis, Relapsing-Remitting")],
        [("D009103", "Multiple Sclerosis"), ("D020278", "Demyelinating Autoimmune Diseases, CNS")],
    )
    trial = trial_upsert_from_study(study=parse_study(study)).trial
    assert trial.mesh_conditions == [
        {"id": "D020529", "term": "Multiple Sclerosis, Relapsing-Remitting"}
    ]
    assert trial.mesh_ancestors[1] == {
        "id": "D020278",
        "term": "Demyelinating Autoimmune Diseases, CNS",
    }
    assert found("MS") == [FATIGUE]
    assert found("RRMS") == [FATIGUE]
    assert found("SPMS") == []
    assert found("demyelinating") == [FATIGUE]


@pytest.mark.django_db
def test_without_mesh_terms_an_abbreviation_alone_is_not_ms():
    base = next(
        s for s in studies() if s["protocolSection"]["identificationModule"]["nctId"] == FATIGUE
    )
    trial_upsert_from_study(study=parse_study(abbreviated(base, ["RMS"], ["DMT"])))
    assert found("MS") == []


@pytest.mark.django_db
def test_a_reimport_with_new_mesh_terms_updates_the_search_text(registry_page):
    base = next(
        s for s in studies() if s["protocolSection"]["identificationModule"]["nctId"] == SCLERODERMA
    )
    mesh = with_mesh(
        base, [("D045743", "Scleroderma, Diffuse")], [("D012595", "Scleroderma, Systemic")]
    )
    trial_upsert_from_study(study=parse_study(mesh))
    trial = Trial.objects.get(nct_id=SCLERODERMA)
    assert " scleroderma systemic |" in trial.condition_search
    assert found("MS") == MS_TRIALS


# --- one matcher, stored at save, recomputed by the migration ----------------------------------


@pytest.mark.django_db
def test_every_save_stores_the_text_the_matcher_reads():
    trial = TrialFactory(conditions=["Esclerosis Múltiple"], keywords=[])
    assert trial.condition_search == " esclerosis multiple | #ms #ms-general "
    trial.mesh_conditions = [{"id": "D020529", "term": "Multiple Sclerosis, Relapsing-Remitting"}]
    trial.save()
    trial.refresh_from_db()
    assert "#ms-relapsing " in trial.condition_search
    assert trial.condition_search == build_condition_search(
        trial.conditions, trial.keywords, mesh=trial.mesh_conditions
    )


@pytest.mark.django_db
def test_the_migration_rewrites_the_old_lower_cased_text():
    trial = TrialFactory(conditions=["Relapsing Multiple Sclerosis"], keywords=["RMS"])
    Trial.objects.filter(pk=trial.pk).update(condition_search="relapsing multiple sclerosis | rms")
    assert found("RRMS") == []
    migration = importlib.import_module("finder.migrations.0005_trial_mesh_terms")
    migration.recompute_condition_search(apps, None)
    index.site_index_invalidate()
    trial.refresh_from_db()
    assert trial.condition_search == " relapsing multiple sclerosis | rms | #ms #ms-relapsing "
    assert found("RRMS") == [trial.nct_id]


@pytest.mark.django_db
def test_the_database_and_the_index_agree_on_every_kind_of_query():
    catalog = [
        ["Multiple Sclerosis"],
        ["Relapsing Multiple Sclerosis", "Fatigue"],
        ["Secondary Progressive Multiple Sclerosis"],
        ["Primary Progressive Multiple Sclerosis"],
        ["Progressive Multiple Sclerosis"],
        ["Clinically Isolated Syndrome"],
        ["Neuromyelitis Optica"],
        ["Scleroderma, Diffuse"],
        ["Mitral Stenosis", "MS"],
    ]
    for n, conditions in enumerate(catalog):
        trial = TrialFactory(nct_id=f"NCT0200{n:04d}", conditions=conditions)
        SiteFactory(trial=trial, latitude=10.0 + n, longitude=20.0)
    index.site_index_invalidate()
    texts = dict(Trial.objects.values_list("nct_id", "condition_search"))
    for condition in [
        "MS", "RRMS", "SPMS", "PPMS", "progressive MS", "CIS", "optica", "fatigue",
        "relapsing MS fatigue", "esclerosis múltiple", "mitral", "stenosis ms", "",
    ]:  # fmt: skip
        query = condition_query(condition)
        expected = sorted(nct for nct, text in texts.items() if query.matches(text))
        assert found(condition) == expected, condition
