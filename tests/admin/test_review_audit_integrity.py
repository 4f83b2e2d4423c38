"""The review audit is append-only in the admin, and line criteria change only through review."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from eligibility.models import Criterion, CriterionReview
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


# --- line criteria change only through the review service ---------------------------------

CRITERIA = "/admin/eligibility/criterion/"
EDSS = "Has an Expanded Disability"
RULE = {"fact": "edss", "op": "<=", "value": 9.5}


@pytest.fixture
def line(review):
    """A registered line with a live, reviewed rule."""
    return review.criterion


def criterion_form_data(criterion, **changes):
    data = {
        "trial": criterion.trial_id,
        "kind": criterion.kind,
        "order": criterion.order,
        "clinical_text": criterion.clinical_text,
        "patient_text": criterion.patient_text,
        "patient_text_es": criterion.patient_text_es,
        "rule": json.dumps(criterion.rule),
        "source": criterion.source,
    }
    data.update(changes)
    return data


def snapshot(criterion):
    criterion.refresh_from_db()
    return (
        criterion.rule,
        criterion.patient_text,
        criterion.patient_text_es,
        criterion.source,
        criterion.review_status,
        criterion.updated_at,
    )


def test_a_post_to_the_criterion_change_form_cannot_change_a_line_rule(admin_client, line):
    before = snapshot(line)
    version = line.trial.criteria_version
    audits = CriterionReview.objects.count()

    response = admin_client.post(
        f"{CRITERIA}{line.pk}/change/",
        criterion_form_data(line, rule=json.dumps(RULE), patient_text="Anyone", source="curated"),
    )

    assert response.status_code == 403
    assert snapshot(line) == before
    line.trial.refresh_from_db()
    assert line.trial.criteria_version == version
    assert CriterionReview.objects.count() == audits


def test_the_criterion_change_page_of_a_line_is_read_only_and_points_to_the_review(
    admin_client, line
):
    response = admin_client.get(f"{CRITERIA}{line.pk}/change/")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="rule"' not in page and 'name="patient_text"' not in page
    assert f"/admin/eligibility/linereview/{line.pk}/change/" in page


def test_a_line_criterion_cannot_be_deleted_in_the_criterion_admin(admin_client, line):
    assert admin_client.get(f"{CRITERIA}{line.pk}/delete/").status_code == 403
    assert admin_client.post(f"{CRITERIA}{line.pk}/delete/", {"post": "yes"}).status_code == 403
    response = admin_client.post(
        CRITERIA, {"action": "delete_selected", "_selected_action": [line.pk], "post": "yes"}
    )
    assert response.status_code == 403
    assert Criterion.objects.filter(pk=line.pk).exists()


def test_a_curated_criterion_is_still_edited_in_the_criterion_admin(admin_client, trial):
    curated = Criterion.objects.create(
        trial=trial, kind="inclusion", order=900, patient_text="Old words", rule=RULE
    )
    version = Trial.objects.get(pk=trial.pk).criteria_version

    response = admin_client.post(
        f"{CRITERIA}{curated.pk}/change/",
        criterion_form_data(curated, patient_text="New words"),
    )

    assert response.status_code == 302
    curated.refresh_from_db()
    assert curated.patient_text == "New words"
    assert Trial.objects.get(pk=trial.pk).criteria_version == version + 1


def test_a_new_criterion_cannot_be_made_a_registered_line_in_the_admin(admin_client, trial):
    count = trial.criteria.count()

    response = admin_client.post(
        f"{CRITERIA}add/",
        {
            "trial": trial.pk,
            "kind": "inclusion",
            "order": 901,
            "clinical_text": "A line nobody registered",
            "patient_text": "Anyone",
            "patient_text_es": "",
            "rule": json.dumps(RULE),
            "source": "line",
        },
    )

    assert response.status_code == 200  # the form again, with the error
    assert trial.criteria.count() == count


# --- the Trial admin's criteria inline ----------------------------------------------------


TRIAL = "/admin/finder/trial/{}/change/"
# A trial whose change form stays under DATA_UPLOAD_MAX_NUMBER_FIELDS (200): 6 sites.
SMALL = "NCT06441617"


@pytest.fixture
def small_line(trial):
    """A registered line of the small trial, its proposal accepted by a curator."""
    small = Trial.objects.get(nct_id=SMALL)
    line = small.criteria.filter(source="line", proposal_rule__isnull=False).first()
    criterion_proposal_accept(criterion=line, reviewer=Reviewer(label="curator"))
    line.refresh_from_db()
    return line


def posted(response) -> dict:
    """What submitting the rendered Trial change form posts: the trial's fields and every
    inline's rows and management form, as they were rendered."""
    data: dict = {}

    def add(form):
        for bound in form:
            value = bound.value()
            if value is None or value is False:
                continue
            if value is True:
                data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
            else:
                data[bound.html_name] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


def criteria_row(response, criterion) -> str:
    """The form prefix of ``criterion``'s row in the criteria inline."""
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.model is Criterion:
            for form in inline.formset.forms:
                if form.instance.pk == criterion.pk:
                    return form.prefix
    raise AssertionError(f"no inline row for criterion {criterion.pk}")


