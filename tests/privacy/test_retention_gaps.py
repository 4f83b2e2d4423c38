"""Issue 21, health answers protected: what the retention jobs leave behind, closed.

1. The referrals' retention job erased a closed referral's contact details and notes but
   kept the patient's answers (the full birth date among them) on the referral's frozen
   copy, on its screening, and quoted in the results of both and of the screening's
   re-evaluations. It now erases them at the same moment, keeping only the criteria and
   whether each was checked (the queue's counts), the verdict and the status.
2. Expired ``django_session`` rows (a patient's answers, in clear) were never deleted:
   an hourly beat task now runs the session engine's ``clear_expired``.
"""

from __future__ import annotations

import importlib
import json
from datetime import timedelta

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from config.celery import app
from eligibility.models import Screening, ScreeningReevaluation
from eligibility.services import screening_evaluate, screenings_reevaluate_for_trial
from eligibility.tasks import sessions_clear_expired
from referrals.audit import Actor
from referrals.display import criteria_counts
from referrals.models import AuditEvent, Referral, Status
from referrals.services import (
    referral_create,
    referral_create_from_screening,
    referral_note_add,
    referral_status_change,
)
from referrals.tasks import referral_contacts_erase_expired
from tests.factories import ELIGIBLE_ANSWERS, SiteFactory, TrialFactory, load_ruleset
from tests.referrals.conftest import CONTACT
from tests.referrals.factories import ClinicianProfileFactory, SiteMembershipFactory

BIRTH_DATE = "1990-05-17"
#: The CARE-MS II candidate, with a full birth date instead of an age.
ANSWERS = {**{k: v for k, v in ELIGIBLE_ANSWERS.items() if k != "age"}, "birth_date": BIRTH_DATE}
CLINICIAN = {"name": "Dr Rosa Whitfield", "email": "r.whitfield@example.org", "phone": ""}


@pytest.fixture
def care_ms_ii(db):
    from eligibility.services import criteria_replace

    trial = TrialFactory(nct_id="NCT00548405", acronym="CARE-MS II")
    criteria_replace(trial=trial, criteria=load_ruleset("NCT00548405"), source="curated")
    trial.refresh_from_db()
    return trial


@pytest.fixture
def site(care_ms_ii):
    return SiteFactory(trial=care_ms_ii)


def patient_referral(site) -> Referral:
    screening = screening_evaluate(trial=site.trial, answers=ANSWERS).screening
    return referral_create_from_screening(
        screening=screening, site=site, contact=CONTACT, consent=True, actor=Actor("patient")
    )


def clinician_referral(site) -> Referral:
    profile = ClinicianProfileFactory(organisation="Whitfield Neurology Practice")
    return referral_create(
        trial=site.trial,
        site=site,
        answers=ANSWERS,
        contact=CONTACT,
        clinician=CLINICIAN,
        consent=True,
        channel="clinician",
        actor=Actor(label=profile.user.username, user=profile.user),
    )


def closed(referral: Referral, *, days_ago: int) -> Referral:
    referral_status_change(referral=referral, to_status=Status.DECLINED, actor=Actor("c"))
    Referral.objects.filter(pk=referral.pk).update(
        closed_at=timezone.now() - timedelta(days=days_ago)
    )
    return referral


def reevaluated(screening: Screening) -> ScreeningReevaluation:
    return ScreeningReevaluation.objects.create(
        screening=screening,
        criteria_version=screening.criteria_version + 1,
        previous_verdict=screening.verdict,
        verdict=screening.verdict,
        results=screening.results,
        changed=False,
    )


def quotes_the_patient(value) -> bool:
    """Whether stored JSON holds any answer or anything the evaluator made of one."""
    text = json.dumps(value)
    if BIRTH_DATE in text or "birth_date" in text:
        return True
    rows = value if isinstance(value, list) else []
    return any(
        row.get("facts_used") or row.get("explanation") or row.get("status") in {"pass", "fail"}
        for row in rows
    )


