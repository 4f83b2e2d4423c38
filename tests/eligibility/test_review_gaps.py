"""Issue 19: gaps in the curators' review of registered lines (the queue's "changed since
last review" filter, who the audit names, the demo's recorded review, bilingual edits)."""

from __future__ import annotations

import copy
import json
import shutil
from functools import partial
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from eligibility.models import CriterionReview, CriterionSource
from eligibility.review import (
    RecordedDecision,
    Reviewer,
    criterion_proposal_accept,
    criterion_proposal_reject,
    criterion_rule_edit,
    trial_decisions_apply,
)
from finder.ctgov import parse_study
from finder.demo import DEMO_DIR, DEMO_REVIEWER_LABEL, demo_catalog_load
from finder.importing import trial_upsert_from_study
from finder.management.commands import load_demo_catalog
from finder.models import Trial

pytestmark = pytest.mark.django_db

PAGE = Path(__file__).resolve().parents[1] / "data" / "registry"
PAGE = PAGE / "ms-recruiting-portland-page.json"
NCT = "NCT06408259"
QUEUE = "/admin/eligibility/linereview/"
CURATOR = Reviewer(label="curator")


@pytest.fixture
def trial():
    call_command("import_ctgov", str(PAGE), "--no-progress", stdout=StringIO())
    return Trial.objects.get(nct_id=NCT)


def study(**rewordings: str):
    """The trial's registry record, with its criteria reworded (old words: new words)."""
    page = json.loads(PAGE.read_text(encoding="utf-8"))
    [raw] = [
        copy.deepcopy(s)
        for s in page["studies"]
        if s["protocolSection"]["identificationModule"]["nctId"] == NCT
    ]
    module = raw["protocolSection"]["eligibilityModule"]
    for old, new in rewordings.items():
        assert old in module["eligibilityCriteria"]
        module["eligibilityCriteria"] = module["eligibilityCriteria"].replace(old, new)
    return parse_study(raw)


def line(trial, start: str):
    return trial.criteria.get(source=CriterionSource.LINE, clinical_text__startswith=start)


def listed(response) -> int:
    return response.content.decode().count('name="_selected_action"')


# --- 1. "changed since last review" keeps every reworded line still waiting ------------------

PROGRESSIVE = "Diagnosis of progressive forms of MS."
IMMUNE = "Active or chronic disease of the immune system other than MS."
REWORDED = {
    PROGRESSIVE: "Diagnosis of a progressive form of MS.",
    IMMUNE: "Active or chronic disease of the immune system apart from MS.",
}


def test_changed_since_review_keeps_a_waiting_line_once_another_is_decided(admin_client, trial):
    criterion_proposal_accept(criterion=line(trial, "Has an Expanded"), reviewer=CURATOR)
    trial_upsert_from_study(study=study(**REWORDED))
    assert listed(admin_client.get(QUEUE, {"changed": "yes"})) == 2

    # The curator decides one of the two reworded lines: the other still waits.
    criterion_proposal_reject(
        criterion=line(trial, "Diagnosis of a progressive form"), reviewer=CURATOR
    )

    response = admin_client.get(QUEUE, {"changed": "yes"})
    assert listed(response) == 1
    page = response.content.decode()
    assert "Active or chronic disease of the immune system apart from MS." in page
    assert "Diagnosis of a progressive form of MS." not in page


def test_changed_since_review_lists_no_line_of_a_trial_never_reviewed(admin_client, trial):
    trial_upsert_from_study(study=study(**REWORDED))

    assert listed(admin_client.get(QUEUE, {"changed": "yes"})) == 0


# --- 2. the audit's "who": a named person, or plainly the demo's recorded review ------------


def accept_all(*args) -> str:
    out = StringIO()
    call_command("criteria_proposals", NCT, "--accept-all", *args, stdout=out)
    return out.getvalue()


