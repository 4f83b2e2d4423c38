"""Benchmark: a day's watch alerts for 100,000 watches and 1,000 changed trials.

    nice -n 10 .venv/bin/python bench/bench_watch_alerts.py [--backend sqlite|postgres]
        [--watches 100000] [--answers-share 0.1] [--trials 4000] [--sites 30000]
        [--changed 1000] [--rounds 3] [--small 10000]

A synthetic registry (``manage.py generate_registry``: recruiting trials whose sites sit
in real cities, 70% of them for multiple sclerosis) gets an age criterion on every trial,
and the watchlist takes its first look (the baseline). Then the watches are saved in bulk,
as many as ``--small`` first: people in cities weighted by population, radii of 10 to 250
in miles or kilometres (most at 50), conditions of an MS search (a few other), one in 20
following a trial, a tenth with questionnaire answers (age and diagnosis), addresses and
answers encrypted as the pages store them. Each round then changes ``--changed`` trials as
a registry month does, a quarter each way: a trial opens, one of its sites opens, its age
limit changes (a new criteria version), it stops recruiting; and times
``watches.matching.watch_alerts_run`` (detect the changes, match them to watches, queue
one digest per watch) with its three steps. After a round the trials go back (the
watchlist sees them back, untimed) and its changes, alerts, digests and outbox rows are
deleted, so every round does the same work.

The outbox's hand-off to Celery is disconnected: the figures are the computing and the
queueing (rows in the outbox, in the same transactions), not the e-mails. The match step's
SQL queries are counted at ``--small`` watches and at ``--watches``: the same number,
because the matching is a join (changed trials' sites x watches' grid cells x condition
keys), never a loop over watches.

Databases of its own: ``/tmp/bench_watches.sqlite3``, or ``bench_watches`` on
127.0.0.1:5432 (created if missing). It refuses a database holding trials other than the
synthetic ones or any watch it did not save.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQLITE_PATH = "/tmp/bench_watches.sqlite3"
PG_DATABASE = "bench_watches"
BENCH_EMAIL_DOMAIN = "bench.invalid"
#: Radii in the person's unit, and how often each is chosen (the form offers 50 first).
RADII = ((10, 0.1), (25, 0.2), (50, 0.4), (100, 0.2), (250, 0.1))
CONDITIONS = (
    ("multiple sclerosis", 0.6),
    ("relapsing MS", 0.2),
    ("progressive multiple sclerosis", 0.1),
    ("esclerosis múltiple", 0.05),
    ("neuromyelitis optica", 0.05),
)
TRIAL_WATCH_SHARE = 0.05
AGE_LIMIT, NEW_AGE_LIMIT = 60, 50


def setup(backend: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnop")
    os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "iSwZAOUP7dx7Ol4_Ve1HppNA5trZ7Ee1Mr3WX_FNC30=")
    os.environ["DEBUG"] = "0"
    os.environ.pop("REDIS_URL", None)
    if backend == "postgres":
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {PG_DATABASE}"],
            capture_output=True,
            check=False,
        )
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DATABASE}"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_PATH}"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def fresh_catalog(trials: int, sites: int) -> list[int]:
    """The synthetic registry with an age criterion on every trial; its trial ids."""
    from django.core.management import call_command

    from eligibility.models import Criterion, CriterionKind
    from finder.models import Trial
    from sites.management.commands.generate_registry import synthetic_trials
    from watches.models import TrialChange, TrialSnapshot, Watch

    call_command("migrate", verbosity=0)
    if Trial.objects.exclude(pk__in=synthetic_trials()).exists() or not _bench_watches_only():
        raise SystemExit("the bench database holds other data; give it a database of its own")
    Watch.objects.all().delete()
    TrialChange.objects.all().delete()
    TrialSnapshot.objects.all().delete()
    call_command(
        "generate_registry", clear=True, trials=trials, sites=sites, seed=1, stdout=_Quiet()
    )
    ids = list(synthetic_trials().order_by("pk").values_list("pk", flat=True))
    Criterion.objects.bulk_create(
        (
            Criterion(
                trial_id=pk,
                kind=CriterionKind.INCLUSION,
                order=1,
                rule={"fact": "age", "op": "between", "value": [18, AGE_LIMIT]},
            )
            for pk in ids
        ),
        batch_size=5000,
    )
    return ids


def _bench_watches_only() -> bool:
    from watches.models import Watch

    sample = Watch.objects.order_by("?").values_list("email", flat=True)[:20]
    return all(email.endswith(BENCH_EMAIL_DOMAIN) for email in sample)


class _Quiet:
    def write(self, *args, **kwargs) -> None:
        pass

    def flush(self) -> None:
        pass


def save_watches(rng, count: int, start: int, trial_ids: list[int]) -> int:
    """``count`` confirmed watches, saved in bulk as ``watch_create`` would; their cells."""
    import numpy as np
    from django.db import transaction
    from django.utils import timezone

    from sites.geocoding import gazetteer
    from watches.geometry import circle_cells
    from watches.models import Watch, WatchCell, WatchStatus
    from watches.services import condition_key, radius_km_for

    cities = gazetteer().cities
    weights = np.array([c.population for c in cities], dtype=np.float64)
    city_of = rng.choice(len(cities), size=count, p=weights / weights.sum())
    radii = rng.choice([r for r, _ in RADII], size=count, p=[p for _, p in RADII])
    conditions = rng.choice(len(CONDITIONS), size=count, p=[p for _, p in CONDITIONS])
    keys = [condition_key(text) for text, _ in CONDITIONS]
    now = timezone.now() - timedelta(days=1)
    cells = 0
    for offset in range(0, count, 5000):
        batch = []
        for n in range(offset, min(offset + 5000, count)):
            city = cities[int(city_of[n])]
            unit = "mi" if city.country_code in ("US", "GB") else "km"
            follows = rng.random() < TRIAL_WATCH_SHARE
            with_answers = rng.random() < 0.1
            batch.append(
                Watch(
                    email=f"watcher{start + n}@{BENCH_EMAIL_DOMAIN}",
                    language="es" if city.country_code in ("ES", "MX", "AR", "CO") else "en",
                    condition="" if follows else CONDITIONS[conditions[n]][0],
                    condition_key="" if follows else keys[conditions[n]],
                    trial_id=int(rng.choice(trial_ids)) if follows else None,
                    place_label=city.name,
                    latitude=round(city.latitude + rng.normal(0, 0.05), 2),
                    longitude=round(city.longitude + rng.normal(0, 0.05), 2),
                    radius_km=radius_km_for(int(radii[n]), unit),
                    unit=unit,
                    answers={"age": int(rng.integers(18, 71)), "ms_diagnosis": "yes"}
                    if with_answers
                    else None,
                    status=WatchStatus.ACTIVE,
                    confirmed_at=now,
                    last_used_at=now,
                )
            )
        with transaction.atomic():
            saved = Watch.objects.bulk_create(batch, batch_size=1000)
            rows = [
                WatchCell(watch_id=w.pk, cell=cell)
                for w in saved
                for cell in circle_cells(w.latitude, w.longitude, w.radius_km)
            ]
            WatchCell.objects.bulk_create(rows, batch_size=5000)
            cells += len(rows)
    _analyze()
    return cells


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


class Month:
    """A registry month for ``changed`` trials, a quarter each way, and back again."""

    def __init__(self, rng, trial_ids: list[int], changed: int):
        from sites.models import Site

        chosen = [int(pk) for pk in rng.choice(trial_ids, size=changed, replace=False)]
        quarter = changed // 4
        self.opens = chosen[:quarter]
        self.site_opens = chosen[quarter : 2 * quarter]
        self.criteria = chosen[2 * quarter : 3 * quarter]
        self.closes = chosen[3 * quarter :]
        first_site = dict(
            Site.objects.filter(trial_id__in=self.site_opens)
            .order_by("trial_id", "-pk")
            .values_list("trial_id", "pk")
        )
        self.sites = list(first_site.values())

    def before(self) -> None:
        """The state the watchlist's baseline sees: some trials and sites not open yet."""
        self._set(opened=False)

    def apply(self) -> None:
        self._set(opened=True)

    def _set(self, *, opened: bool) -> None:
        from django.db import transaction
        from django.db.models import F

        from eligibility.models import Criterion
        from finder.models import OverallStatus, Trial
        from sites.models import Site, SiteStatus

        recruiting, waiting = OverallStatus.RECRUITING, OverallStatus.NOT_YET_RECRUITING
        with transaction.atomic():
            Trial.objects.filter(pk__in=self.opens).update(
                overall_status=recruiting if opened else waiting
            )
            Trial.objects.filter(pk__in=self.closes).update(
                overall_status=OverallStatus.COMPLETED if opened else recruiting
            )
            Site.objects.filter(pk__in=self.sites).update(
                status=SiteStatus.RECRUITING if opened else SiteStatus.NOT_YET_RECRUITING
            )
            limit = NEW_AGE_LIMIT if opened else AGE_LIMIT
            Criterion.objects.filter(trial_id__in=self.criteria).update(
                rule={"fact": "age", "op": "between", "value": [18, limit]}
            )
            Trial.objects.filter(pk__in=self.criteria).update(
                criteria_version=F("criteria_version") + 1
            )
            everyone = self.opens + self.site_opens + self.criteria + self.closes
            Trial.objects.filter(pk__in=everyone).update(record_hash=("b" if opened else "a") * 64)


