"""Generate a synthetic registry of trials and sites, for benchmarks and load tests.

    python manage.py generate_registry --trials 20000 --sites 300000 --seed 1
    python manage.py generate_registry --clear

Trials get NCT ids in the reserved range NCT8xxxxxxx and the sponsor
``SYNTHETIC_SPONSOR``; ``--clear`` deletes exactly those (and their sites). Sites are
placed in real cities from the offline gazetteer, chosen by population (to the power
1.3: big cities hold the academic centres) with extra weight on the countries that host
most trial sites, then jittered by a few kilometres, so they cluster the way real sites
do. Site counts per trial are
skewed (log-normal): most trials have a handful of sites, a few have hundreds.
"""

from __future__ import annotations

import math

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from finder.models import OverallStatus, Trial, build_condition_search
from sites.countries import country_name
from sites.geocoding import gazetteer
from sites.index import site_index_invalidate
from sites.models import GeocodeStatus, Site, SiteStatus

NCT_PREFIX = "NCT8"
SYNTHETIC_SPONSOR = "Synthetic registry (generate_registry)"
OTHER_CONDITIONS = [
    ["Neuromyelitis Optica Spectrum Disorder"],
    ["Migraine"],
    ["Parkinson Disease"],
    ["Epilepsy"],
    ["Amyotrophic Lateral Sclerosis"],
]
# Countries hosting most registered trial sites get more of the synthetic ones.
TRIAL_HEAVY_COUNTRIES = {
    "US": 8.0,
    "CA": 4.0,
    "GB": 4.0,
    "DE": 4.0,
    "FR": 4.0,
    "ES": 4.0,
    "IT": 4.0,
    "NL": 4.0,
    "PL": 3.0,
    "AU": 3.0,
    "JP": 2.0,
    "KR": 2.0,
}
# Sites gather in large cities (academic medical centres) more than population alone says.
CITY_SIZE_EXPONENT = 1.3
JITTER_KM = 4.0
KM_PER_DEGREE = 111.2


