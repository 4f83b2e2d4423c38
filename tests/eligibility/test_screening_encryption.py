"""Health answers are encrypted at rest: screenings, re-evaluations and referrals.

Issue 21, item 3: diagnosis, EDSS, treatments and full birth dates were stored in clear
in every ``eligibility_screening`` row (which every anonymous eligibility call writes)
and in ``referrals_referral.answers``. The raw rows are read with SQL past the model
fields, on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError
from django.db import connection
from django.db.models import F, UUIDField

from eligibility.models import Screening, ScreeningReevaluation
from eligibility.services import screenings_reevaluate_for_trial
from finder.models import Trial
from privacy import crypto
from privacy.services import encrypted_fields, encryption_keys_rotate
from referrals.models import Referral
from tests.factories import ELIGIBLE_ANSWERS, SiteFactory

ROOT = Path(__file__).resolve().parents[2]
BIRTH_DATE = "1961-07-23"
#: A patient of 65 with a full birth date: too old for CARE-MS II, whatever the day.
ANSWERS = {
    **{k: v for k, v in ELIGIBLE_ANSWERS.items() if k != "age"},
    "birth_date": BIRTH_DATE,
}
#: What must never be readable in a stored row.
IN_CLEAR = (BIRTH_DATE, "relapsing_remitting", "interferon_beta", '"edss"', "2.5")


def raw_row(model, pk) -> dict[str, object]:
    """The row as the database holds it (tokens stay tokens)."""
    table = connection.ops.quote_name(model._meta.db_table)
    pk_column = connection.ops.quote_name(model._meta.pk.column)
    columns = [f.column for f in model._meta.concrete_fields]
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    if isinstance(model._meta.pk, UUIDField) and connection.vendor == "sqlite":
        pk = uuid.UUID(str(pk)).hex  # how SQLite stores a UUID
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quoted} FROM {table} WHERE {pk_column} = %s", [pk])  # noqa: S608
        row = cursor.fetchone()
    assert row is not None
    return dict(zip(columns, row, strict=True))


def assert_nothing_in_clear(row: dict[str, object], *columns: str) -> None:
    text = repr(row)
    for secret in IN_CLEAR:
        assert secret not in text, secret
    for column in columns:
        assert isinstance(row[column], str) and row[column].startswith("gAAAAA"), column


@pytest.fixture
def screening_id(client, care_ms_ii):
    """An anonymous eligibility call, as any caller makes it (it stores a screening)."""
    response = client.post(
        f"/api/v1/trials/{care_ms_ii.nct_id}/eligibility/",
        {"answers": ANSWERS},
        content_type="application/json",
    )
    assert response.status_code == 200
    return response.json()["screening_id"]


@pytest.fixture
def referral(care_ms_ii):
    from referrals.audit import Actor
    from referrals.services import referral_create
    from tests.referrals.conftest import CONTACT

    site = SiteFactory(trial=care_ms_ii)
    answers = {**ANSWERS, "birth_date": "1991-07-23"}  # 35: eligible
    return referral_create(
        trial=care_ms_ii,
        site=site,
        answers=answers,
        contact=CONTACT,
        consent=True,
        actor=Actor("partner"),
    )


def test_an_anonymous_screening_holds_no_answer_in_clear(screening_id):
    screening = Screening.objects.get(pk=screening_id)
    assert_nothing_in_clear(raw_row(Screening, screening.pk), "answers", "results")


def test_it_reads_back_every_answer_and_the_full_birth_date(screening_id):
    screening = Screening.objects.get(pk=screening_id)
    assert screening.answers["birth_date"] == BIRTH_DATE  # kept in full, for re-evaluation
    assert screening.answers["treatments_ever"] == ["interferon_beta"]
    stored = raw_row(Screening, screening.pk)
    assert crypto.decrypt(stored["answers"]).startswith("{")
    assert screening.verdict == "ineligible"
    assert any(r["status"] == "fail" for r in screening.results)


def test_a_referral_and_its_screening_hold_no_answer_in_clear(referral):
    referral_row = raw_row(Referral, referral.pk)
    assert_nothing_in_clear(referral_row, "answers", "results")
    assert "1991-07-23" not in repr(referral_row)
    screening_row = raw_row(Screening, referral.screening_id)
    assert_nothing_in_clear(screening_row, "answers", "results")
    fresh = Referral.objects.get(pk=referral.pk)
    assert fresh.answers["birth_date"] == "1991-07-23"
    assert fresh.results == fresh.screening.results


def test_a_re_evaluation_holds_no_result_in_clear(referral):
    trial = referral.trial
    Trial.objects.filter(pk=trial.pk).update(criteria_version=F("criteria_version") + 1)
    screenings_reevaluate_for_trial(trial_id=trial.pk)
    reevaluation = ScreeningReevaluation.objects.get(screening=referral.screening)
    assert reevaluation.results == referral.results  # the same criteria, the same results
    assert_nothing_in_clear(raw_row(ScreeningReevaluation, reevaluation.pk), "results")


def test_key_rotation_re_encrypts_the_answers(referral, screening_id, settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    before = {
        Screening: raw_row(Screening, screening_id)["answers"],
        Referral: raw_row(Referral, referral.pk)["answers"],
    }
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]

    rows = encryption_keys_rotate()

    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone now
    assert rows["eligibility.Screening"] == 2  # the anonymous one and the referral's
    assert rows["referrals.Referral"] == 1
    assert Screening.objects.get(pk=screening_id).answers["birth_date"] == BIRTH_DATE
    assert Referral.objects.get(pk=referral.pk).answers["birth_date"] == "1991-07-23"
    for model, pk in ((Screening, screening_id), (Referral, referral.pk)):
        token = raw_row(model, pk)["answers"]
        assert token != before[model]
        assert Fernet(new_key.encode()).decrypt(token.encode())  # under the new key alone


def test_rotation_finds_the_new_encrypted_fields():
    found = {model: [f.name for f in fields] for model, fields in encrypted_fields().items()}
    assert found[Screening] == ["answers", "results"]
    assert found[ScreeningReevaluation] == ["results"]
    assert found[Referral][:2] == ["answers", "results"]


@pytest.mark.parametrize(
    "lookup", [{"answers__edss": 2.5}, {"results__0__status": "pass"}, {"answers": {}}]
)
def test_an_encrypted_answer_cannot_be_queried(db, lookup):
    with pytest.raises(FieldError):
        Screening.objects.filter(**lookup).exists()


def test_no_module_of_ours_queries_or_orders_on_the_encrypted_columns():
    # Every such query would raise FieldError (or compare tokens): none may remain.
    query = re.compile(r"\b(answers|results)__\w+|order_by\([^)]*[\"']-?(answers|results)[\"']")
    apps = ("config", "eligibility", "finder", "match", "fhir_api", "referrals", "sites")
    offending = [
        f"{path.relative_to(ROOT)}:{number}"
        for app in apps
        for path in (ROOT / app).rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if query.search(line)
    ]
    assert offending == []
