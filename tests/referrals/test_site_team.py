"""The site team's queue, a referral's page, the status workflow, notes and the export."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from eligibility.models import CriterionSource
from eligibility.services import criteria_replace
from referrals.audit import Actor
from referrals.models import TRANSITIONS, AuditEvent, Referral, Status
from referrals.services import ReferralRejected, referral_status_change
from tests.referrals.conftest import CONTACT, POSSIBLY_ELIGIBLE_ANSWERS
from tests.referrals.factories import referral_for


@pytest.fixture
def signed_in(client, coordinator):
    client.force_login(coordinator)
    return client


def detail_url(referral):
    return reverse("team_referral_detail", args=[referral.reference])


def test_queue_lists_only_the_users_sites_newest_first(
    signed_in, site, other_site, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        older = referral_for(site=site)
        newer = referral_for(site=site)
        elsewhere = referral_for(site=other_site)
    Referral.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=2))
    page = signed_in.get(reverse("team_referral_queue")).content.decode()
    assert newer.reference in page and older.reference in page
    assert page.index(newer.reference) < page.index(older.reference)
    assert elsewhere.reference not in page


def test_queue_shows_no_contact_details(signed_in, referral):
    page = signed_in.get(reverse("team_referral_queue")).content.decode()
    assert referral.reference in page
    assert CONTACT["name"] not in page and CONTACT["email"] not in page


def test_queue_filters_by_status(signed_in, site, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        fresh = referral_for(site=site)
        worked = referral_for(site=site)
    referral_status_change(referral=worked, to_status=Status.CONTACTED, actor=Actor("t"))
    page = signed_in.get(reverse("team_referral_queue"), {"status": "contacted"}).content.decode()
    assert worked.reference in page and fresh.reference not in page


def test_queue_filters_by_trial(signed_in, coordinator, site, django_capture_on_commit_callbacks):
    from tests.factories import SiteFactory
    from tests.referrals.factories import SiteMembershipFactory

    second_trial_site = SiteFactory()
    SiteMembershipFactory(site=second_trial_site, user=coordinator)
    # The second trial has no criteria: every screening is eligible there.
    with django_capture_on_commit_callbacks(execute=True):
        first = referral_for(site=site)
        second = referral_for(site=second_trial_site, answers={"age": 40})
    url = reverse("team_referral_queue")
    page = signed_in.get(url, {"trial": second_trial_site.trial_id}).content.decode()
    assert second.reference in page and first.reference not in page


def test_queue_ignores_a_bad_filter(signed_in, referral):
    response = signed_in.get(reverse("team_referral_queue"), {"status": "bogus", "trial": "x"})
    assert response.status_code == 200
    assert referral.reference in response.content.decode()


def test_referral_page_shows_contact_answers_and_verdicts(signed_in, referral):
    page = signed_in.get(detail_url(referral)).content.decode()
    assert CONTACT["name"] in page and CONTACT["email"] in page and "+16505550142" in page
    assert "How many MS attacks (relapses) have you had in the past 12 months?" in page
    assert "Under today's criteria" in page
    assert "verdict-label--eligible" in page
    assert "The trial's criteria changed" not in page


def test_referral_page_shows_the_verdict_under_changed_criteria(signed_in, referral, trial):
    items = [
        {"kind": "inclusion", "order": 1, "patient_text": "People aged 18 to 30",
         "rule": {"fact": "age", "op": "between", "value": [18, 30]}},
    ]  # fmt: skip
    criteria_replace(trial=trial, criteria=items, source=CriterionSource.CURATED)
    response = signed_in.get(detail_url(referral))
    page = response.content.decode()
    assert response.context["current"].verdict == "ineligible"
    assert response.context["referral"].verdict == "eligible"
    assert "The trial's criteria changed" in page
    # The frozen copy did not move.
    referral.refresh_from_db()
    assert referral.verdict == "eligible" and len(referral.results) == 12


def test_viewing_a_referral_is_audited_with_who_and_where(signed_in, coordinator, referral):
    signed_in.get(detail_url(referral), REMOTE_ADDR="198.51.100.23")
    event = AuditEvent.objects.filter(action="view").get()
    assert (event.actor, event.referral, event.ip_address) == (
        coordinator,
        referral,
        "198.51.100.23",
    )
    assert event.at is not None


def test_coordinator_works_a_referral_from_new_to_enrolled(signed_in, referral):
    url = reverse("team_referral_status", args=[referral.reference])
    for status in ("contacted", "visit_booked", "enrolled"):
        response = signed_in.post(url, {"status": status, "note": f"now {status}"})
        assert response.status_code == 302, response.content
    referral.refresh_from_db()
    assert referral.status == Status.ENROLLED
    assert referral.closed_at is not None
    timeline = list(referral.activities.values_list("from_status", "to_status", "note"))
    assert timeline == [
        ("", "new", ""),
        ("new", "contacted", "now contacted"),
        ("contacted", "visit_booked", "now visit_booked"),
        ("visit_booked", "enrolled", "now enrolled"),
    ]
    assert AuditEvent.objects.filter(action="status", referral=referral).count() == 3


def test_it_refuses_a_transition_the_workflow_does_not_allow(signed_in, referral):
    url = reverse("team_referral_status", args=[referral.reference])
    response = signed_in.post(url, {"status": "enrolled"})
    assert response.status_code == 400
    referral.refresh_from_db()
    assert referral.status == Status.NEW


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (Status.NEW, Status.ENROLLED),
        (Status.NEW, Status.VISIT_BOOKED),
        (Status.CONTACTED, Status.NEW),
        (Status.ENROLLED, Status.CONTACTED),
        (Status.DECLINED, Status.CONTACTED),
        (Status.COULD_NOT_REACH, Status.NEW),
        (Status.NOT_ELIGIBLE, Status.ENROLLED),
    ],
)
def test_service_refuses_disallowed_transitions(referral, start, target):
    Referral.objects.filter(pk=referral.pk).update(status=start)
    with pytest.raises(ReferralRejected) as caught:
        referral_status_change(referral=referral, to_status=target, actor=Actor("t"))
    assert set(caught.value.errors) == {"status"}


@pytest.mark.parametrize("target", [Status.NOT_ELIGIBLE, Status.DECLINED, Status.COULD_NOT_REACH])
def test_closing_states_close_the_referral_from_any_open_state(referral, target):
    referral_status_change(referral=referral, to_status=target, actor=Actor("t"))
    referral.refresh_from_db()
    assert referral.is_final and referral.closed_at is not None
    assert TRANSITIONS[referral.status] == ()


def test_a_note_is_added_and_encrypted(signed_in, referral):
    url = reverse("team_referral_note", args=[referral.reference])
    response = signed_in.post(url, {"note": "Prefers calls after 5pm"})
    assert response.status_code == 302
    assert "Prefers calls after 5pm" in signed_in.get(detail_url(referral)).content.decode()
    assert AuditEvent.objects.filter(action="note", referral=referral).exists()


def test_an_empty_note_is_refused(signed_in, referral):
    url = reverse("team_referral_note", args=[referral.reference])
    assert signed_in.post(url, {"note": "   "}).status_code == 400


def test_export_is_scoped_audited_and_spreadsheet_safe(
    signed_in, site, other_site, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        mine = referral_for(site=site, contact={"name": "=HYPERLINK(1)", "email": "x@example.org"})
        theirs = referral_for(site=other_site)
    response = signed_in.get(reverse("team_referral_export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["reference"] for r in rows] == [mine.reference]
    assert rows[0]["name"] == "'=HYPERLINK(1)"
    event = AuditEvent.objects.get(action="export")
    assert event.detail["references"] == [mine.reference]
    assert theirs.reference not in response.content.decode()


def test_status_change_is_possibly_eligible_safe(
    signed_in, site, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        referral = referral_for(site=site, answers=POSSIBLY_ELIGIBLE_ANSWERS)
    page = signed_in.get(detail_url(referral)).content.decode()
    assert "verdict-label--possibly_eligible" in page