class Command(BaseCommand):
    help = "Generate synthetic trials and sites (NCT8xxxxxxx) for benchmarks; --clear removes them."

    def add_arguments(self, parser):
        parser.add_argument("--trials", type=int, default=0)
        parser.add_argument("--sites", type=int, default=0)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--condition", default="Multiple Sclerosis")
        parser.add_argument(
            "--condition-share",
            type=float,
            default=0.7,
            help="Share of trials for --condition; the rest get other neurology conditions.",
        )
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--clear", action="store_true", help="Delete synthetic trials first.")

    def handle(
        self, *args, trials, sites, seed, condition, condition_share, batch_size, clear, **options
    ):
        if trials < 0 or sites < 0 or not 0 <= condition_share <= 1:
            raise CommandError("--trials and --sites must be >= 0; --condition-share in 0..1.")
        if sites and not trials:
            raise CommandError("Sites need trials: give --trials too.")
        if clear:
            deleted = synthetic_trials().count()
            # Delete sites first in bulk: far faster than the per-object cascade.
            Site.objects.filter(trial__in=synthetic_trials())._raw_delete(Site.objects.db)
            synthetic_trials().delete()
            site_index_invalidate()
            self.stdout.write(f"Deleted {deleted} synthetic trials and their sites.")
        if not trials:
            return
        rng = np.random.default_rng(seed)
        created = self._create_trials(rng, trials, condition, condition_share, batch_size)
        self._create_sites(rng, created, sites, batch_size)
        with connection.cursor() as cursor:
            # The planner needs fresh statistics after a bulk load, or it picks nested
            # loops for the joins (minutes instead of milliseconds on PostgreSQL).
            cursor.execute("ANALYZE")
        site_index_invalidate()
        self.stdout.write(f"Created {len(created)} trials and {sites} sites (seed {seed}).")

    def _create_trials(self, rng, count, condition, share, batch_size) -> list[int]:
        existing = synthetic_trials().order_by("-nct_id").values_list("nct_id", flat=True).first()
        start = int(existing[len(NCT_PREFIX) :]) + 1 if existing else 0
        if start + count > 10**7:
            raise CommandError("The synthetic NCT id range NCT8xxxxxxx is full; use --clear.")
        rows = []
        for n in range(start, start + count):
            conditions = (
                [condition]
                if rng.random() < share
                else OTHER_CONDITIONS[int(rng.integers(len(OTHER_CONDITIONS)))]
            )
            rows.append(
                Trial(
                    nct_id=f"{NCT_PREFIX}{n:07d}",
                    brief_title=f"Synthetic study {n} in {conditions[0]}",
                    conditions=conditions,
                    condition_search=build_condition_search(conditions, []),
                    overall_status=OverallStatus.RECRUITING,
                    study_type="INTERVENTIONAL",
                    phases=["PHASE3"],
                    sponsor=SYNTHETIC_SPONSOR,
                    sites_are_illustrative=True,
                )
            )
        with transaction.atomic():
            Trial.objects.bulk_create(rows, batch_size=batch_size)
        ids = [f"{NCT_PREFIX}{n:07d}" for n in range(start, start + count)]
        by_nct = dict(
            Trial.objects.filter(nct_id__in=ids).values_list("nct_id", "id")
            if count <= 50_000
            else synthetic_trials().values_list("nct_id", "id")
        )
        return [by_nct[nct] for nct in ids]

    def _create_sites(self, rng, trial_ids: list[int], count: int, batch_size: int) -> None:
        if not count:
            return
        cities = gazetteer().cities
        weights = np.array(
            [
                c.population**CITY_SIZE_EXPONENT * TRIAL_HEAVY_COUNTRIES.get(c.country_code, 1.0)
                for c in cities
            ],
            dtype=np.float64,
        )
        city_of_site = rng.choice(len(cities), size=count, p=weights / weights.sum())
        per_trial = rng.lognormal(mean=0.0, sigma=1.2, size=len(trial_ids))
        trial_of_site = rng.choice(len(trial_ids), size=count, p=per_trial / per_trial.sum())
        # Every trial gets at least one site when there are enough sites to go round.
        if count >= len(trial_ids):
            trial_of_site[: len(trial_ids)] = np.arange(len(trial_ids))
        jitter = rng.normal(0.0, JITTER_KM / KM_PER_DEGREE, size=(count, 2))
        us_states = gazetteer().us_state_names

        batch: list[Site] = []
        for n in range(count):
            city = cities[int(city_of_site[n])]
            lat = min(90.0, max(-90.0, city.latitude + jitter[n, 0]))
            stretch = 1.0 / max(math.cos(math.radians(lat)), 0.01)
            lon = (city.longitude + jitter[n, 1] * stretch + 180.0) % 360.0 - 180.0
            batch.append(
                Site(
                    trial_id=trial_ids[int(trial_of_site[n])],
                    registry_key=f"synthetic:{n}",
                    facility=f"{city.name} Neurology Research Center {n % 97 + 1}",
                    city=city.name,
                    state=us_states.get(city.admin1, "") if city.country_code == "US" else "",
                    country=country_name(city.country_code),
                    country_code=city.country_code,
                    latitude=round(lat, 6),
                    longitude=round(lon, 6),
                    status=SiteStatus.RECRUITING,
                    geocode_status=GeocodeStatus.GAZETTEER,
                )
            )
            if len(batch) >= batch_size:
                Site.objects.bulk_create(batch, batch_size=batch_size)
                batch = []
        if batch:
            Site.objects.bulk_create(batch, batch_size=batch_size)


def synthetic_trials():
    """The trials this command made: reserved NCT range and the synthetic sponsor."""
    return Trial.objects.filter(nct_id__startswith=NCT_PREFIX, sponsor=SYNTHETIC_SPONSOR)
