"""Every referral outbox message is copied into ``notifications.OutboxMessage``.

Rows keep their id (tasks already queued in Redis and the ``X-Outbox-Message`` header of
sent emails name it), kind, status, attempts, times and last error; their subject is the
referral they belonged to. The copy is one ``INSERT … SELECT``, so no row is loaded into
Python and ``created_at`` is not re-stamped by ``auto_now_add``. Backwards, the referral
messages go back to the referrals table (and leave the notifications one). The next
migration drops the referrals table.
"""

from django.core.management.color import no_style
from django.db import migrations

COLUMNS = (
    "id", "kind", "status", "attempts", "available_at", "claimed_at", "sent_at",
    "recipients_count", "last_error", "created_at",
)  # fmt: skip


def copy_rows(schema_editor, *, source, target, columns, values, where="", params=()):
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    schema_editor.execute(
        f"INSERT INTO {quote(target._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
        f"SELECT {', '.join(values)} FROM {quote(source._meta.db_table)}{where}",  # noqa: S608
        params,
    )
    # Ids were copied, not drawn: move the target's sequence past them (PostgreSQL).
    for statement in connection.ops.sequence_reset_sql(no_style(), [target]):
        schema_editor.execute(statement)


def both_tables(apps, schema_editor):
    """The two outbox models, the referral's content type and the connection's quoting."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    referral_type, _ = ContentType.objects.using(schema_editor.connection.alias).get_or_create(
        app_label="referrals", model="referral"
    )
    return (
        apps.get_model("referrals", "OutboxMessage"),
        apps.get_model("notifications", "OutboxMessage"),
        referral_type,
        schema_editor.connection.ops.quote_name,
    )


def to_notifications(apps, schema_editor):
    Old, New, referral_type, quote = both_tables(apps, schema_editor)
    copy_rows(
        schema_editor,
        source=Old,
        target=New,
        columns=(*COLUMNS, "subject_type_id", "subject_id"),
        values=(*(quote(c) for c in COLUMNS), "%s", quote("referral_id")),
        params=[referral_type.pk],
    )


def to_referrals(apps, schema_editor):
    Old, New, referral_type, quote = both_tables(apps, schema_editor)
    copy_rows(
        schema_editor,
        source=New,
        target=Old,
        columns=(*COLUMNS, "referral_id"),
        values=(*(quote(c) for c in COLUMNS), quote("subject_id")),
        where=f" WHERE {quote('subject_type_id')} = %s",
        params=[referral_type.pk],
    )
    New.objects.using(schema_editor.connection.alias).filter(subject_type=referral_type).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("notifications", "0001_initial"),
        ("referrals", "0002_partner_moves_to_partners"),
    ]

    operations = [migrations.RunPython(to_notifications, to_referrals)]
