"""Partner and PartnerAPIKey move here from the finder app, tables and rows included.

The models are created in this app's state only; in the database the two tables are
renamed (``finder_partner`` -> ``partners_partner``, ``finder_partnerapikey`` ->
``partners_partnerapikey``), so every issued key keeps working and the foreign keys
that point at them (the API keys' partner, referrals, audit events) follow the rename.
The content types are relabelled too, so admin history and permissions stay attached.
"""

import django.db.models.deletion
from django.db import migrations, models

TABLES = [
    ("Partner", "finder_partner", "partners_partner"),
    ("PartnerAPIKey", "finder_partnerapikey", "partners_partnerapikey"),
]


def rename_tables(apps, schema_editor, *, forwards=True):
    for model_name, old, new in TABLES:
        model = apps.get_model("finder", model_name)
        source, target = (old, new) if forwards else (new, old)
        schema_editor.alter_db_table(model, source, target)
    ContentType = apps.get_model("contenttypes", "ContentType")
    old_label, new_label = ("finder", "partners") if forwards else ("partners", "finder")
    for model_name, _old, _new in TABLES:
        ContentType.objects.filter(app_label=old_label, model=model_name.lower()).update(
            app_label=new_label
        )


def rename_tables_back(apps, schema_editor):
    rename_tables(apps, schema_editor, forwards=False)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("finder", "0002_partners"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(rename_tables, rename_tables_back)],
            state_operations=[
                migrations.CreateModel(
                    name="Partner",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=200, unique=True)),
                        ("contact_email", models.EmailField(blank=True, max_length=254)),
                        ("is_active", models.BooleanField(default=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={"ordering": ["name"]},
                ),
                migrations.CreateModel(
                    name="PartnerAPIKey",
                    fields=[
                        (
                            "id",
                            models.CharField(
                                editable=False,
                                max_length=150,
                                primary_key=True,
                                serialize=False,
                                unique=True,
                            ),
                        ),
                        ("prefix", models.CharField(editable=False, max_length=8, unique=True)),
                        ("hashed_key", models.CharField(editable=False, max_length=150)),
                        ("created", models.DateTimeField(auto_now_add=True, db_index=True)),
                        (
                            "name",
                            models.CharField(
                                default=None,
                                help_text=(
                                    "A free-form name for the API key. Need not be unique. "
                                    "50 characters max."
                                ),
                                max_length=50,
                            ),
                        ),
                        (
                            "revoked",
                            models.BooleanField(
                                blank=True,
                                default=False,
                                help_text=(
                                    "If the API key is revoked, clients cannot use it anymore. "
                                    "(This cannot be undone.)"
                                ),
                            ),
                        ),
                        (
                            "expiry_date",
                            models.DateTimeField(
                                blank=True,
                                help_text="Once API key expires, clients cannot use it anymore.",
                                null=True,
                                verbose_name="Expires",
                            ),
                        ),
                        (
                            "partner",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="api_keys",
                                to="partners.partner",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "partner API key",
                        "verbose_name_plural": "partner API keys",
                        "ordering": ("-created",),
                        "abstract": False,
                    },
                ),
            ],
        ),
    ]