def forget_the_day() -> None:
    """Delete a round's changes, alerts, digests and outbox rows (untimed)."""
    from notifications.models import OutboxMessage
    from watches.models import TrialChange, TrialChangeCondition, WatchAlert, WatchDigest

    WatchAlert.objects.all().delete()
    WatchDigest.objects.all().delete()
    TrialChangeCondition.objects.all().delete()
    TrialChange.objects.all().delete()
    OutboxMessage.objects.filter(kind="watch_digest").delete()


def one_round(month: Month) -> dict:
    """The month's changes, one timed alert run, then everything put back."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from watches import matching

    month.apply()
    queries: list[dict] = []
    real_match = matching.watch_alerts_match

    def counted_match(**kwargs):
        with CaptureQueriesContext(connection) as captured:
            created = real_match(**kwargs)
        queries.extend(captured.captured_queries)
        return created

    matching.watch_alerts_match = counted_match
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        run = matching.watch_alerts_run()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        matching.watch_alerts_match = real_match
    result = {
        **run.as_dict(),
        "wall": wall,
        "cpu": cpu,
        "match_reads": sum(1 for q in queries if q["sql"].lstrip().upper().startswith("SELECT")),
        "match_queries": len(queries),
    }
    month.before()
    matching.trial_changes_detect()
    forget_the_day()
    return result


def rounds_at(label: str, month: Month, rounds: int) -> list[dict]:
    out = []
    for n in range(rounds):
        result = one_round(month)
        out.append(result)
        print(
            f"  {label} round {n + 1}: {result['wall']:.2f}s wall, {result['cpu']:.2f}s CPU, "
            f"{result['seconds']}, changes {result['changes']}, alerts {result['alerts']}, "
            f"digests {result['digests']}, match SELECTs {result['match_reads']}",
            flush=True,
        )
    return out


def summary_row(label: str, runs: list[dict]) -> str:
    def median(key):
        return statistics.median(r[key] for r in runs)

    def step(name):
        return statistics.median(r["seconds"][name] for r in runs)

    last = runs[-1]
    return (
        f"| {label} | {median('wall'):.2f} | {median('cpu'):.2f} | {step('detect'):.2f} | "
        f"{step('match'):.2f} | {step('digest'):.2f} | {last['changes']:,} | "
        f"{last['alerts']:,} | {last['digests']:,} | {last['match_reads']} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--watches", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000, help="watches of the first count")
    parser.add_argument("--trials", type=int, default=4000)
    parser.add_argument("--sites", type=int, default=30_000)
    parser.add_argument("--changed", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    setup(args.backend)

    import numpy as np

    from notifications.signals import outbox_messages_added
    from watches.matching import watch_alerts_run
    from watches.models import Watch

    # Measure the computing and the queueing, not Celery (no broker here).
    outbox_messages_added.disconnect(dispatch_uid="outbox-messages-queue")
    rng = np.random.default_rng(7)
    started = time.perf_counter()
    trial_ids = fresh_catalog(args.trials, args.sites)
    month = Month(rng, trial_ids, args.changed)
    month.before()
    watch_alerts_run()  # the watchlist's first look: snapshots only
    print(
        f"catalog: {len(trial_ids):,} trials, {args.sites:,} sites, baseline taken "
        f"({time.perf_counter() - started:.0f}s)",
        flush=True,
    )

    rows = []
    saved = 0
    for target in sorted({min(args.small, args.watches), args.watches}):
        started = time.perf_counter()
        cells = save_watches(rng, target - saved, saved, trial_ids)
        saved = target
        with_answers = Watch.objects.filter(answers__isnull=False).count()
        print(
            f"{saved:,} watches ({with_answers:,} with answers, +{cells:,} cells) saved in "
            f"{time.perf_counter() - started:.0f}s",
            flush=True,
        )
        runs = rounds_at(f"{saved:,} watches", month, args.rounds)
        rows.append(summary_row(f"{saved:,} ({with_answers:,} with answers)", runs))

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print()
    print(
        f"{args.backend}: {args.changed:,} changed of {len(trial_ids):,} trials "
        f"({args.sites:,} sites), {args.rounds} rounds, load average after: {load}"
    )
    print(
        "| watches | run, s (wall) | run, s (CPU) | detect, s | match, s | digest, s "
        "| changes | alerts | digests | match SELECTs |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(row)


if __name__ == "__main__":
    main()