def user(django_user_model, username: str, *, can_decide: bool = True, **fields):
    account = django_user_model.objects.create_user(username, password="x", **fields)
    if can_decide:
        account.user_permissions.add(Permission.objects.get(codename="change_linereview"))
    return account


def test_accept_all_is_refused_without_a_reviewer(trial):
    with pytest.raises(CommandError, match="--accept-all needs --reviewer USERNAME"):
        accept_all()
    assert not CriterionReview.objects.exists()
    assert not trial.criteria.exclude(review_status__in=["pending", "derived", ""]).exists()


@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        ("nobody", "--reviewer nobody: no such user"),
        ("gone", "--reviewer gone: the account is not active"),
        ("reader", "--reviewer reader: the account may not decide on registered lines"),
    ],
)
def test_accept_all_is_refused_for_a_reviewer_who_may_not_decide(
    trial, django_user_model, who, refusal
):
    user(django_user_model, "gone", is_active=False)
    user(django_user_model, "reader", can_decide=False)

    with pytest.raises(CommandError, match=refusal):
        accept_all("--reviewer", who)
    assert not CriterionReview.objects.exists()


def test_accept_all_records_the_named_curator(trial, django_user_model):
    curator = user(django_user_model, "ana")
    waiting = trial.criteria.filter(review_status="pending", proposal_rule__isnull=False)
    count = waiting.count()
    assert count

    out = accept_all("--reviewer", "ana")

    assert f"{NCT}: accepted {count} proposal(s)" in out
    reviews = CriterionReview.objects.filter(trial=trial)
    assert reviews.count() == count
    assert {(r.actor, r.actor_label, r.action) for r in reviews} == {(curator, "ana", "accept_all")}
    assert all(c.reviewed_by == curator for c in trial.criteria.filter(review_status="accepted"))


def test_list_does_not_take_a_reviewer(trial, django_user_model):
    user(django_user_model, "ana")

    with pytest.raises(CommandError, match="--reviewer names who accepts with --accept-all"):
        call_command("criteria_proposals", NCT, "--reviewer", "ana", stdout=StringIO())


def test_the_demo_loads_audit_says_it_was_the_demo_catalogs_recorded_review():
    call_command("load_demo_catalog", stdout=StringIO(), stderr=StringIO())

    reviews = CriterionReview.objects.all()
    assert reviews.exists()
    assert {(r.actor, r.actor_label) for r in reviews} == {(None, DEMO_REVIEWER_LABEL)}
    assert "the demo catalog's recorded review" in DEMO_REVIEWER_LABEL
    assert len(DEMO_REVIEWER_LABEL) <= CriterionReview._meta.get_field("actor_label").max_length


# --- 3. a recorded decision that matches no registered line is reported ---------------------


def test_a_recorded_decision_matching_no_line_is_a_warning(trial):
    decisions = [
        RecordedDecision(
            kind="exclusion", line="A line the registry never had.", decision="reject"
        ),
        RecordedDecision(kind="inclusion", line=PROGRESSIVE, decision="reject"),  # wrong kind
        RecordedDecision(kind="exclusion", line=PROGRESSIVE, decision="reject"),
    ]

    warnings = trial_decisions_apply(trial=trial, decisions=decisions, reviewer=CURATOR)

    assert warnings == [
        f"{NCT} exclusion: the recorded reject decision matches no registered line "
        "('A line the registry never had.'); not applied",
        f"{NCT} inclusion: the recorded reject decision matches no registered line "
        f"({PROGRESSIVE!r}); not applied",
    ]
    assert line(trial, PROGRESSIVE).review_status == "rejected"
    # Applied again, the decided line is no warning: it is decided already.
    again = trial_decisions_apply(trial=trial, decisions=decisions[2:], reviewer=CURATOR)
    assert again == []


@pytest.fixture
def demo_copy(tmp_path, monkeypatch):
    """A copy of the demo catalog the test may change, loaded by load_demo_catalog."""
    directory = tmp_path / "demo"
    shutil.copytree(DEMO_DIR, directory)
    monkeypatch.setattr(
        load_demo_catalog, "demo_catalog_load", partial(demo_catalog_load, directory=directory)
    )
    return directory