def test_the_trial_form_posted_back_as_rendered_changes_nothing(admin_client, small_line):
    trial = small_line.trial
    before = snapshot(small_line)
    page = admin_client.get(TRIAL.format(trial.pk))

    response = admin_client.post(TRIAL.format(trial.pk), posted(page))

    assert response.status_code == 302, response.context and [
        f.errors for i in response.context["inline_admin_formsets"] for f in i.formset.forms
    ]
    assert snapshot(small_line) == before
    assert Trial.objects.get(pk=trial.pk).criteria_version == trial.criteria_version


def test_the_trial_inline_cannot_change_or_delete_a_line_criterion(admin_client, small_line):
    trial = small_line.trial
    before = snapshot(small_line)
    audits = CriterionReview.objects.count()
    page = admin_client.get(TRIAL.format(trial.pk))
    data = posted(page)
    row = criteria_row(page, small_line)
    data.update(
        {
            f"{row}-rule": json.dumps(RULE),
            f"{row}-patient_text": "Anyone",
            f"{row}-patient_text_es": "Cualquiera",
            f"{row}-clinical_text": "Another line",
            f"{row}-source": "curated",
            f"{row}-DELETE": "on",
        }
    )

    response = admin_client.post(TRIAL.format(trial.pk), data)

    assert response.status_code == 302
    assert Criterion.objects.filter(pk=small_line.pk).exists()
    assert snapshot(small_line) == before
    assert Trial.objects.get(pk=trial.pk).criteria_version == trial.criteria_version
    assert CriterionReview.objects.count() == audits


def test_the_trial_page_shows_lines_read_only_beside_the_editable_criteria(
    admin_client, small_line
):
    page = admin_client.get(TRIAL.format(small_line.trial.pk))
    criteria = {
        i.formset.prefix: i.formset
        for i in page.context["inline_admin_formsets"]
        if i.formset.model is Criterion
    }
    lines = small_line.trial.criteria.filter(source="line")

    editable, read_only = criteria["criteria"], criteria["criteria-2"]
    assert not any(f.instance.source == "line" for f in editable.forms)
    assert {f.instance.pk for f in read_only.forms} == set(lines.values_list("pk", flat=True))
    assert not read_only.can_delete
    for form in read_only.forms:  # nothing but the row's id and its trial
        assert set(form.fields) == {"id", "trial"}
    assert f"/admin/eligibility/linereview/{small_line.pk}/change/" in page.content.decode()


def test_the_trial_inline_still_edits_a_curated_criterion(admin_client, small_line):
    trial = small_line.trial
    curated = Criterion.objects.create(
        trial=trial, kind="inclusion", order=900, patient_text="Old words", rule=RULE
    )
    version = Trial.objects.get(pk=trial.pk).criteria_version
    page = admin_client.get(TRIAL.format(trial.pk))
    data = posted(page)
    data[f"{criteria_row(page, curated)}-patient_text"] = "New words"

    response = admin_client.post(TRIAL.format(trial.pk), data)

    assert response.status_code == 302
    curated.refresh_from_db()
    assert curated.patient_text == "New words"
    assert Trial.objects.get(pk=trial.pk).criteria_version == version + 1


# --- who may decide in the review queue -------------------------------------------------------


def staff(django_user_model, client, *codenames):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("curator", password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    return client


def test_a_view_only_user_is_offered_no_decision_and_cannot_accept(
    client, django_user_model, trial
):
    viewer = staff(django_user_model, client, "view_linereview")
    edss = trial.criteria.get(clinical_text__startswith=EDSS)
    url = "/admin/eligibility/linereview/"

    listing = viewer.get(url)
    assert listing.status_code == 200
    assert "accept_selected" not in listing.content.decode()
    viewer.post(url, {"action": "accept_selected", "_selected_action": [edss.pk]})
    assert viewer.get(f"{url}{edss.pk}/change/").status_code == 200  # read-only
    assert viewer.post(f"{url}{edss.pk}/change/", {"decision": "reject"}).status_code == 403
    edss.refresh_from_db()
    assert edss.review_status == "pending"
    assert not CriterionReview.objects.exists()


def test_a_curator_with_change_linereview_accepts_and_is_audited(client, django_user_model, trial):
    curator = staff(django_user_model, client, "view_linereview", "change_linereview")
    edss = trial.criteria.get(clinical_text__startswith=EDSS)

    curator.post(
        "/admin/eligibility/linereview/",
        {"action": "accept_selected", "_selected_action": [edss.pk]},
    )

    edss.refresh_from_db()
    assert edss.review_status == "accepted"
    assert CriterionReview.objects.get(criterion=edss).actor_label == "curator"


def test_a_trial_with_registered_lines_or_audit_rows_is_not_deleted_in_the_admin(
    admin_client, review
):
    for trial in (review.trial, Trial.objects.get(nct_id=SMALL)):  # audited; lines only
        url = f"/admin/finder/trial/{trial.pk}/delete/"
        assert "Cannot delete trial" in admin_client.get(url).content.decode()
        # 403 for lines; the page again where audit rows protect the trial
        assert admin_client.post(url, {"post": "yes"}).status_code in (200, 403)
        assert Trial.objects.filter(pk=trial.pk).exists()
