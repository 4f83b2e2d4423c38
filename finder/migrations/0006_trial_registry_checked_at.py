"""When each trial was last confirmed against ClinicalTrials.gov by a sync (issue 22)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("finder", "0005_trial_mesh_terms"),
    ]

    operations = [
        migrations.AddField(
            model_name="trial",
            name="registry_checked_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text=(
                    "When a sync last confirmed this record against ClinicalTrials.gov "
                    "(fetched, or not changed there since the sync before)"
                ),
                null=True,
            ),
        ),
    ]
