"""MeSH terms on trials, and every stored condition text rewritten by finder.conditions."""

from django.db import migrations, models


def recompute_condition_search(apps, schema_editor):
    # The current matcher, not a frozen copy: the stored text must be what the running code
    # searches for, and it is a pure function of the fields below.
    from finder.models import build_condition_search

    Trial = apps.get_model("finder", "Trial")
    changed = []
    fields = ("id", "conditions", "keywords", "mesh_conditions", "mesh_ancestors")
    for trial in Trial.objects.only(*fields, "condition_search").iterator(chunk_size=2000):
        text = build_condition_search(
            trial.conditions,
            trial.keywords,
            mesh=[*(trial.mesh_conditions or []), *(trial.mesh_ancestors or [])],
        )
        if text != trial.condition_search:
            trial.condition_search = text
            changed.append(trial)
        if len(changed) >= 2000:
            Trial.objects.bulk_update(changed, ["condition_search"])
            changed = []
    Trial.objects.bulk_update(changed, ["condition_search"])


class Migration(migrations.Migration):
    dependencies = [
        ("finder", "0004_trial_record_hash"),
    ]

    operations = [
        migrations.AddField(
            model_name="trial",
            name="mesh_conditions",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="The registry's MeSH terms for the conditions ([{id, term}])",
            ),
        ),
        migrations.AddField(
            model_name="trial",
            name="mesh_ancestors",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="The broader MeSH headings of those terms ([{id, term}])",
            ),
        ),
        migrations.RunPython(recompute_condition_search, migrations.RunPython.noop),
    ]
