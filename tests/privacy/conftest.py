"""A model of the tests' own with encrypted fields, in an app registry of its own.

The model is never in the project's registry (other tests, key rotation among them,
never see it), and its table is created inside the test's transaction, so it goes with
the rollback.
"""

from __future__ import annotations

import pytest
from django.apps import AppConfig
from django.db import connection, models
from django.test.utils import isolate_apps

from privacy.fields import EncryptedJSONField, EncryptedTextField


class PrivacyTestsConfig(AppConfig):
    name = "tests.privacy"
    label = "privacy_tests"


@pytest.fixture
def registry():
    """An app registry holding only ``privacy_tests``; models declared meanwhile go in it."""
    with isolate_apps("tests.privacy.conftest.PrivacyTestsConfig") as apps:
        yield apps


@pytest.fixture
def record_model(registry, db):
    """``privacy_tests.HealthRecord``: a screening-like row, with its table."""

    class HealthRecord(models.Model):
        label = models.CharField(max_length=20, blank=True)
        answers = EncryptedJSONField(null=True, default=dict)
        required = EncryptedJSONField(default=list)
        note = EncryptedTextField()

        class Meta:
            app_label = "privacy_tests"

        def __str__(self) -> str:
            return self.label

    sql, params = connection.schema_editor().table_sql(HealthRecord)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    return HealthRecord


def raw_row(model, pk) -> dict[str, str | None]:
    """The row's columns as stored, read past the fields (tokens stay tokens)."""
    table = connection.ops.quote_name(model._meta.db_table)
    columns = [f.column for f in model._meta.concrete_fields]
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quoted} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return dict(zip(columns, cursor.fetchone(), strict=True))
