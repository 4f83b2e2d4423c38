"""Audit gap 2: FHIR ``$match`` validates the Bundle's answers once.

The mapping's last guard (``_keep_valid_answers``) used to call the engine's
``validate_answers`` and ``$match`` then validated the same answers again with
``answers_prepare``. The guard now calls ``answers_prepare`` itself and keeps its result
as ``PatientAnswers.prepared``, which ``$match`` evaluates.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from rest_framework.test import APIClient

import eligibility.services
from eligibility.engine.facts import InvalidAnswers
from eligibility.services import Answers, answers_prepare
from fhir_api import mapping
from tests.api.conftest import care_ms_i, care_ms_ii, catalog  # noqa: F401
from tests.api.test_fhir_match import FHIR_JSON, URL, candidate_bundle

TODAY = date(2026, 6, 1)


def counting(monkeypatch, module, name: str) -> list[int]:
    calls: list[int] = []
    real = getattr(module, name)

    def wrapper(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


def test_the_mapping_keeps_the_answers_prepared_once(monkeypatch):
    calls = counting(monkeypatch, mapping, "answers_prepare")
    result = mapping.answers_from_bundle(candidate_bundle(), today=TODAY)
    assert calls == [1]
    assert isinstance(result.prepared, Answers)
    assert result.prepared == answers_prepare(
        answers=result.answers, today=TODAY, partial=result.partial
    )
    assert result.prepared.partial == result.partial != ()


def test_an_answer_left_out_is_not_in_the_prepared_answers(monkeypatch):
    real = mapping.answers_prepare
    refused = []

    def refuse_sex_once(*, answers, **kwargs):
        if "sex" in answers and not refused:
            refused.append(1)
            raise InvalidAnswers({"sex": "refused here"})
        return real(answers=answers, **kwargs)

    monkeypatch.setattr(mapping, "answers_prepare", refuse_sex_once)
    result = mapping.answers_from_bundle(candidate_bundle(), today=TODAY)
    assert "sex" not in result.answers
    assert "sex" not in result.prepared.clean
    assert any("sex left out: refused here." in n.diagnostics for n in result.notes)


def test_answers_still_refused_after_three_rounds_raise(monkeypatch):
    def always(**_kwargs):
        raise InvalidAnswers({"nothing_sent": "still refused"})

    monkeypatch.setattr(mapping, "answers_prepare", always)
    with pytest.raises(InvalidAnswers):
        mapping.answers_from_bundle(candidate_bundle(), today=TODAY)


@pytest.mark.usefixtures("catalog")
def test_a_match_validates_the_answers_once(monkeypatch):
    calls = counting(monkeypatch, eligibility.services, "validate_answers")
    response = APIClient().post(URL, json.dumps(candidate_bundle()), content_type=FHIR_JSON)
    assert response.status_code == 200, response.content
    assert calls == [1]
