"""Curator decisions on registered lines: accept, edit, reject, accept all; all audited."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from eligibility.models import CriterionReview, CriterionSource, ReviewStatus
from eligibility.review import (
    Reviewer,
    ReviewRefused,
    criterion_proposal_accept,
    criterion_proposal_reject,
    criterion_rule_edit,
    trial_proposals_accept_all,
)
from finder.models import Trial

pytestmark = pytest.mark.django_db

PAGE = Path(__file__).resolve().parents[1] / "data" / "registry"
PAGE = PAGE / "ms-recruiting-portland-page.json"
NCT = "NCT06408259"


@pytest.fixture
def trial():
    call_command("import_ctgov", str(PAGE), "--no-progress", stdout=StringIO())
    return Trial.objects.get(nct_id=NCT)


@pytest.fixture
def curator(django_user_model):
    return Reviewer(user=django_user_model.objects.create_user("curator", password="x"))


def line(trial, start: str):
    return trial.criteria.get(source=CriterionSource.LINE, clinical_text__startswith=start)


def test_accepting_makes_the_proposal_live_and_records_who(trial, curator):
    criterion = line(trial, "Has an Expanded Disability")
    version = trial.criteria_version

    criterion_proposal_accept(criterion=criterion, reviewer=curator)

    criterion.refresh_from_db()
    trial.refresh_from_db()
    assert criterion.rule == criterion.proposal_rule
    assert criterion.patient_text == criterion.proposal_patient_text
    assert (criterion.review_status, criterion.reviewed_by) == ("accepted", curator.user)
    assert trial.criteria_version == version + 1
    [review] = CriterionReview.objects.all()
    assert (review.actor, review.action, review.line) == (
        curator.user,
        "accept",
        criterion.clinical_text,
    )
    assert (review.rule_before, review.rule_after) == (None, criterion.rule)
    assert review.criteria_version == trial.criteria_version


def test_a_line_without_a_proposal_cannot_be_accepted(trial, curator):
    judgement = line(trial, "Clinically relevant cardiovascular")
    assert judgement.proposal_rule is None

    with pytest.raises(ReviewRefused, match="no proposal"):
        criterion_proposal_accept(criterion=judgement, reviewer=curator)
    assert not CriterionReview.objects.exists()


def test_an_edited_rule_is_validated_naming_the_part(trial, curator):
    criterion = line(trial, "Has an Expanded Disability")

    with pytest.raises(ValidationError) as caught:
        criterion_rule_edit(
            criterion=criterion,
            rule={"fact": "edss", "op": "<=", "value": 5.25},
            patient_text="People with an EDSS of 5.5 or less",
            patient_text_es="",
            reviewer=curator,
        )
    assert "inclusion criterion" in str(caught.value)
    assert "value" in str(caught.value)
    criterion.refresh_from_db()
    assert criterion.rule is None and criterion.review_status == "pending"


def test_an_edited_rule_is_live_with_the_curators_words(trial, curator):
    criterion = line(trial, "Has an Expanded Disability")
    rule = {"fact": "edss", "op": "<=", "value": 5.5}

    criterion_rule_edit(
        criterion=criterion,
        rule=rule,
        patient_text="People with an EDSS of 5.5 or less",
        patient_text_es="Personas con una EDSS de 5,5 o menos",
        reviewer=curator,
    )

    criterion.refresh_from_db()
    assert (criterion.rule, criterion.review_status) == (rule, ReviewStatus.EDITED)
    assert criterion.patient_text_es == "Personas con una EDSS de 5,5 o menos"
    assert CriterionReview.objects.get().action == "edit"


def test_rejecting_leaves_the_line_for_the_study_team(trial, curator):
    criterion = line(trial, "Has an Expanded Disability")
    criterion_proposal_accept(criterion=criterion, reviewer=curator)
    trial.refresh_from_db()
    version = trial.criteria_version

    criterion_proposal_reject(criterion=criterion, reviewer=curator)

    criterion.refresh_from_db()
    trial.refresh_from_db()
    assert (criterion.rule, criterion.review_status) == (None, "rejected")
    assert trial.criteria_version == version + 1
    reject = CriterionReview.objects.filter(action="reject").get()
    assert reject.rule_before == criterion.proposal_rule and reject.rule_after is None


def test_accept_all_is_one_version_and_one_audit_row_a_line(trial, curator):
    version = trial.criteria_version
    waiting = trial.criteria.filter(review_status="pending", proposal_rule__isnull=False).count()

    assert trial_proposals_accept_all(trial=trial, reviewer=curator) == waiting

    trial.refresh_from_db()
    assert trial.criteria_version == version + 1
    assert CriterionReview.objects.filter(action="accept_all").count() == waiting


def test_a_decision_queues_the_reevaluation_of_saved_screenings(
    trial, curator, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(
        "eligibility.tasks.screenings_reevaluate.delay", lambda trial_id: queued.append(trial_id)
    )
    with django_capture_on_commit_callbacks(execute=True):
        criterion_proposal_accept(
            criterion=line(trial, "Has an Expanded Disability"), reviewer=curator
        )
    assert queued == [trial.pk]


def test_the_review_audit_is_append_only(trial, curator):
    criterion_proposal_accept(criterion=line(trial, "Has an Expanded Disability"), reviewer=curator)
    review = CriterionReview.objects.get()

    with pytest.raises(PermissionError):
        review.save()
    with pytest.raises(PermissionError):
        review.delete()
    with pytest.raises(PermissionError):
        CriterionReview.objects.update(action="edit")
    with pytest.raises(PermissionError):
        CriterionReview.objects.all().delete()
