"""Anonymous screenings are kept only as long as a patient's session can need them.

Issue 21, item 3: every eligibility call wrote a screening with the patient's answers,
kept for ever. Now one that no referral points at is erased SCREENING_RETENTION_SECONDS
(SESSION_COOKIE_AGE unless set) after it was made, by an hourly task or by
``manage.py erase_expired_screenings``; a referred one never is.
"""

from __future__ import annotations

import io
import threading
from datetime import timedelta

import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.management import call_command
from django.db import connection, transaction
from django.test import RequestFactory
from django.utils import timezone

from config.celery import app
from eligibility.models import Screening, ScreeningReevaluation
from eligibility.services import screening_evaluate, screenings_erase_expired
from eligibility.session import screening_remember
from eligibility.tasks import screenings_erase_expired as erase_task
from referrals.audit import Actor
from referrals.services import ReferralRejected, referral_create_from_screening
from tests.factories import ELIGIBLE_ANSWERS, SiteFactory
from tests.referrals.conftest import CONTACT

HOUR = 3600


@pytest.fixture(autouse=True)
def _an_hour(settings):
    settings.SCREENING_RETENTION_SECONDS = HOUR


def screened(trial, *, seconds_ago: int = 0) -> Screening:
    screening = screening_evaluate(trial=trial, answers=ELIGIBLE_ANSWERS).screening
    Screening.objects.filter(pk=screening.pk).update(
        created_at=timezone.now() - timedelta(seconds=seconds_ago)
    )
    return screening


def referred(screening: Screening):
    site = SiteFactory(trial=screening.trial)
    return referral_create_from_screening(
        screening=screening, site=site, contact=CONTACT, consent=True, actor=Actor("patient")
    )


def test_the_retention_follows_the_session_age_by_default():
    from config import settings as configured

    assert configured.SCREENING_RETENTION_SECONDS == configured.SESSION_COOKIE_AGE


def test_an_anonymous_screening_is_erased_after_the_retention(care_ms_ii):
    old = screened(care_ms_ii, seconds_ago=HOUR + 1)
    assert erase_task.apply().get() == 1
    assert not Screening.objects.filter(pk=old.pk).exists()


def test_a_screening_is_kept_while_a_session_can_need_it(care_ms_ii):
    recent = screened(care_ms_ii, seconds_ago=HOUR - 60)
    assert screenings_erase_expired() == 0
    assert Screening.objects.filter(pk=recent.pk).exists()
    # An hour later it is due.
    assert screenings_erase_expired(now=timezone.now() + timedelta(minutes=2)) == 1


def test_a_screening_a_referral_points_at_is_never_erased(care_ms_ii):
    screening = screened(care_ms_ii)
    referral = referred(screening)
    Screening.objects.filter(pk=screening.pk).update(
        created_at=timezone.now() - timedelta(days=999)
    )
    assert screenings_erase_expired() == 0
    assert Screening.objects.get(pk=screening.pk).answers == referral.answers


def test_its_re_evaluations_go_with_it(care_ms_ii):
    old = screened(care_ms_ii, seconds_ago=HOUR + 1)
    ScreeningReevaluation.objects.create(
        screening=old,
        criteria_version=old.criteria_version + 1,
        previous_verdict=old.verdict,
        verdict=old.verdict,
        results=old.results,
        changed=False,
    )
    assert screenings_erase_expired() == 1
    assert not ScreeningReevaluation.objects.exists()


def test_it_erases_in_batches(care_ms_ii):
    for _ in range(5):
        screened(care_ms_ii, seconds_ago=HOUR + 1)
    kept = screened(care_ms_ii)
    assert screenings_erase_expired(batch_size=2) == 5
    assert list(Screening.objects.values_list("pk", flat=True)) == [kept.pk]


def test_the_command_erases_them_and_says_how_many(care_ms_ii):
    screened(care_ms_ii, seconds_ago=HOUR + 1)
    out = io.StringIO()
    call_command("erase_expired_screenings", stdout=out)
    assert out.getvalue().strip() == "Erased 1 anonymous screenings."
    assert not Screening.objects.exists()


def test_beat_runs_the_task_hourly(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["eligibility-erase-expired-screenings"]
    assert entry["task"] == "eligibility.tasks.screenings_erase_expired"
    assert entry["schedule"] == timedelta(hours=1)
    assert entry["task"] in app.tasks


def test_a_session_that_remembered_an_erased_screening_gets_a_fresh_one(care_ms_ii):
    request = RequestFactory().get("/")
    SessionMiddleware(lambda r: None).process_request(request)
    first = screening_remember(request, trial=care_ms_ii, answers=ELIGIBLE_ANSWERS, lang="en")
    Screening.objects.update(created_at=timezone.now() - timedelta(seconds=HOUR + 1))
    assert screenings_erase_expired() == 1

    again = screening_remember(request, trial=care_ms_ii, answers=ELIGIBLE_ANSWERS, lang="en")
    assert again.screening.pk != first.screening.pk
    assert again.verdict == first.verdict
    assert request.session["screenings"][care_ms_ii.nct_id][1] == str(again.screening.pk)


def test_an_erased_screening_cannot_be_referred(care_ms_ii):
    screening = screened(care_ms_ii, seconds_ago=HOUR + 1)
    assert screenings_erase_expired() == 1
    with pytest.raises(ReferralRejected) as caught:
        referred(screening)
    assert set(caught.value.errors) == {"screening"}


@pytest.mark.django_db(transaction=True)
def test_a_screening_being_referred_is_left_for_the_next_run(care_ms_ii):
    if connection.vendor != "postgresql":
        pytest.skip("needs row locks held by another transaction (PostgreSQL)")
    screening = screened(care_ms_ii, seconds_ago=HOUR + 1)
    locked, release = threading.Event(), threading.Event()

    def referral_in_progress():
        try:
            with transaction.atomic():
                Screening.objects.select_for_update().filter(pk=screening.pk).exists()
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    worker = threading.Thread(target=referral_in_progress)
    worker.start()
    try:
        assert locked.wait(timeout=30)
        assert screenings_erase_expired() == 0  # skipped, not waited for
    finally:
        release.set()
        worker.join(timeout=30)
    assert screenings_erase_expired() == 1