def test_load_demo_catalog_prints_the_decisions_it_could_not_apply(demo_copy):
    path = demo_copy / "registry" / "reviews.json"
    reviews = json.loads(path.read_text(encoding="utf-8"))
    decision = reviews["trials"][NCT][0]
    registered = decision["line"]
    decision["line"] = "A line the registry never had."
    reviews["trials"]["NCT00000000"] = [{**decision, "line": registered}]
    path.write_text(json.dumps(reviews), encoding="utf-8")
    out, err = StringIO(), StringIO()

    call_command("load_demo_catalog", stdout=out, stderr=err)

    assert (
        f"warning: {NCT} {decision['kind']}: the recorded {decision['decision']} decision "
        "matches no registered line ('A line the registry never had.'); not applied"
    ) in err.getvalue()
    assert (
        "warning: NCT00000000: reviews.json records 1 decision(s) for a trial that "
        "ms-recruiting-portland.json does not have; not applied"
    ) in err.getvalue()
    # The line nobody's decision matched is left waiting.
    trial = Trial.objects.get(nct_id=NCT)
    assert line(trial, registered.split("\n")[0][:40]).review_status == "pending"


# --- 4. an edit is bilingual, and its audit row keeps both languages' words ------------------

EDSS_RULE = {"fact": "edss", "op": "<=", "value": 5.5}
EN = "People with an EDSS of 5.5 or less"
ES = "Personas con una EDSS de 5,5 o menos"


def edit(admin_client, criterion, **texts):
    data = {"decision": "edit", "rule": json.dumps(EDSS_RULE), **texts}
    return admin_client.post(f"{QUEUE}{criterion.pk}/change/", data)


def test_an_edit_without_the_spanish_words_is_refused_naming_the_field(admin_client, trial):
    edss = line(trial, "Has an Expanded")

    response = edit(admin_client, edss, patient_text=EN, patient_text_es="  ")

    assert response.status_code == 200  # the form again, with the error
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["patient_text_es"]
    assert '"Patient-facing text (Spanish)"' in errors["patient_text_es"][0]
    assert "in &quot;Patient-facing text (Spanish)&quot;" in response.content.decode()
    edss.refresh_from_db()
    assert (edss.review_status, edss.rule) == ("pending", None)
    assert not CriterionReview.objects.exists()


def test_the_review_service_refuses_an_edit_without_the_spanish_words(trial):
    edss = line(trial, "Has an Expanded")

    with pytest.raises(ValidationError) as caught:
        criterion_rule_edit(
            criterion=edss, rule=EDSS_RULE, patient_text=EN, patient_text_es="", reviewer=CURATOR
        )

    assert list(caught.value.message_dict) == ["patient_text_es"]
    assert not CriterionReview.objects.exists()


def test_an_edits_audit_row_records_the_words_in_both_languages(admin_client, trial):
    edss = line(trial, "Has an Expanded")

    response = edit(admin_client, edss, patient_text=EN, patient_text_es=ES)

    assert response.status_code == 302
    edss.refresh_from_db()
    assert (edss.rule, edss.patient_text, edss.patient_text_es) == (EDSS_RULE, EN, ES)
    review = CriterionReview.objects.get(criterion=edss)
    assert review.action == "edit" and review.rule_after == EDSS_RULE
    assert (review.patient_text_after, review.patient_text_es_after) == (EN, ES)


def test_an_accepts_audit_row_keeps_the_rule_as_it_was(trial):
    edss = line(trial, "Has an Expanded")
    criterion_proposal_accept(criterion=edss, reviewer=CURATOR)

    review = CriterionReview.objects.get(criterion=edss)
    assert review.rule_after == edss.proposal_rule
    assert review.patient_text_es_after == edss.patient_text_es
