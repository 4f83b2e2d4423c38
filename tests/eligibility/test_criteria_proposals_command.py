"""manage.py criteria_proposals, end to end on real records imported with import_ctgov."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from eligibility.models import CriterionReview, CriterionSource, ReviewStatus
from finder.models import Trial

pytestmark = pytest.mark.django_db

PAGE = Path(__file__).resolve().parents[1] / "data" / "registry"
PAGE = PAGE / "ms-recruiting-portland-page.json"
NCT = "NCT06408259"


def run(*args) -> str:
    out = StringIO()
    call_command("criteria_proposals", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def curator(django_user_model):
    return django_user_model.objects.create_superuser("carla", "carla@example.org", "pw")


@pytest.fixture
def imported():
    call_command("import_ctgov", str(PAGE), "--no-progress", stdout=StringIO())
    return Trial.objects.get(nct_id=NCT)


def test_import_ctgov_runs_the_reader_and_nothing_is_live(imported):
    lines = imported.criteria.filter(source=CriterionSource.LINE)
    proposed = [c for c in lines if c.proposal_rule is not None]

    assert proposed, "the reader proposed nothing for a real RRMS record"
    assert all(c.rule is None and c.review_status == ReviewStatus.PENDING for c in proposed)
    assert all(c.proposal_pattern and c.proposal_reason and c.reader_version for c in proposed)


def test_list_shows_each_line_its_proposal_pattern_and_reason(imported):
    out = run(NCT, "--list")

    assert out.startswith(f"{NCT}: 6 registered lines, ")
    edss = imported.criteria.get(clinical_text__startswith="Has an Expanded Disability")
    assert edss.clinical_text.splitlines()[0] in out
    assert f"proposal ({edss.proposal_pattern}, reader {edss.reader_version})" in out
    assert edss.proposal_reason in out


def test_list_shows_the_spanish_text_and_no_proposal_where_nothing_waits(imported):
    out = run(NCT, "--list")

    edss = imported.criteria.get(clinical_text__startswith="Has an Expanded Disability")
    assert f"en: {edss.proposal_patient_text}" in out
    assert f"es: {edss.proposal_patient_text_es}" in out and edss.proposal_patient_text_es
    lines = imported.criteria.filter(source=CriterionSource.LINE)
    unread = [c for c in lines if c.proposal_rule is None]
    waiting = len(lines) - len(unread)
    assert unread, "every line of the record got a proposal"
    assert out.startswith(f"{NCT}: {len(lines)} registered lines, {waiting} waiting")
    assert out.count("[no proposal]") == len(unread)
    assert out.count("[Waiting for review]") == waiting


def test_list_shows_a_line_with_no_words(imported):
    line = imported.criteria.filter(source=CriterionSource.LINE).order_by("kind", "order").first()
    type(line).objects.filter(pk=line.pk).update(clinical_text="")

    assert f"  {line.kind} {line.order} [" in run(NCT, "--list")


def test_accept_all_queues_the_reevaluation_of_saved_screenings(
    imported, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(
        "eligibility.tasks.screenings_reevaluate.delay", lambda trial_id: queued.append(trial_id)
    )
    with django_capture_on_commit_callbacks(execute=True):
        run(NCT, "--accept-all", "--reviewer", "carla")

    assert queued == [imported.pk]


def test_accept_all_makes_every_pending_proposal_live_in_one_version(client, imported, curator):
    version = imported.criteria_version
    pending = imported.criteria.filter(review_status="pending", proposal_rule__isnull=False)
    count = pending.count()

    out = run(NCT, "--accept-all", "--reviewer", "carla")

    imported.refresh_from_db()
    assert out.strip() == (
        f"{NCT}: accepted {count} proposal(s); criteria version {imported.criteria_version}"
    )
    assert imported.criteria_version == version + 1
    accepted = imported.criteria.filter(review_status="accepted")
    assert accepted.count() == count
    assert all(c.rule == c.proposal_rule and c.patient_text for c in accepted)
    reviews = CriterionReview.objects.filter(trial=imported)
    assert reviews.count() == count
    assert {(r.actor, r.actor_label) for r in reviews} == {(curator, "carla")}
    assert all(r.rule_before is None and r.rule_after for r in reviews)

    # The accepted rules now decide: a 12-year-old with EDSS 7 is ruled out by them.
    body = {"answers": {"age": 12, "edss": 7.0}}
    result = client.post(
        f"/api/v1/trials/{NCT}/eligibility/", body, content_type="application/json"
    ).json()
    assert result["verdict"] == "ineligible"
    assert result["checked"] > 3


def test_accept_all_again_accepts_nothing(imported):
    run(NCT, "--accept-all", "--reviewer", "carla")
    imported.refresh_from_db()
    version = imported.criteria_version

    assert "accepted 0 proposal(s)" in run(NCT, "--accept-all", "--reviewer", "carla")
    imported.refresh_from_db()
    assert imported.criteria_version == version


def test_an_unknown_trial_is_refused_by_name(imported):
    with pytest.raises(CommandError, match="No such trial: NCT99999999"):
        run(NCT, "NCT99999999")
