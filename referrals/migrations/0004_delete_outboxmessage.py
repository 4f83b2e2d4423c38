"""The referral outbox table goes: its rows are in ``notifications.OutboxMessage`` now."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0003_outbox_moves_to_notifications"),
    ]

    operations = [
        migrations.DeleteModel(name="OutboxMessage"),
    ]
