"""A referral's frozen answers and results encrypted at rest (issue 21, item 3).

The same three steps as ``eligibility.0004_screening_answers_encrypted``: plain text
holding the JSON, every row encrypted in place (decrypted when reversed), the encrypted
field. Values already in the target form are left alone, so either direction can run
again safely.
"""

from django.db import migrations, models

import privacy.fields
from privacy import crypto

COLUMNS = ("answers", "results")
BATCH = 500
FERNET_PREFIX = "gAAAAA"  # every Fernet token starts so; JSON text never does


def _is_token(value) -> bool:
    return isinstance(value, str) and value.startswith(FERNET_PREFIX)


def _encrypt(value):
    return value if value in (None, "") or _is_token(value) else crypto.encrypt(value)


def _decrypt(value):
    return crypto.decrypt(value) if _is_token(value) else value


def _rewrite(apps, transform) -> None:
    referral = apps.get_model("referrals", "Referral")
    pks = list(referral.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), BATCH):
        rows = list(referral.objects.filter(pk__in=pks[start : start + BATCH]).only(*COLUMNS))
        for row in rows:
            for column in COLUMNS:
                setattr(row, column, transform(getattr(row, column)))
        referral.objects.bulk_update(rows, COLUMNS)


def encrypt_rows(apps, schema_editor):
    _rewrite(apps, _encrypt)


def decrypt_rows(apps, schema_editor):
    _rewrite(apps, _decrypt)


class Migration(migrations.Migration):
    dependencies = [("referrals", "0005_site_invitations")]

    operations = [
        migrations.AlterField(
            model_name="referral", name="answers", field=models.TextField(default="{}")
        ),
        migrations.AlterField(
            model_name="referral", name="results", field=models.TextField(default="[]")
        ),
        migrations.RunPython(encrypt_rows, decrypt_rows, elidable=False),
        migrations.AlterField(
            model_name="referral",
            name="answers",
            field=privacy.fields.EncryptedJSONField(default=dict),
        ),
        migrations.AlterField(
            model_name="referral",
            name="results",
            field=privacy.fields.EncryptedJSONField(default=list),
        ),
    ]
