"""A real registry record imported as is: every registered line is a criterion of the trial,
shown on its page and in every result, and a verdict says how much was checked."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from eligibility.models import CriterionSource
from finder.criteria_lines import split_criteria
from finder.importing import import_paths
from finder.models import Trial

pytestmark = pytest.mark.django_db

PAGE = Path(__file__).resolve().parents[1] / "data" / "registry"
PAGE = PAGE / "ms-recruiting-portland-page.json"
BEAT_MS = "NCT04047628"
#: The patient of issue 17: primary progressive MS, EDSS 7.0, 50 years old.
PRIMARY_PROGRESSIVE = {
    "age": 50,
    "ms_diagnosis": "yes",
    "ms_course": "primary_progressive",
    "edss": 7.0,
}


@pytest.fixture
def beat_ms():
    report = import_paths(paths=[PAGE])
    assert report.created == 5, report.summary
    return Trial.objects.get(nct_id=BEAT_MS)


def test_every_registered_line_is_a_criterion(beat_ms):
    registered = split_criteria(beat_ms.eligibility_text).lines
    lines = beat_ms.criteria.filter(source=CriterionSource.LINE).order_by("kind", "order")

    assert sorted((c.kind, c.order, c.clinical_text) for c in lines) == sorted(
        (line.kind, line.order, line.text) for line in registered
    )
    assert len(registered) > 40


def test_the_trial_page_shows_every_registered_line(client, beat_ms):
    page = html.unescape(client.get(f"/trials/{BEAT_MS}/").content.decode())

    for line in split_criteria(beat_ms.eligibility_text).lines:
        first_line = line.text.split("\n")[0]
        assert first_line in page, first_line
    assert "(as registered, in English)" in page
    assert "The study team checks this with you." in page


def test_a_patient_the_derived_rules_do_not_rule_out_is_told_how_little_was_checked(
    client, beat_ms
):
    response = client.post(
        f"/api/v1/trials/{BEAT_MS}/eligibility/",
        {"answers": PRIMARY_PROGRESSIVE},
        content_type="application/json",
    )
    body = response.json()
    total = beat_ms.criteria.count()

    assert response.status_code == 200
    assert body["verdict"] == "possibly_eligible"
    assert (body["checked"], body["total"]) == (2, total)
    statuses = [c["status"] for c in body["criteria"]]
    assert statuses.count("not_checked") == total - 2
    assert all(c["clinical_text"] for c in body["criteria"] if c["status"] == "not_checked")


def test_the_result_page_says_checked_2_of_n(client, beat_ms):
    session = client.session
    session["answers"] = PRIMARY_PROGRESSIVE
    session.save()
    page = html.unescape(client.get(f"/trials/{BEAT_MS}/check/result/").content.decode())

    assert "Nothing in your answers rules you out so far" in page
    assert f"We checked 2 of this study's {beat_ms.criteria.count()} criteria" in page
    assert "You may qualify" not in page
    assert "What the study team checks with you" in page


def test_find_trials_for_me_says_it_on_each_card(client, beat_ms):
    session = client.session
    session["answers"] = PRIMARY_PROGRESSIVE
    session.save()
    page = html.unescape(client.get("/check/results/").content.decode())

    assert f"2 of {beat_ms.criteria.count()} criteria checked" in page
    assert "You may qualify" not in page


def test_a_reimport_of_the_same_record_changes_nothing(beat_ms):
    version = beat_ms.criteria_version
    report = import_paths(paths=[PAGE])

    assert report.unchanged == 5, report.summary
    beat_ms.refresh_from_db()
    assert beat_ms.criteria_version == version
