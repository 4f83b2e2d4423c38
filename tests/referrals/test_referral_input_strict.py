"""POST /api/v1/referrals/ takes exactly what it documents, and its errors repeat nothing sent.

Issue 21, item 2: unknown fields were dropped silently, ``"answers": {}`` made a referral,
and 400s echoed submitted values (an unknown treatment code, a relapse count, the age a
birth date gives).
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from eligibility.models import Screening
from referrals.audit import Actor
from referrals.models import Referral
from referrals.services import ANSWER_INVALID, ReferralRejected, referral_create_from_screening
from tests.referrals.conftest import CONTACT, ELIGIBLE_ANSWERS

URL = "/api/v1/referrals/"
#: A value no message of ours contains, so finding it in a response means it was echoed.
MARKER = "Qz7xMarker"


def body(target, **overrides):
    data = {
        "trial": target.trial.nct_id,
        "site": target.pk,
        "answers": ELIGIBLE_ANSWERS,
        "contact": CONTACT,
        "consent": True,
    }
    data.update(overrides)
    return data


@pytest.fixture
def post(client, partner_key, django_capture_on_commit_callbacks):
    _partner, raw = partner_key

    def do(data, **headers):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                URL,
                data,
                content_type="application/json",
                headers={"Authorization": f"Api-Key {raw}", **headers},
            )

    return do


def errors(response) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def everything_said(response) -> str:
    """The body and every header of the response (its length aside), as one text."""
    headers = "\n".join(
        f"{name}: {value}" for name, value in response.items() if name != "Content-Length"
    )
    return f"{headers}\n{response.content.decode()}"


def test_it_refuses_an_unknown_top_level_field_by_name(post, site):
    response = post(body(site, notes="call after six"))
    assert response.status_code == 400
    assert set(errors(response)) == {"notes"}
    assert "call after six" not in response.content.decode()
    assert not Referral.objects.exists()


def test_it_refuses_an_unknown_contact_field_by_name(post, site):
    response = post(body(site, contact={**CONTACT, "ssn": "078-05-1120"}))
    assert response.status_code == 400
    assert set(errors(response)) == {"contact.ssn"}
    assert "078-05-1120" not in response.content.decode()
    assert not Referral.objects.exists()


def test_it_names_every_unknown_field(post, site):
    response = post(body(site, notes="x", priority="high"))
    assert set(errors(response)) == {"notes", "priority"}


def test_it_refuses_a_referral_with_no_answers_at_all(post, site):
    response = post(body(site, answers={}))
    assert response.status_code == 400
    assert set(errors(response)) == {"answers"}
    assert "no answers" in errors(response)["answers"]
    assert not Referral.objects.exists()
    assert not Screening.objects.exists()  # nothing stored for a refused request


def test_answers_that_are_all_null_are_no_answers(post, site):
    response = post(body(site, answers={"edss": None, "age": None}))
    assert response.status_code == 400
    assert set(errors(response)) == {"answers"}
    assert not Referral.objects.exists()


def test_one_answer_is_enough_to_be_judged(post, site):
    # Not "no answers": the verdict decides (an age alone leaves the rest unknown).
    response = post(body(site, answers={"age": 34}))
    assert response.status_code == 201
    assert response.json()["verdict"] == "possibly_eligible"


def test_a_patient_screening_with_no_answers_is_not_referred(site):
    screening = Screening.objects.create(
        trial=site.trial,
        answers={},
        results=[],
        verdict="possibly_eligible",
        criteria_version=site.trial.criteria_version,
        evaluated_on=timezone.localdate(),
    )
    with pytest.raises(ReferralRejected) as caught:
        referral_create_from_screening(
            screening=screening, site=site, contact=CONTACT, consent=True, actor=Actor("patient")
        )
    assert set(caught.value.errors) == {"answers"}


def test_a_message_that_repeats_nothing_is_kept(post, site):
    response = post(body(site, answers={**ELIGIBLE_ANSWERS, "edss": 2.3}))
    assert errors(response) == {"answers.edss": "must be a multiple of 0.5"}


def _dated(days_ago: int) -> str:
    return (timezone.localdate() - timedelta(days=days_ago)).isoformat()


#: (request field, the value sent there, the overrides that send it). Every one is
#: refused except a marker name, which is a valid name (and never comes back either).
MARKED = [
    ("trial", MARKER, {"trial": MARKER}),
    ("site", MARKER, {"site": MARKER}),
    ("consent", MARKER, {"consent": MARKER}),
    ("contact.name", MARKER, {"contact": {**CONTACT, "name": MARKER}}),
    ("contact.name", MARKER, {"contact": {**CONTACT, "name": MARKER * 30}}),
    ("contact.email", MARKER, {"contact": {**CONTACT, "email": f"{MARKER}@@example"}}),
    ("contact.phone", MARKER, {"contact": {**CONTACT, "phone": f"+1 {MARKER}"}}),
    ("contact", MARKER, {"contact": MARKER}),
    ("answers", MARKER, {"answers": MARKER}),
    ("answers.ms_course", MARKER, {"answers": {**ELIGIBLE_ANSWERS, "ms_course": MARKER}}),
    ("answers.edss", MARKER, {"answers": {**ELIGIBLE_ANSWERS, "edss": MARKER}}),
    (
        "answers.treatments_ever",
        MARKER,
        {"answers": {**ELIGIBLE_ANSWERS, "treatments_ever": ["interferon_beta", MARKER]}},
    ),
    (
        "answers.treatment_history",
        MARKER,
        {"answers": {"treatment_history": {MARKER: "current"}}},
    ),
    (
        "answers.treatment_history",
        MARKER,
        {"answers": {"treatment_history": {"natalizumab": MARKER}}},
    ),
    ("answers.last_relapse", MARKER, {"answers": {"last_relapse": MARKER}}),
    ("answers.last_relapse", "2019-13", {"answers": {"last_relapse": "2019-13"}}),
    ("answers.unknown_key", MARKER, {"answers": {"unknown_key": MARKER}}),
    # Cross-field contradictions quote the other answer, or a value worked out from it.
    (
        "answers.last_relapse",
        "37",
        {"answers": {"last_relapse": "never", "relapses_last_12_months": 37}},
    ),
    ("answers.age", "1950", {"answers": {"birth_date": "1950-03-17", "age": 34}}),
    ("answers.age", "76", {"answers": {"birth_date": "1950-03-17", "age": 34}}),
    (
        "answers.last_relapse",
        "4321",
        {"answers": {"last_relapse": _dated(1000), "days_since_last_relapse": 4321}},
    ),
    (
        "answers.last_relapse",
        "1000",
        {"answers": {"last_relapse": _dated(1000), "days_since_last_relapse": 4321}},
    ),
]


@pytest.mark.parametrize(
    ("field", "sent", "overrides"), MARKED, ids=[f"{f}={s}" for f, s, _ in MARKED]
)
def test_no_error_repeats_a_value_sent(post, site, field, sent, overrides):
    response = post(body(site, **overrides))
    said = everything_said(response)
    assert sent not in said
    if response.status_code != 201:
        assert response.status_code == 400
        assert errors(response)  # the field is still named
        assert field in errors(response) or field.startswith("contact.name")


def test_a_request_with_a_marker_in_every_field_gets_none_back(post, site):
    response = post(
        {
            "trial": MARKER,
            "site": MARKER,
            "answers": {"ms_course": MARKER, "treatments_ever": [MARKER], "edss": MARKER},
            "contact": {"name": MARKER, "email": MARKER, "phone": MARKER, MARKER: MARKER},
            "consent": MARKER,
            "notes": MARKER,
        },
        **{"Idempotency-Key": f"{MARKER} {MARKER}"},
    )
    assert response.status_code == 400
    assert MARKER not in everything_said(response).replace(f'"contact.{MARKER}"', "")


def test_the_answer_errors_name_every_key_without_values(post, site):
    answers = {
        **ELIGIBLE_ANSWERS,
        "ms_course": MARKER,
        "treatments_ever": [MARKER],
        "edss": 2.3,
    }
    response = post(body(site, answers=answers))
    found = errors(response)
    assert set(found) == {"answers.ms_course", "answers.treatments_ever", "answers.edss"}
    assert found["answers.ms_course"] == ANSWER_INVALID
    assert found["answers.edss"] == "must be a multiple of 0.5"
    assert MARKER not in json.dumps(response.json())