# --- 1. a referral's health answers go with its contact details -------------------------------


def test_the_retention_job_erases_the_answers_everywhere_they_were_copied(site, settings):
    settings.REFERRAL_RETENTION_DAYS = 30
    referral = patient_referral(site)
    reevaluation = reevaluated(referral.screening)
    referral_note_add(referral=referral, note="Born 17 May, call mornings", actor=Actor("c"))
    closed(referral, days_ago=31)
    # Before: the birth date is on the referral, its screening and the re-evaluation.
    assert referral.answers["birth_date"] == BIRTH_DATE
    assert referral.screening.answers["birth_date"] == BIRTH_DATE
    assert quotes_the_patient(referral.results)
    counts_before = criteria_counts(referral.results)

    assert referral_contacts_erase_expired.apply().get() == 1

    fresh = Referral.objects.get(pk=referral.pk)
    screening = Screening.objects.get(pk=referral.screening_id)
    again = ScreeningReevaluation.objects.get(pk=reevaluation.pk)
    assert fresh.answers == {} and screening.answers == {}
    for results in (fresh.results, screening.results, again.results):
        assert results and not quotes_the_patient(results)
        # What the counts need stays: every criterion, and whether it was checked.
        assert criteria_counts(results) == counts_before
        assert {row["status"] for row in results} <= {"erased", "not_checked"}
    assert [row["id"] for row in fresh.results] == [row["id"] for row in referral.results]
    # The contact details and notes go at the same moment, as before.
    assert (fresh.contact_name, fresh.contact_email, fresh.contact_phone) == ("", "", "")
    assert set(fresh.activities.values_list("note", flat=True)) == {""}
    # Kept for the site's numbers and the audit, none of it the patient's.
    assert (fresh.status, fresh.verdict, fresh.trial_id, fresh.site_id) == (
        "declined",
        "eligible",
        referral.trial_id,
        referral.site_id,
    )
    assert (screening.verdict, again.verdict, again.previous_verdict) == ("eligible",) * 3
    assert (fresh.criteria_version, fresh.evaluated_on) == (
        referral.criteria_version,
        referral.evaluated_on,
    )
    assert AuditEvent.objects.filter(action="erase", referral=referral).count() == 1
    assert referral_contacts_erase_expired.apply().get() == 0  # once


def test_a_clinicians_details_and_organisation_go_too(site, settings):
    settings.REFERRAL_RETENTION_DAYS = 1
    referral = closed(clinician_referral(site), days_ago=2)
    assert referral.clinician_organisation == "Whitfield Neurology Practice"
    assert referral_contacts_erase_expired() == 1
    fresh = Referral.objects.get(pk=referral.pk)
    assert (fresh.clinician_name, fresh.clinician_email, fresh.clinician_organisation) == (
        "",
        "",
        "",
    )
    assert fresh.answers == {} and Screening.objects.get(pk=fresh.screening_id).answers == {}


def test_answers_are_kept_until_the_period_has_passed_and_while_open(site, settings):
    """While open at a site with a team (one no team took up: REFERRAL_UNCLAIMED_RETENTION_DAYS,
    tests/referrals/test_privacy_gaps.py)."""
    from tests.referrals.factories import SiteMembershipFactory

    SiteMembershipFactory(site=site)
    settings.REFERRAL_RETENTION_DAYS = 30
    recent = closed(patient_referral(site), days_ago=29)
    still_open = patient_referral(site)
    Referral.objects.filter(pk=still_open.pk).update(
        created_at=timezone.now() - timedelta(days=999)
    )
    assert referral_contacts_erase_expired() == 0
    for referral in (recent, still_open):
        assert Referral.objects.get(pk=referral.pk).answers["birth_date"] == BIRTH_DATE
        assert Screening.objects.get(pk=referral.screening_id).answers["birth_date"] == BIRTH_DATE


