"""Partner and PartnerAPIKey now live in the partners app (state only: see
``partners.0001_initial``, which renamed their tables)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("finder", "0002_partners"),
        ("partners", "0001_initial"),
        ("referrals", "0002_partner_moves_to_partners"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="PartnerAPIKey"),
                migrations.DeleteModel(name="Partner"),
            ]
        )
    ]
