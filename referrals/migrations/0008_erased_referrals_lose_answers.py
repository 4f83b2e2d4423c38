"""Referrals erased before issue 21 (health answers) lose their answers too.

The retention job now erases a referral's health answers with its contact details
(``referrals.services.referral_contacts_erase``); this does the same, once, for the
referrals it erased before: their frozen answers, their screening's answers, and the
results of both and of the screening's re-evaluations reduced to the criteria and
whether each was checked. Data only, and not reversible (what is erased is gone).
"""

from django.db import migrations

KEPT = ("id", "kind", "text", "clinical_text")


def _without_answers(results):
    # Frozen copy of referrals.services.results_without_answers (as of this migration).
    kept = []
    for row in results if isinstance(results, list) else []:
        if not isinstance(row, dict):
            continue
        status = row.get("status")
        kept.append(
            {
                **{key: row[key] for key in KEPT if key in row},
                "status": "not_checked" if status == "not_checked" else "erased",
                "facts_used": {},
                "explanation": "",
            }
        )
    return kept


def erase_answers(apps, schema_editor):
    referral_model = apps.get_model("referrals", "Referral")
    screening_model = apps.get_model("eligibility", "Screening")
    reevaluation_model = apps.get_model("eligibility", "ScreeningReevaluation")
    erased = referral_model.objects.filter(contact_erased_at__isnull=False)
    for referral in erased.only("pk", "results", "screening_id").iterator():
        referral_model.objects.filter(pk=referral.pk).update(
            answers={}, results=_without_answers(referral.results), clinician_organisation=""
        )
        for screening in screening_model.objects.filter(pk=referral.screening_id).only("results"):
            screening_model.objects.filter(pk=screening.pk).update(
                answers={}, results=_without_answers(screening.results)
            )
        for row in reevaluation_model.objects.filter(screening_id=referral.screening_id):
            reevaluation_model.objects.filter(pk=row.pk).update(
                results=_without_answers(row.results)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("eligibility", "0004_screening_answers_encrypted"),
        ("referrals", "0007_idempotencykey"),
    ]

    operations = [
        migrations.RunPython(erase_answers, migrations.RunPython.noop, elidable=True),
    ]
