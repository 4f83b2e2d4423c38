"""A curator reviews a real trial's registered lines in the admin, in a real browser:
accept, edit with a validation error, reject, accept all; then reads the audit."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from eligibility.models import CriterionReview, CriterionSource
from finder.models import Trial

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "curator-password-for-tests-1"
PAGE = Path(__file__).resolve().parents[1] / "data" / "registry"
PAGE = PAGE / "ms-recruiting-portland-page.json"
NCT = "NCT06408259"


def sign_in(page, live_server):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "curator")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")


def open_line(page, live_server, criterion):
    page.goto(f"{live_server.url}/admin/eligibility/linereview/{criterion.pk}/change/")
    page.wait_for_selector("#linereview_form")


def test_a_curator_reviews_a_trials_lines(admin_page, live_server, django_user_model, screenshot):
    django_user_model.objects.create_superuser("curator", "curator@example.org", PASSWORD)
    call_command("import_ctgov", str(PAGE), "--no-progress", stdout=StringIO())
    trial = Trial.objects.get(nct_id=NCT)
    lines = trial.criteria.filter(source=CriterionSource.LINE)
    edss = lines.get(clinical_text__startswith="Has an Expanded Disability")
    progressive = lines.get(clinical_text="Diagnosis of progressive forms of MS.")
    judgement = lines.get(clinical_text__startswith="Clinically relevant")
    page = admin_page
    sign_in(page, live_server)

    # The queue: each line beside its proposal, filtered to the trial.
    page.goto(f"{live_server.url}/admin/eligibility/linereview/?waiting_trial={trial.pk}")
    page.wait_for_selector("#result_list")
    assert page.locator("#result_list tbody tr").count() == lines.count()
    screenshot(page, "admin-review-queue-desktop")
    # Every column fits beside the sidebar at this width: nothing cut, no sideways scroll.
    fits = page.evaluate(
        "() => { const t = document.querySelector('#result_list');"
        " return t.scrollWidth <= t.parentElement.clientWidth + 1; }"
    )
    assert fits, "the review queue's columns are cut at desktop width"

    # Accept the EDSS proposal.
    open_line(page, live_server, edss)
    assert edss.proposal_reason in page.content()
    screenshot(page, "admin-review-line-desktop")
    page.check("input[name=decision][value=accept]")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    edss.refresh_from_db()
    assert (edss.review_status, edss.rule) == ("accepted", edss.proposal_rule)

    # Edit the progressive-forms line: a wrong value first, refused by name.
    open_line(page, live_server, progressive)
    page.check("input[name=decision][value=edit]")
    bad = {"fact": "ms_course", "op": "in", "value": ["secondary_progressive", "martian"]}
    page.fill("#id_rule", json.dumps(bad))
    page.fill("#id_patient_text", "People with a progressive form of MS")
    page.click("input[name=_save]")
    page.wait_for_selector(".errornote")
    error = page.locator(".field-rule .errorlist").inner_text()
    assert "exclusion criterion 1: value: 'martian' is not a value of 'ms_course'" in error
    screenshot(page, "admin-review-edit-error-desktop")
    good = {
        "fact": "ms_course",
        "op": "in",
        "value": ["secondary_progressive", "primary_progressive"],
    }
    page.fill("#id_rule", json.dumps(good))
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    progressive.refresh_from_db()
    assert (progressive.review_status, progressive.rule) == ("edited", good)

    # Reject the clinician's-judgement line.
    open_line(page, live_server, judgement)
    page.check("input[name=decision][value=reject]")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    judgement.refresh_from_db()
    assert (judgement.review_status, judgement.rule) == ("rejected", None)

    # Accept every remaining proposal of the trial.
    page.goto(f"{live_server.url}/admin/eligibility/linereview/?waiting_trial={trial.pk}")
    page.check("#action-toggle")
    page.select_option("select[name=action]", "accept_all_of_trials")
    page.click("button[name=index]")
    page.wait_for_selector(".messagelist .success")
    screenshot(page, "admin-review-accepted-all-desktop")
    assert not lines.filter(review_status="pending", proposal_rule__isnull=False).exists()

    # The audit, readable by an operator.
    page.goto(f"{live_server.url}/admin/eligibility/criterionreview/")
    page.wait_for_selector("#result_list")
    screenshot(page, "admin-review-audit-desktop")
    actions = set(CriterionReview.objects.filter(trial=trial).values_list("action", flat=True))
    assert {"accept", "edit", "reject"} <= actions
    assert page.locator("#result_list tbody tr").count() == CriterionReview.objects.count()
