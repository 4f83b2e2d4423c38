"""Audit gap 1: the referral's invalid-answer fields come from the one map in config.api.

referrals/services.py used to retype the ``answers.<key>`` prefix; it now takes the paths
from :func:`config.api.invalid_answers_errors` and only redacts the messages.
"""

from __future__ import annotations

from config.api import invalid_answers_errors
from eligibility.engine.facts import InvalidAnswers
from eligibility.services import answers_prepare
from referrals.services import ANSWER_INVALID, answer_errors
from tests.referrals.conftest import CONTACT, ELIGIBLE_ANSWERS

URL = "/api/v1/referrals/"
BAD = {**ELIGIBLE_ANSWERS, "ms_course": "Qz7xMarker", "edss": 2.3}


def test_a_referral_with_a_bad_answer_gets_the_same_400_field_names(
    client,
    partner_key,
    site,
    django_capture_on_commit_callbacks,
):
    _partner, raw = partner_key
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            URL,
            {
                "trial": site.trial.nct_id,
                "site": site.pk,
                "answers": BAD,
                "contact": CONTACT,
                "consent": True,
            },
            content_type="application/json",
            headers={"Authorization": f"Api-Key {raw}"},
        )
    assert response.status_code == 400
    fields = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert set(fields) == {"answers.ms_course", "answers.edss"}
    try:
        answers_prepare(answers=BAD)
    except InvalidAnswers as exc:
        assert set(fields) == set(invalid_answers_errors(exc))
    else:  # pragma: no cover - the answers above are invalid
        raise AssertionError("answers_prepare accepted invalid answers")
    assert fields["answers.ms_course"] == ANSWER_INVALID
    assert fields["answers.edss"] == "must be a multiple of 0.5"


def test_the_paths_are_config_apis_and_only_the_messages_are_redacted():
    exc = InvalidAnswers({"answers": "must be an object", "edss": "got 7 (Qz7x)"})
    found = answer_errors(exc, answers={"edss": 7})
    assert list(found) == list(invalid_answers_errors(exc)) == ["answers", "answers.edss"]
    assert found == {"answers": "must be an object", "answers.edss": ANSWER_INVALID}
