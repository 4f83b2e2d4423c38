"""The screening session: a patient's answers and screenings, kept in the server-side session.

Answers are facts about the patient, not about a trial, so both questionnaires (one
trial, and "find trials for me") share one answer set: someone who checked one study and
then opens another is asked only what the second one still needs. The session also
remembers, per trial, the anonymous screening the patient's answers produced, which is
what a referral is made from (``referrals`` calls :func:`session_screening`). Nothing
here ever goes into a URL or a log.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest

from finder.models import Trial

from .models import Screening
from .services import ScreeningOutcome, answers_prepare, screening_evaluate

SESSION_ANSWERS = "answers"
SESSION_PATHS = "question_paths"
SESSION_SCREENINGS = "screenings"


class AnswerStore:
    """The patient's answers and the order questions were answered in, per questionnaire."""

    def __init__(self, request: HttpRequest, scope: str):
        self.session = request.session
        self.scope = scope

    @property
    def answers(self) -> dict[str, Any]:
        return dict(self.session.get(SESSION_ANSWERS, {}))

    @property
    def path(self) -> list[str]:
        return list(self.session.get(SESSION_PATHS, {}).get(self.scope, []))

    def save(self, key: str, value: Any) -> None:
        answers = self.answers
        answers[key] = value
        self.session[SESSION_ANSWERS] = answers
        paths = dict(self.session.get(SESSION_PATHS, {}))
        path = list(paths.get(self.scope, []))
        if key not in path:
            path.append(key)
        paths[self.scope] = path
        self.session[SESSION_PATHS] = paths

    def clear(self) -> None:
        for name in (SESSION_ANSWERS, SESSION_PATHS, SESSION_SCREENINGS):
            self.session.pop(name, None)


def screening_remember(
    request: HttpRequest, *, trial: Trial, answers: dict[str, Any], lang: str
) -> ScreeningOutcome:
    """Evaluate the answers; store one anonymous screening per trial and answer set.

    Reloading the page, or coming back to it, does not store the same screening twice.
    """
    fingerprint = hashlib.sha256(
        json.dumps([trial.criteria_version, answers], sort_keys=True).encode()
    ).hexdigest()[:32]
    remembered = dict(request.session.get(SESSION_SCREENINGS, {}))
    known = remembered.get(trial.nct_id)
    prepared = answers_prepare(answers=answers)
    if known and known[0] == fingerprint:
        screening = Screening.objects.filter(pk=known[1], trial=trial).first()
        if screening is not None:
            outcome = screening_evaluate(trial=trial, answers=prepared, lang=lang, save=False)
            return replace(outcome, screening=screening)
    outcome = screening_evaluate(trial=trial, answers=prepared, lang=lang, save=True)
    remembered[trial.nct_id] = [fingerprint, str(outcome.screening.pk)]
    request.session[SESSION_SCREENINGS] = remembered
    return outcome


def session_screening(request: HttpRequest, *, nct_id: str) -> Screening | None:
    """The patient's latest screening for the trial, as the questionnaire remembered it."""
    remembered = (request.session.get(SESSION_SCREENINGS) or {}).get(nct_id)
    screening_id = remembered[-1] if isinstance(remembered, list | tuple) else remembered
    if not screening_id:
        return None
    try:
        return Screening.objects.select_related("trial").get(pk=screening_id, trial__nct_id=nct_id)
    except (Screening.DoesNotExist, ValueError, TypeError, ValidationError):
        return None
