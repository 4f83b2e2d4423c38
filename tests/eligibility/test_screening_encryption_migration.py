"""The migrations that encrypt health answers rewrite the rows already stored, and reverse.

``eligibility.0004_screening_answers_encrypted`` (screenings and their re-evaluations) and
``referrals.0006_referral_answers_encrypted`` (a referral's frozen copy) turn JSON columns
into Fernet tokens in place: rows written before them read back unchanged, the full
birth date included, and nothing of them stays in clear; migrating back gives JSON again.
"""

from __future__ import annotations

import json
import uuid
from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from privacy import crypto

pytestmark = pytest.mark.django_db(transaction=True)

ENCRYPTING = [
    ("eligibility", "0004_screening_answers_encrypted"),
    ("referrals", "0006_referral_answers_encrypted"),
]
ANSWERS = {
    "birth_date": "1961-07-23",
    "ms_diagnosis": "yes",
    "ms_course": "relapsing_remitting",
    "edss": 2.5,
    "treatments_ever": ["interferon_beta"],
}
RESULTS = [{"id": 1, "status": "pass", "facts_used": {"edss": 2.5}, "explanation": "EDSS 2.5"}]
COLUMNS = {
    "eligibility_screening": ("answers", "results"),
    "eligibility_screeningreevaluation": ("results",),
    "referrals_referral": ("answers", "results"),
}


def _executor() -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    return executor


def _before() -> list[tuple[str, str]]:
    """The migrations just before the encrypting ones (whatever else the graph holds)."""
    graph = _executor().loader.graph
    return [
        next(parent for parent in graph.node_map[node].parents if parent[0] == node[0])
        for node in ENCRYPTING
    ]


def _migrate(targets):
    """Migrate to ``targets``; the models as the database now is (every applied migration)."""
    executor = _executor()
    executor.migrate(targets)
    executor.loader.build_graph()
    applied = list(executor.loader.applied_migrations)
    return executor.loader.project_state(applied).apps


def _latest():
    return _executor().loader.graph.leaf_nodes()


def _raw(table: str) -> list[dict[str, object]]:
    columns = COLUMNS[table]
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")  # noqa: S608
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _as_json(value):
    return value if isinstance(value, dict | list) else json.loads(value)  # jsonb or text


def _rows_before_the_migration(old_apps) -> dict[str, object]:
    Trial = old_apps.get_model("finder", "Trial")
    Site = old_apps.get_model("sites", "Site")
    Screening = old_apps.get_model("eligibility", "Screening")
    Reevaluation = old_apps.get_model("eligibility", "ScreeningReevaluation")
    Referral = old_apps.get_model("referrals", "Referral")
    trial = Trial.objects.create(nct_id="NCT00548405", brief_title="CARE-MS II")
    site = Site.objects.create(trial=trial, facility="Stanford", country_code="US")
    kept = {}
    for referred in (False, True):
        screening = Screening.objects.create(
            id=uuid.uuid4(),
            trial=trial,
            answers=ANSWERS,
            results=RESULTS,
            verdict="eligible",
            criteria_version=1,
            evaluated_on=date(2026, 3, 1),
        )
        kept["referred" if referred else "anonymous"] = screening.pk
    Reevaluation.objects.create(
        screening_id=kept["referred"],
        criteria_version=2,
        previous_verdict="eligible",
        verdict="eligible",
        results=RESULTS,
        changed=False,
    )
    referral = Referral.objects.create(
        reference="7KQ4M-9XZ2B",
        trial=trial,
        site=site,
        screening_id=kept["referred"],
        channel="partner",
        answers=ANSWERS,
        results=RESULTS,
        verdict="eligible",
        criteria_version=1,
        evaluated_on=date(2026, 3, 1),
        consent_text="I agree.",
        consented_at=timezone.now(),
    )
    kept["referral"] = referral.pk
    return kept


def test_rows_stored_before_are_encrypted_in_place_and_read_back_unchanged():
    old_apps = _migrate(_before())
    try:
        kept = _rows_before_the_migration(old_apps)
        for table in COLUMNS:
            for row in _raw(table):
                assert all(_as_json(v) in (ANSWERS, RESULTS) for v in row.values())  # in clear

        _migrate(_latest())

        for table, columns in COLUMNS.items():
            rows = _raw(table)
            assert rows
            for row in rows:
                for column in columns:
                    token = row[column]
                    assert isinstance(token, str) and token.startswith("gAAAAA"), (table, column)
                    assert json.loads(crypto.decrypt(token)) in (ANSWERS, RESULTS)
                text = repr(row)
                for secret in ("1961-07-23", "relapsing_remitting", "interferon_beta", "EDSS"):
                    assert secret not in text, (table, secret)

        from eligibility.models import Screening, ScreeningReevaluation
        from referrals.models import Referral

        for key in ("anonymous", "referred"):
            screening = Screening.objects.get(pk=kept[key])
            assert (screening.answers, screening.results) == (ANSWERS, RESULTS)
        assert screening.answers["birth_date"] == "1961-07-23"  # the full date is kept
        assert ScreeningReevaluation.objects.get().results == RESULTS
        referral = Referral.objects.get(pk=kept["referral"])
        assert (referral.answers, referral.results) == (ANSWERS, RESULTS)
    finally:
        _migrate(_latest())


def test_the_encryption_can_be_reversed():
    try:
        _rows_before_the_migration(_migrate(_before()))
        _migrate(_latest())
        old_apps = _migrate(_before())

        for table, columns in COLUMNS.items():
            for row in _raw(table):
                for column in columns:
                    assert _as_json(row[column]) in (ANSWERS, RESULTS), (table, column)
        Screening = old_apps.get_model("eligibility", "Screening")
        assert [s.answers for s in Screening.objects.all()] == [ANSWERS, ANSWERS]
        Referral = old_apps.get_model("referrals", "Referral")
        assert Referral.objects.get().results == RESULTS
    finally:
        _migrate(_latest())


def test_running_the_encryption_again_leaves_tokens_alone(settings):
    # A token is never encrypted twice (a retried migration, rows written meanwhile).
    import importlib

    migration = importlib.import_module("eligibility.migrations.0004_screening_answers_encrypted")
    token = crypto.encrypt(json.dumps(ANSWERS))
    assert migration._encrypt(token) == token
    assert migration._decrypt(json.dumps(ANSWERS)) == json.dumps(ANSWERS)
    assert json.loads(migration._decrypt(migration._encrypt(json.dumps(ANSWERS)))) == ANSWERS
