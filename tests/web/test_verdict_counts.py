"""How much was checked, with every verdict (issue 17, item 2): "You may qualify" says
every criterion was checked; "probably not a match" on a trial with lines for the study
team says how many we can check; a fully checked "not a match" names the criterion and
adds no count."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from eligibility.services import screening_evaluate
from finder.models import Trial
from tests.web.conftest import CARE_MS_II, ELIGIBLE_FORM, answer_questions

PAGE = (
    Path(__file__).resolve().parents[1] / "data" / "registry" / "ms-recruiting-portland-page.json"
)


def text(response) -> str:
    return " ".join(response.content.decode().split())


def test_you_may_qualify_says_every_criterion_was_checked(client, care_ms_ii):
    answer_questions(client, f"/trials/{CARE_MS_II}/check/", ELIGIBLE_FORM)
    page = text(client.get(f"/trials/{CARE_MS_II}/check/result/"))
    total = care_ms_ii.criteria.count()
    assert "You may qualify for this study" in page
    assert f"We checked all {total} of this study's criteria against your answers." in page


def test_a_fully_checked_not_a_match_adds_no_count(client, care_ms_ii):
    answer_questions(client, f"/trials/{CARE_MS_II}/check/", {**ELIGIBLE_FORM, "age": "60"})
    page = text(client.get(f"/trials/{CARE_MS_II}/check/result/"))
    assert "This study is probably not a match for you" in page
    assert "We checked all" not in page and "We can check" not in page


@pytest.fixture
def imported(db):
    call_command("import_ctgov", str(PAGE), "--no-progress", stdout=StringIO())
    return Trial.objects.get(nct_id="NCT06408259")


def test_not_a_match_on_a_trial_with_lines_for_the_study_team_says_how_many(client, imported):
    outcome = screening_evaluate(trial=imported, answers={"age": 40})
    assert outcome.verdict == "ineligible" and not outcome.fully_checked
    session = client.session
    session["answers"] = {"age": 40}
    session.save()

    page = text(client.get("/trials/NCT06408259/check/result/"))

    assert "This study is probably not a match for you" in page
    assert (
        f"We can check {outcome.checked} of this study's {outcome.total} criteria here, and "
        "one that rules you out is enough; the study team checks the others."
    ) in page


@pytest.mark.parametrize(
    ("verdict", "checked", "total", "says"),
    [
        ("eligible", 12, 12, "all 12 criteria checked"),
        ("possibly_eligible", 3, 20, "3 of 20 criteria checked; the study team checks the rest"),
        ("possibly_eligible", 12, 12, None),
        ("ineligible", 3, 20, "3 of 20 criteria checked here"),
        ("ineligible", 12, 12, None),
    ],
)
def test_a_cards_verdict_carries_the_counts(verdict, checked, total, says):
    from django.template.loader import render_to_string

    html = " ".join(
        render_to_string(
            "includes/verdict_label.html",
            {"verdict": verdict, "checked": checked, "total": total},
        ).split()
    )
    if says is None:
        assert "verdict-label__counts" not in html
    else:
        assert f'<span class="verdict-label__counts">{says}</span>' in html