def test_an_erased_referral_is_not_re_evaluated(site, settings):
    """Its answers are gone: re-running them would be a verdict about nobody."""
    settings.REFERRAL_RETENTION_DAYS = 1
    erased = closed(patient_referral(site), days_ago=2)
    kept = patient_referral(site)
    referral_contacts_erase_expired()
    screenings_reevaluate_for_trial(trial_id=site.trial_id)
    assert not ScreeningReevaluation.objects.filter(screening_id=erased.screening_id).exists()
    assert ScreeningReevaluation.objects.filter(screening_id=kept.screening_id).exists()


def test_an_erased_referrals_page_shows_no_answer(client, site, settings):
    settings.REFERRAL_RETENTION_DAYS = 1
    referral = closed(patient_referral(site), days_ago=2)
    referral_contacts_erase_expired()
    client.force_login(SiteMembershipFactory(site=site).user)
    response = client.get(f"/team/referrals/{referral.reference}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "were erased" in page
    assert "1990" not in page and CONTACT["name"] not in page
    # No verdict "under today's criteria" from answers that are gone.
    assert "Under today&#x27;s criteria" not in page and "is different now" not in page


def test_the_migration_erases_the_answers_of_referrals_erased_before(site):
    """Referrals erased by the old job kept their answers: the data migration drops them."""
    old = patient_referral(site)
    reevaluation = reevaluated(old.screening)
    Referral.objects.filter(pk=old.pk).update(contact_name="", contact_erased_at=timezone.now())
    untouched = patient_referral(site)
    migration = importlib.import_module("referrals.migrations.0008_erased_referrals_lose_answers")

    migration.erase_answers(apps, None)

    fresh = Referral.objects.get(pk=old.pk)
    assert fresh.answers == {} and not quotes_the_patient(fresh.results)
    assert Screening.objects.get(pk=old.screening_id).answers == {}
    assert not quotes_the_patient(ScreeningReevaluation.objects.get(pk=reevaluation.pk).results)
    assert Referral.objects.get(pk=untouched.pk).answers == untouched.answers


# --- 2. expired sessions are deleted ------------------------------------------------------


def session_with_answers(*, expires_in: timedelta) -> str:
    engine = importlib.import_module(settings.SESSION_ENGINE)
    store = engine.SessionStore()
    store["answers"] = ANSWERS
    store.create()
    store.save()
    Session.objects.filter(pk=store.session_key).update(expire_date=timezone.now() + expires_in)
    return store.session_key


def test_expired_sessions_are_deleted_and_live_ones_kept(db):
    expired = session_with_answers(expires_in=-timedelta(seconds=1))
    live = session_with_answers(expires_in=timedelta(hours=1))
    sessions_clear_expired.apply().get()
    assert not Session.objects.filter(pk=expired).exists()
    assert Session.objects.filter(pk=live).exists()
    engine = importlib.import_module(settings.SESSION_ENGINE)
    assert engine.SessionStore(session_key=live)["answers"]["birth_date"] == BIRTH_DATE


def test_the_session_task_is_scheduled_hourly_next_to_the_retention_jobs():
    schedule = settings.CELERY_BEAT_SCHEDULE
    entry = schedule["sessions-clear-expired"]
    assert entry["task"] == "eligibility.tasks.sessions_clear_expired"
    assert entry["schedule"] == timedelta(hours=1)
    assert entry["task"] in app.tasks
    assert "referrals-erase-expired-contacts" in schedule


@pytest.mark.django_db(transaction=True)
def test_beat_writes_the_session_task_to_its_database_schedule():
    """Transactional, as beat runs (see tests/watches/test_schedule_and_command.py)."""
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    DatabaseScheduler(app=app)  # what beat does on start
    tasks = dict(PeriodicTask.objects.values_list("name", "task"))
    assert tasks["sessions-clear-expired"] == "eligibility.tasks.sessions_clear_expired"
    assert tasks["referrals-erase-expired-contacts"] == (
        "referrals.tasks.referral_contacts_erase_expired"
    )
