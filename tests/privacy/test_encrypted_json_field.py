"""EncryptedJSONField: a JSON value stored as one Fernet token, never searchable."""

from unittest import mock

import pytest
from django import forms
from django.core import checks, serializers
from django.core.exceptions import FieldError, ValidationError
from django.db import IntegrityError, transaction

from privacy import crypto
from privacy.fields import EncryptedJSONField

from .conftest import raw_row

ANSWERS = {
    "age": 34,
    "edss": 2.5,
    "ms_diagnosis": "yes",
    "treatments_ever": ["interferon_beta", "glatiramer"],
    "pregnant": None,
    "consented": True,
    "nested": {"relapses": [{"months_ago": 3}]},
}


def test_a_value_reads_back_as_it_was_written(record_model):
    record = record_model.objects.create(answers=ANSWERS)
    assert record_model.objects.get(pk=record.pk).answers == ANSWERS


def test_the_column_holds_one_token_and_nothing_in_clear(record_model):
    record = record_model.objects.create(answers=ANSWERS)
    stored = raw_row(record_model, record.pk)["answers"]
    assert stored.startswith("gAAAAA")  # a Fernet token
    # Words long enough not to turn up in base64 by chance ("34" and "yes" did, in one
    # token of a few hundred characters): the keys and the values as JSON writes them.
    for clear in ("edss", "interferon_beta", '"age": 34', '"yes"'):
        assert clear not in stored
    assert crypto.decrypt(stored).startswith("{")


def test_the_same_value_is_stored_differently_each_time(record_model):
    first = record_model.objects.create(answers=ANSWERS)
    second = record_model.objects.create(answers=ANSWERS)
    assert raw_row(record_model, first.pk)["answers"] != raw_row(record_model, second.pk)["answers"]


@pytest.mark.parametrize(
    "value",
    [
        {"name": "Zoë Ångström", "city": "São Paulo"},
        {"注記": "多発性硬化症", "emoji": "🧠💊"},
        ["עברית", "العربية", "ελληνικά"],
        "a lone surrogate \ud800 survives",
    ],
)
def test_unicode_survives(record_model, value):
    record = record_model.objects.create(answers=value)
    assert record_model.objects.get(pk=record.pk).answers == value


def test_none_is_stored_as_null(record_model):
    record = record_model.objects.create(answers=None)
    assert raw_row(record_model, record.pk)["answers"] is None
    assert record_model.objects.get(pk=record.pk).answers is None


@pytest.mark.parametrize("value", [{}, [], "", 0, False])
def test_empty_values_are_encrypted_like_any_other(record_model, value):
    record = record_model.objects.create(answers=value)
    assert raw_row(record_model, record.pk)["answers"].startswith("gAAAAA")
    assert record_model.objects.get(pk=record.pk).answers == value


def test_an_empty_column_reads_as_none(record_model):
    record = record_model.objects.create(answers=ANSWERS)
    record_model.objects.filter(pk=record.pk).update(answers=None)
    assert record_model.objects.get(pk=record.pk).answers is None
    from django.db import connection

    with connection.cursor() as cursor:
        table = connection.ops.quote_name(record_model._meta.db_table)
        cursor.execute(f"UPDATE {table} SET answers = ''")  # noqa: S608 - a test table
    assert record_model.objects.get(pk=record.pk).answers is None


def test_the_default_is_a_fresh_value_each_time(record_model):
    first, second = record_model(), record_model()
    assert first.answers == {} and first.required == []
    first.answers["edss"] = 3
    assert second.answers == {}


def test_a_field_without_null_refuses_none(record_model):
    with pytest.raises(IntegrityError), transaction.atomic():
        record_model.objects.create(required=None)


@pytest.mark.parametrize(
    "lookup",
    [
        {"answers": {"edss": 2.5}},
        {"answers__exact": {}},
        {"answers__edss": 2.5},
        {"answers__edss__gt": 2},
        {"answers__contains": {"edss": 2.5}},
        {"answers__icontains": "edss"},
        {"answers__in": [{}]},
        {"answers__has_key": "edss"},
        {"answers__startswith": "gAAAAA"},
    ],
)
def test_lookups_are_refused_clearly(record_model, lookup):
    with pytest.raises(FieldError, match="answers is encrypted, so it cannot be queried"):
        record_model.objects.filter(**lookup)
    with pytest.raises(FieldError, match="encrypted"):
        record_model.objects.exclude(**lookup)


def test_only_null_can_be_looked_up(record_model):
    empty = record_model.objects.create(answers=None)
    full = record_model.objects.create(answers=ANSWERS)
    assert list(record_model.objects.filter(answers__isnull=True)) == [empty]
    assert list(record_model.objects.filter(answers=None)) == [empty]
    assert list(record_model.objects.exclude(answers=None)) == [full]


def test_full_clean_refuses_a_value_json_cannot_hold(record_model):
    record = record_model(answers={"treatments": {"a set"}})
    with pytest.raises(ValidationError, match="valid JSON"):
        record.full_clean()


def test_it_serialises_the_clear_value_not_the_token(record_model, registry):
    record = record_model.objects.create(answers=ANSWERS)
    data = serializers.serialize("json", [record])
    assert '"edss": 2.5' in data and "gAAAAA" not in data
    with mock.patch("django.core.serializers.python.apps", registry):
        (restored,) = serializers.deserialize("json", data)
    assert restored.object.answers == ANSWERS


def test_its_form_field_takes_json():
    assert isinstance(EncryptedJSONField().formfield(), forms.JSONField)


def test_it_deconstructs_for_migrations():
    from django.core.serializers.json import DjangoJSONEncoder

    field = EncryptedJSONField(null=True, encoder=DjangoJSONEncoder)
    _name, path, args, kwargs = field.deconstruct()
    assert path == "privacy.fields.EncryptedJSONField"
    assert (args, kwargs) == ([], {"null": True, "encoder": DjangoJSONEncoder})


def test_a_mutable_default_is_flagged_like_jsonfields(registry):
    from django.db import models

    class Shared(models.Model):  # noqa: DJ008 - never shown
        answers = EncryptedJSONField(default={})

        class Meta:
            app_label = "privacy_tests"

    errors = Shared._meta.get_field("answers").check()
    assert [e.id for e in errors if isinstance(e, checks.Warning)] == ["fields.E010"]
