"""Snapshots now keep every recruiting site, located or not (issue 22 audit, gap 3).

The snapshots taken before kept the located ones only: the trial's recruiting sites
that have no coordinates yet are added to them, so that such a site, geocoded later, is
not taken for a clinic that started recruiting. A located site that is not in a snapshot
is left out, as it was: it did open since.
"""

from collections import defaultdict

from django.db import migrations
from django.db.models import Q


def every_recruiting_site(apps, schema_editor):
    Site = apps.get_model("sites", "Site")
    TrialSnapshot = apps.get_model("watches", "TrialSnapshot")
    unlocated = defaultdict(set)
    for trial_id, pk in Site.objects.filter(
        Q(latitude__isnull=True) | Q(longitude__isnull=True), status="RECRUITING"
    ).values_list("trial_id", "pk"):
        unlocated[trial_id].add(pk)
    trial_ids = list(unlocated)
    for start in range(0, len(trial_ids), 500):
        for snapshot in TrialSnapshot.objects.filter(trial_id__in=trial_ids[start : start + 500]):
            sites = sorted(set(snapshot.recruiting_sites) | unlocated[snapshot.trial_id])
            snapshot.recruiting_sites = sites
            snapshot.recruiting_count = len(sites)
            snapshot.save(update_fields=["recruiting_sites", "recruiting_count"])


class Migration(migrations.Migration):
    dependencies = [
        ("sites", "0001_initial"),
        ("watches", "0001_initial"),
    ]

    operations = [migrations.RunPython(every_recruiting_site, migrations.RunPython.noop)]
