"""The review audit is append-only in the admin, and line criteria change only through review."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from eligibility.models import CriterionReview
from eligibility.review import Reviewer, criterion_proposal_accept
from finder.models import Trial

pytestmark = pytest.mark.django_db

REGISTRY = Path(__file__).resolve().parents[1] / "data" / "registry"
PAGE = REGISTRY / "ms-recruiting-portland-page.json"
NCT = "NCT06408259"
AUDIT = "/admin/eligibility/criterionreview/"


@pytest.fixture
def trial():
    call_command("import_ctgov", str(PAGE), "--no-progress", stdout=StringIO())
    return Trial.objects.get(nct_id=NCT)


@pytest.fixture
def review(trial):
    edss = trial.criteria.get(clinical_text__startswith="Has an Expanded Disability")
    criterion_proposal_accept(criterion=edss, reviewer=Reviewer(label="curator"))
    return CriterionReview.objects.get(criterion=edss)


def test_deleting_an_audit_row_is_forbidden_even_for_a_superuser(admin_client, review):
    url = f"{AUDIT}{review.pk}/delete/"

    assert admin_client.get(url).status_code == 403
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert CriterionReview.objects.filter(pk=review.pk).exists()


def test_the_audit_list_offers_no_delete_and_a_forced_delete_action_deletes_nothing(
    admin_client, review
):
    listing = admin_client.get(AUDIT)

    assert listing.status_code == 200
    assert "delete_selected" not in listing.content.decode()
    response = admin_client.post(
        AUDIT, {"action": "delete_selected", "_selected_action": [review.pk], "post": "yes"}
    )
    assert response.status_code in (200, 302)
    assert CriterionReview.objects.filter(pk=review.pk).exists()


def test_an_audit_row_cannot_be_changed_through_the_admin(admin_client, review):
    url = f"{AUDIT}{review.pk}/change/"

    assert admin_client.get(url).status_code == 200  # readable
    response = admin_client.post(url, {"actor_label": "someone else", "action": "reject"})
    assert response.status_code == 403
    review.refresh_from_db()
    assert (review.actor_label, review.action) == ("curator", "accept")


def test_the_audit_admin_denies_change_and_delete_to_a_superuser(rf, admin_user, review):
    from django.contrib import admin

    model_admin = admin.site._registry[CriterionReview]
    request = rf.get(AUDIT)
    request.user = admin_user

    assert not model_admin.has_change_permission(request, review)
    assert not model_admin.has_delete_permission(request, review)
    assert not model_admin.has_delete_permission(request)
    assert "delete_selected" not in model_admin.get_actions(request)
