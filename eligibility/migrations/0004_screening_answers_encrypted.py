"""Screening answers and results encrypted at rest (issue 21, item 3).

The JSON columns become Fernet tokens under FIELD_ENCRYPTION_KEYS, like the referrals'
contact details: first plain text (on PostgreSQL jsonb is cast to its JSON text), then
every row's JSON text encrypted in place, then the encrypted field. Reversed, the tokens
are decrypted back to JSON text and the columns become JSON again. A value is encrypted
only if it is not a token yet, and decrypted only if it is one, so either direction can
be run again safely.
"""

from django.db import migrations, models

import privacy.fields
from privacy import crypto

#: Each model and its columns that hold answers (or results quoting them).
COLUMNS = {"Screening": ("answers", "results"), "ScreeningReevaluation": ("results",)}
BATCH = 500
FERNET_PREFIX = "gAAAAA"  # every Fernet token starts so; JSON text never does


def _is_token(value) -> bool:
    return isinstance(value, str) and value.startswith(FERNET_PREFIX)


def _encrypt(value):
    return value if value in (None, "") or _is_token(value) else crypto.encrypt(value)


def _decrypt(value):
    return crypto.decrypt(value) if _is_token(value) else value


def _rewrite(apps, transform) -> None:
    for name, columns in COLUMNS.items():
        model = apps.get_model("eligibility", name)
        pks = list(model.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(pks), BATCH):
            rows = list(model.objects.filter(pk__in=pks[start : start + BATCH]).only(*columns))
            for row in rows:
                for column in columns:
                    setattr(row, column, transform(getattr(row, column)))
            model.objects.bulk_update(rows, columns)


def encrypt_rows(apps, schema_editor):
    _rewrite(apps, _encrypt)


def decrypt_rows(apps, schema_editor):
    _rewrite(apps, _decrypt)


class Migration(migrations.Migration):
    dependencies = [("eligibility", "0003_criterion_review")]

    operations = [
        # 1. Plain text, holding the JSON as it was.
        migrations.AlterField(
            model_name="screening", name="answers", field=models.TextField(default="{}")
        ),
        migrations.AlterField(
            model_name="screening",
            name="results",
            field=models.TextField(default="[]", help_text="Per-criterion status and facts used"),
        ),
        migrations.AlterField(
            model_name="screeningreevaluation", name="results", field=models.TextField(default="[]")
        ),
        # 2. Every row's JSON text encrypted in place (and back).
        migrations.RunPython(encrypt_rows, decrypt_rows, elidable=False),
        # 3. The encrypted field (its column is text, so no schema change is left).
        migrations.AlterField(
            model_name="screening",
            name="answers",
            field=privacy.fields.EncryptedJSONField(default=dict),
        ),
        migrations.AlterField(
            model_name="screening",
            name="results",
            field=privacy.fields.EncryptedJSONField(
                default=list, help_text="Per-criterion status and facts used"
            ),
        ),
        migrations.AlterField(
            model_name="screeningreevaluation",
            name="results",
            field=privacy.fields.EncryptedJSONField(default=list),
        ),
    ]
