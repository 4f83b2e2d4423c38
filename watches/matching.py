"""A day's alerts: what changed in the catalog, which watches it concerns, one digest each.

:func:`watch_alerts_run` runs three steps, each in transactions of its own and each
safe to repeat (a run killed half-way is finished by the next one, and nothing is
done twice):

1. :func:`trial_changes_detect` compares the catalog with what the watchlist last saw
   of each trial (:class:`~watches.models.TrialSnapshot`). The import's content hash
   (``Trial.record_hash``, :func:`finder.importing.study_record_hash`) is compared first,
   with the criteria version, the status and the count of recruiting sites (located or
   not), in one query: a re-import that changed nothing leaves all of them equal, so it is
   not even looked at. Each difference becomes a :class:`~watches.models.TrialChange`: a
   trial that started recruiting (new to the catalog, or reopened), a site that started
   recruiting (one not recruiting in the snapshot; a site recruiting all along that is
   placed on the map later is not one), a new criteria version (with the rules of both
   versions), a trial that stopped recruiting. A site that opens without coordinates is
   a change that alerts nobody (no distance to measure).
2. :func:`watch_alerts_match` matches the new changes to watches with one query per
   batch of changes, never a loop over watches: the changed trials' recruiting sites join
   the watches whose circles touch the site's grid cell (``watches.geometry``), on the
   watches' condition (the condition keys a change's trial matches are written next to
   it first) or on the followed trial. The exact geodesic distance then decides, per
   change, vectorised: the nearest recruiting site must be within the watch's radius,
   and for a site that opened it must be that site. A watch with answers hears of a
   trial only if its verdict there is not "not eligible", and of a criteria change only
   if the two versions' verdicts differ, both evaluated on the same day (a verdict that
   changes only because time passed does not alert). A followed trial that stops
   recruiting alerts whatever the distance.
3. :func:`watch_digests_queue` gathers each watch's waiting alerts into one digest a day
   at most (a unique constraint on watch and day) and adds its message to the outbox in
   the same transaction: delivery is the outbox's, exactly once.
"""

from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

import numpy as np
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.constants import OnConflict
from django.db.models.functions import Coalesce
from django.utils import timezone

from eligibility.engine.evaluate import INELIGIBLE, CompiledTrial, CriterionSpec, compile_trial
from eligibility.models import Criterion
from eligibility.selectors import trials_compiled
from eligibility.services import InvalidAnswers, answers_prepare
from finder.conditions import ConditionQuery
from finder.models import OverallStatus, Trial
from notifications.kinds import kind_get
from notifications.models import OutboxMessage
from notifications.signals import outbox_messages_added
from sites import ranking
from sites.models import Site, SiteStatus

from .geometry import SITE_CELL_SQL, geodesic_km_pairs
from .models import (
    AlertsLock,
    ChangeKind,
    TrialChange,
    TrialChangeCondition,
    TrialSnapshot,
    Watch,
    WatchAlert,
    WatchCell,
    WatchDigest,
    WatchStatus,
)
from .services import KIND_DIGEST

logger = logging.getLogger(__name__)

RECRUITING = OverallStatus.RECRUITING
#: Changes matched per transaction, and watches digested per transaction.
CHANGES_PER_BATCH = 100
DIGESTS_PER_BATCH = 2000
#: Candidate watches per distance computation (bounds the W x S matrices in memory).
WATCHES_PER_BLOCK = 20_000


@dataclass
class AlertRun:
    """What one run did."""

    changes: int = 0
    alerts: int = 0
    digests: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "changes": self.changes,
            "alerts": self.alerts,
            "digests": self.digests,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }


def watch_alerts_run(*, now: datetime | None = None) -> AlertRun:
    """Detect the catalog's changes, match them to watches, queue today's digests."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    run = AlertRun()
    started = time.perf_counter()
    run.changes = trial_changes_detect(now=now)
    run.seconds["detect"] = time.perf_counter() - started
    started = time.perf_counter()
    run.alerts = watch_alerts_match(now=now, today=today)
    run.seconds["match"] = time.perf_counter() - started
    started = time.perf_counter()
    run.digests = watch_digests_queue(now=now, today=today)
    run.seconds["digest"] = time.perf_counter() - started
    logger.info("watch alerts: %s", run.as_dict())
    return run


def _lock(now: datetime) -> None:
    """Inside a transaction: wait for, then hold, the watchlist's one lock row.

    The update is the transaction's first write, so SQLite takes its write lock here and
    PostgreSQL the row's lock: two runs take turns, step by step.
    """
    if not AlertsLock.objects.filter(pk=1).update(held_at=now):
        AlertsLock.objects.get_or_create(pk=1, defaults={"held_at": now})


# --- 1. what changed -----------------------------------------------------------------------


def _recruiting_count(trial_ref) -> Subquery:
    # Every recruiting site, located or not: a site placed on the map later (geocoded) was
    # recruiting already, so it must not look like a clinic that started recruiting.
    counted = (
        Site.objects.filter(trial=trial_ref, status=SiteStatus.RECRUITING)
        .order_by()
        .values("trial")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(counted, output_field=IntegerField())


def trials_changed() -> list[int]:
    """The trials that differ from their snapshot (or have none), in one query."""
    trials = Trial.objects.annotate(
        recruiting_now=Coalesce(_recruiting_count(OuterRef("pk")), Value(0))
    )
    snapshot = "watch_snapshot__"
    return list(
        trials.filter(
            Q(watch_snapshot__isnull=True)
            | ~Q(**{f"{snapshot}record_hash": F("record_hash")})
            | ~Q(**{f"{snapshot}criteria_version": F("criteria_version")})
            | ~Q(**{f"{snapshot}overall_status": F("overall_status")})
            | ~Q(**{f"{snapshot}recruiting_count": F("recruiting_now")})
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def trial_changes_detect(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Record the catalog's changes since the last run; returns how many.

    The very first run only takes the snapshots (a watchlist that has seen nothing has
    nothing to compare with). A trial new to the catalog afterwards that recruits is a
    trial that opened.
    """
    now = now or timezone.now()
    changed = trials_changed()
    if not changed:
        return 0
    baseline = not TrialSnapshot.objects.exists()
    recorded = 0
    for start in range(0, len(changed), batch_size):
        with transaction.atomic():
            _lock(now)
            recorded += _changes_record(changed[start : start + batch_size], now, baseline)
    return recorded


def _changes_record(trial_ids: list[int], now: datetime, baseline: bool) -> int:
    trials = {
        row[0]: row
        for row in Trial.objects.filter(pk__in=trial_ids).values_list(
            "pk", "record_hash", "criteria_version", "overall_status"
        )
    }
    snapshots = TrialSnapshot.objects.in_bulk(list(trials))
    sites: dict[int, list[int]] = defaultdict(list)
    for trial_id, site_id in (
        Site.objects.filter(trial_id__in=list(trials), status=SiteStatus.RECRUITING)
        .order_by("trial_id", "pk")
        .values_list("trial_id", "pk")
    ):
        sites[trial_id].append(site_id)
    new_rules = [
        pk
        for pk, (_, _, version, _) in trials.items()
        if pk not in snapshots or snapshots[pk].criteria_version != version
    ]
    rules = trial_rules(trial_ids=new_rules)

    changes: list[TrialChange] = []
    created: list[TrialSnapshot] = []
    updated: list[TrialSnapshot] = []
    for pk, (_, record_hash, version, status) in trials.items():
        before = snapshots.get(pk)
        current_rules = rules[pk] if before is None else rules.get(pk, before.rules)
        if before is not None and not baseline:
            changes.extend(_trial_changes(before, pk, version, status, sites[pk], current_rules))
        elif before is None and not baseline and status == RECRUITING:
            changes.append(
                TrialChange(
                    trial_id=pk, kind=ChangeKind.OPENED, status_after=status, criteria_after=version
                )
            )
        snapshot = before or TrialSnapshot(trial_id=pk)
        snapshot.record_hash = record_hash
        snapshot.criteria_version = version
        snapshot.overall_status = status
        snapshot.recruiting_sites = sites[pk]
        snapshot.recruiting_count = len(sites[pk])
        snapshot.rules = current_rules
        snapshot.seen_at = now
        (updated if before is not None else created).append(snapshot)
    for change in changes:
        change.detected_at = now
    TrialChange.objects.bulk_create(changes)
    # Rewritten rather than bulk_update()d: Django builds a CASE per row and field for
    # that, which cost more than the rest of the detection at a thousand changed trials.
    TrialSnapshot.objects.filter(pk__in=[s.pk for s in updated]).delete()
    TrialSnapshot.objects.bulk_create(created + updated, batch_size=500)
    return len(changes)


def _trial_changes(
    before: TrialSnapshot,
    trial_id: int,
    version: int,
    status: str,
    recruiting_sites: list[int],
    rules: list,
) -> list[TrialChange]:
    was, now_recruiting = before.overall_status == RECRUITING, status == RECRUITING
    common = {"trial_id": trial_id, "status_before": before.overall_status, "status_after": status}
    if now_recruiting and not was:
        return [TrialChange(kind=ChangeKind.OPENED, criteria_after=version, **common)]
    if was and not now_recruiting:
        return [TrialChange(kind=ChangeKind.CLOSED, **common)]
    changes = []
    if now_recruiting:
        opened = sorted(set(recruiting_sites) - set(before.recruiting_sites))
        changes.extend(
            TrialChange(kind=ChangeKind.SITE_OPENED, site_id=site_id, **common)
            for site_id in opened
        )
    if version != before.criteria_version:
        changes.append(
            TrialChange(
                kind=ChangeKind.CRITERIA,
                criteria_before=before.criteria_version,
                criteria_after=version,
                rules_before=before.rules,
                rules_after=rules,
                **common,
            )
        )
    return changes


def trial_rules(*, trial_ids: list[int]) -> dict[int, list[list]]:
    """Each trial's criteria as the engine needs them for a verdict: ``[[kind, rule]]``."""
    out: dict[int, list[list]] = {pk: [] for pk in trial_ids}
    for start in range(0, len(trial_ids), 500):
        rows = (
            Criterion.objects.filter(trial_id__in=trial_ids[start : start + 500])
            .order_by("trial_id", "kind", "order", "pk")
            .values_list("trial_id", "kind", "rule")
        )
        for trial_id, kind, rule in rows:
            out[trial_id].append([kind, rule])
    return out


def compiled_rules(rules: list[list]) -> CompiledTrial:
    """A criteria version from its ``[[kind, rule]]``, ready for verdicts."""
    return compile_trial(
        CriterionSpec(id=n, kind=kind, rule=rule, text="") for n, (kind, rule) in enumerate(rules)
    )


# --- 2. which watches ----------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    change_id: int
    watch_id: int
    latitude: float
    longitude: float
    radius_km: float
    has_answers: bool
    follows_trial: bool


def watch_alerts_match(*, now: datetime | None = None, today: date | None = None) -> int:
    """Turn the changes not matched yet into alerts of the watches they concern."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    pending = list(
        TrialChange.objects.filter(matched_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not pending:
        return 0
    keys = condition_keys_watched()
    facts = AnswerFacts(today=today)
    created = 0
    for start in range(0, len(pending), CHANGES_PER_BATCH):
        batch = pending[start : start + CHANGES_PER_BATCH]
        with transaction.atomic():
            _lock(now)
            created += _batch_match(batch, keys, facts)
            TrialChange.objects.filter(pk__in=batch, matched_at__isnull=True).update(matched_at=now)
            TrialChangeCondition.objects.filter(change_id__in=batch).delete()
    return created


def condition_keys_watched() -> dict[str, ConditionQuery]:
    """The condition keys of the active search watches, each as the matcher's query."""
    keys = (
        Watch.objects.filter(status=WatchStatus.ACTIVE, trial__isnull=True)
        .order_by()
        .values_list("condition_key", flat=True)
        .distinct()
    )
    out = {}
    for key in keys:
        any_of, all_of, nothing = json.loads(key)
        out[key] = ConditionQuery(any_of=tuple(any_of), all_of=tuple(all_of), nothing=nothing)
    return out


def _batch_match(batch: list[int], keys: dict[str, ConditionQuery], facts: AnswerFacts) -> int:
    changes = {
        c.pk: c
        for c in TrialChange.objects.filter(pk__in=batch, matched_at__isnull=True).select_related(
            "trial"
        )
    }
    if not changes:
        return 0
    TrialChangeCondition.objects.bulk_create(
        TrialChangeCondition(change_id=change.pk, condition_key=key)
        for change in changes.values()
        if change.kind != ChangeKind.CLOSED
        for key, query in keys.items()
        if query.matches(change.trial.condition_search)
    )
    candidates = _candidates(min(changes), max(changes))
    by_change: dict[int, list[Candidate]] = defaultdict(list)
    for candidate in candidates:
        by_change[candidate.change_id].append(candidate)
    sites = _recruiting_sites({change.trial_id for change in changes.values()})
    current = _current_criteria(
        [c.trial for c in changes.values() if c.kind in (ChangeKind.OPENED, ChangeKind.SITE_OPENED)]
    )
    facts.load(
        {c.watch_id for c in candidates if c.has_answers and changes[c.change_id].kind != "closed"}
    )
    alerts: list[AlertRow] = []
    for change_id, found in by_change.items():
        change = changes[change_id]
        alerts.extend(_change_alerts(change, found, sites.get(change.trial_id), current, facts))
    alerts_insert(alerts)
    return len(alerts)


class AlertRow(NamedTuple):
    """A :class:`~watches.models.WatchAlert` to insert (plain data: tens of thousands a run)."""

    watch_id: int
    change_id: int
    trial_id: int
    kind: str
    site_id: int | None = None
    distance_km: float | None = None
    verdicts: dict | None = None


def alerts_insert(rows: list[AlertRow], *, batch_size: int = 5000) -> None:
    """Insert the alerts, skipping any a run killed half-way had already written.

    ``bulk_create(ignore_conflicts=True)`` with the rows as plain parameters: the ORM's
    insert compiles every value of every row through its field, which was most of the
    matching's time in a profile of bench/bench_watch_alerts.py. The verdicts still
    go through their field, so they are encrypted exactly as the model stores them.
    """
    if not rows:
        return
    opts = WatchAlert._meta
    verdicts = opts.get_field("verdicts")
    columns = ["watch_id", "change_id", "trial_id", "kind", "site_id", "distance_km"]
    columns += ["verdicts", "created_at"]
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    ignore = OnConflict.IGNORE
    sql = (
        f"{connection.ops.insert_statement(on_conflict=ignore)} "
        f"{connection.ops.quote_name(opts.db_table)} ({quoted}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"{connection.ops.on_conflict_suffix_sql(opts.fields, ignore, None, None)}"
    )
    created_at = opts.get_field("created_at").get_db_prep_save(timezone.now(), connection)
    params = [
        (
            *row[:6],
            verdicts.get_db_prep_save(row.verdicts, connection),
            created_at,
        )
        for row in rows
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(params), batch_size):
            cursor.executemany(sql, params[start : start + batch_size])


def _candidates(first: int, last: int) -> list[Candidate]:
    """The (change, watch) pairs that may alert, from two queries over the batch of changes.

    Search watches: a recruiting, located site of the change's trial in a grid cell the
    watch's circle touches (for a site that opened: that site), on a condition key the
    trial matches. Watches that follow the trial: by the trial. Both only for active
    watches made before the change was seen; a criteria change only for watches with
    answers.
    """
    change = TrialChange._meta.db_table
    watch = Watch._meta.db_table
    cells = WatchCell._meta.db_table
    site = Site._meta.db_table
    conditions = TrialChangeCondition._meta.db_table
    common = """
        c.id BETWEEN %(first)s AND %(last)s AND c.matched_at IS NULL
        AND w.status = %(active)s AND w.created_at < c.detected_at
        AND (c.kind <> %(criteria)s OR w.answers IS NOT NULL)
    """
    # Table names from the models and placeholders for every value: no input is spliced.
    search = f"""
        SELECT DISTINCT c.id, w.id, w.latitude, w.longitude, w.radius_km,
               CASE WHEN w.answers IS NULL THEN 0 ELSE 1 END, 0
        FROM {change} c
        JOIN {site} s ON s.trial_id = c.trial_id
        JOIN {cells} wc ON wc.cell = {SITE_CELL_SQL}
        JOIN {watch} w ON w.id = wc.watch_id
        JOIN {conditions} m ON m.change_id = c.id AND m.condition_key = w.condition_key
        WHERE {common}
          AND c.kind <> %(closed)s AND w.trial_id IS NULL
          AND s.status = %(site_recruiting)s
          AND s.latitude IS NOT NULL AND s.longitude IS NOT NULL
          AND (c.kind <> %(site_opened)s OR s.id = c.site_id)
          AND (c.kind <> %(criteria)s OR c.status_after = %(recruiting)s)
    """  # noqa: S608
    followed = f"""
        SELECT c.id, w.id, w.latitude, w.longitude, w.radius_km,
               CASE WHEN w.answers IS NULL THEN 0 ELSE 1 END, 1
        FROM {change} c
        JOIN {watch} w ON w.trial_id = c.trial_id
        WHERE {common}
    """  # noqa: S608
    params = {
        "first": first,
        "last": last,
        "active": WatchStatus.ACTIVE,
        "criteria": ChangeKind.CRITERIA,
        "closed": ChangeKind.CLOSED,
        "site_opened": ChangeKind.SITE_OPENED,
        "site_recruiting": SiteStatus.RECRUITING,
        "recruiting": RECRUITING,
    }
    out = []
    with connection.cursor() as cursor:
        for sql in (search, followed):
            cursor.execute(sql, params)
            out.extend(
                Candidate(
                    change_id=row[0],
                    watch_id=row[1],
                    latitude=row[2],
                    longitude=row[3],
                    radius_km=row[4],
                    has_answers=bool(row[5]),
                    follows_trial=bool(row[6]),
                )
                for row in cursor.fetchall()
            )
    return out


@dataclass
class TrialSites:
    ids: np.ndarray
    latitudes: np.ndarray
    longitudes: np.ndarray
    xyz: np.ndarray


def _recruiting_sites(trial_ids: set[int]) -> dict[int, TrialSites]:
    rows: dict[int, list[tuple[int, float, float]]] = defaultdict(list)
    for trial_id, pk, lat, lon in (
        Site.objects.filter(
            trial_id__in=trial_ids,
            status=SiteStatus.RECRUITING,
            latitude__isnull=False,
            longitude__isnull=False,
        )
        .order_by("trial_id", "pk")
        .values_list("trial_id", "pk", "latitude", "longitude")
    ):
        rows[trial_id].append((pk, lat, lon))
    out = {}
    for trial_id, found in rows.items():
        ids, lats, lons = (np.asarray(column) for column in zip(*found, strict=True))
        out[trial_id] = TrialSites(
            ids=ids.astype(np.int64),
            latitudes=lats.astype(np.float64),
            longitudes=lons.astype(np.float64),
            xyz=ranking.unit_vectors(lats, lons),
        )
    return out


def nearest_sites(
    candidates: list[Candidate], sites: TrialSites | None
) -> list[tuple[int, float] | None]:
    """For each candidate watch, the trial's nearest recruiting site within its radius, as
    (site id, exact km), ties to the lower id; ``None`` when there is none.

    Bounds first (``sites.ranking``: the squared chord gives an interval holding the exact
    geodesic), the exact geodesic only for the sites whose interval reaches below the
    best upper bound (usually one a watch).
    """
    if sites is None or not candidates:
        return [None] * len(candidates)
    out: list[tuple[int, float] | None] = []
    for start in range(0, len(candidates), WATCHES_PER_BLOCK):
        block = candidates[start : start + WATCHES_PER_BLOCK]
        lats = np.fromiter((c.latitude for c in block), dtype=np.float64, count=len(block))
        lons = np.fromiter((c.longitude for c in block), dtype=np.float64, count=len(block))
        radii = np.fromiter((c.radius_km for c in block), dtype=np.float64, count=len(block))
        xyz = ranking.unit_vectors(lats, lons)
        c2 = np.maximum(2.0 - 2.0 * (xyz.T @ sites.xyz), 0.0)  # watches x sites
        lower, upper = ranking.distance_bounds_km(c2)
        reach = np.minimum(upper.min(axis=1), radii)
        rows, columns = np.nonzero(lower <= reach[:, None])
        km = geodesic_km_pairs(
            lats[rows], lons[rows], sites.latitudes[columns], sites.longitudes[columns]
        )
        best: list[tuple[float, int] | None] = [None] * len(block)
        for row, column, distance in zip(rows.tolist(), columns.tolist(), km.tolist(), strict=True):
            if distance > radii[row]:
                continue
            key = (distance, int(sites.ids[column]))
            if best[row] is None or key < best[row]:
                best[row] = key
        out.extend(None if b is None else (b[1], b[0]) for b in best)
    return out


class AnswerFacts:
    """The facts of the watches' answers as of one day, prepared once per watch and run."""

    def __init__(self, *, today: date):
        self.today = today
        self._facts: dict[int, dict | None] = {}

    def load(self, watch_ids: set[int]) -> None:
        wanted = sorted(watch_ids - set(self._facts))
        for start in range(0, len(wanted), 1000):
            for pk, answers in Watch.objects.filter(
                pk__in=wanted[start : start + 1000]
            ).values_list("pk", "answers"):
                self._facts[pk] = self._prepare(pk, answers)

    def _prepare(self, pk: int, answers) -> dict | None:
        if not answers:
            return None
        try:
            return answers_prepare(answers=answers, today=self.today).facts
        except InvalidAnswers:
            logger.warning("watch %s: its answers no longer validate; verdicts ignored", pk)
            return None

    def get(self, watch_id: int) -> dict | None:
        return self._facts.get(watch_id)


def _current_criteria(trials: list[Trial]) -> dict[int, CompiledTrial]:
    unique = list({t.pk: t for t in trials}.values())
    return {
        t.pk: compiled for t, compiled in zip(unique, trials_compiled(trials=unique), strict=True)
    }


def _change_alerts(
    change: TrialChange,
    candidates: list[Candidate],
    sites: TrialSites | None,
    current: dict[int, CompiledTrial],
    facts: AnswerFacts,
) -> list[AlertRow]:
    kind = change.kind
    if kind == ChangeKind.CLOSED:
        return [_alert(change, c) for c in candidates if c.follows_trial]
    nearest = nearest_sites(candidates, sites)
    if kind == ChangeKind.CRITERIA:
        return _criteria_alerts(change, candidates, nearest, facts)
    compiled = current.get(change.trial_id)
    out = []
    for candidate, found in zip(candidates, nearest, strict=True):
        if found is None:
            continue
        site_id, km = found
        if kind == ChangeKind.SITE_OPENED and site_id != change.site_id:
            continue  # a nearer recruiting site was there already
        answers = facts.get(candidate.watch_id) if candidate.has_answers else None
        if answers is not None and compiled is not None and compiled.verdict(answers) == INELIGIBLE:
            continue
        out.append(_alert(change, candidate, site_id=site_id, distance_km=km))
    return out


def _criteria_alerts(
    change: TrialChange,
    candidates: list[Candidate],
    nearest: list[tuple[int, float] | None],
    facts: AnswerFacts,
) -> list[AlertRow]:
    before = compiled_rules(change.rules_before or [])
    after = compiled_rules(change.rules_after or [])
    out = []
    for candidate, found in zip(candidates, nearest, strict=True):
        if found is None and not candidate.follows_trial:
            continue
        answers = facts.get(candidate.watch_id)
        if answers is None:
            continue
        # Both versions on the same day: only the criteria differ between the two verdicts.
        verdicts = {"before": before.verdict(answers), "after": after.verdict(answers)}
        if verdicts["before"] == verdicts["after"]:
            continue
        site_id, km = found if found is not None else (None, None)
        out.append(_alert(change, candidate, site_id=site_id, distance_km=km, verdicts=verdicts))
    return out


def _alert(change: TrialChange, candidate: Candidate, **values) -> AlertRow:
    return AlertRow(
        watch_id=candidate.watch_id,
        change_id=change.pk,
        trial_id=change.trial_id,
        kind=change.kind,
        **values,
    )


# --- 3. one digest a day -------------------------------------------------------------------


def watch_digests_queue(*, now: datetime | None = None, today: date | None = None) -> int:
    """One digest for each active watch with alerts waiting and none yet today; returns how
    many were queued. Their messages enter the outbox in the same transactions."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    waiting = sorted(
        set(
            WatchAlert.objects.filter(digest__isnull=True, watch__status=WatchStatus.ACTIVE)
            .exclude(watch__digests__day=today)
            .values_list("watch_id", flat=True)
        )
    )
    queued = 0
    for start in range(0, len(waiting), DIGESTS_PER_BATCH):
        with transaction.atomic():
            _lock(now)
            queued += _digests_create(waiting[start : start + DIGESTS_PER_BATCH], today)
    return queued


def _digests_create(watch_ids: list[int], today: date) -> int:
    # Rechecked under the lock: another run may have digested some meanwhile.
    done = set(
        WatchDigest.objects.filter(watch_id__in=watch_ids, day=today).values_list(
            "watch_id", flat=True
        )
    )
    due = [pk for pk in watch_ids if pk not in done]
    if not due:
        return 0
    WatchDigest.objects.bulk_create(WatchDigest(watch_id=pk, day=today) for pk in due)
    digests = WatchDigest.objects.filter(watch_id__in=due, day=today)
    # The correlated subquery by (watch, day) only, the unique index: with the batch's id
    # list in it too, PostgreSQL re-read that list for every alert (16 s a batch at 100,000
    # watches in bench/bench_watch_alerts.py).
    todays = WatchDigest.objects.filter(day=today, watch_id=OuterRef("watch_id"))
    WatchAlert.objects.filter(watch_id__in=due, digest__isnull=True).update(
        digest=Subquery(todays.values("pk")[:1])
    )
    outbox_messages_bulk_create(subject_ids=list(digests.values_list("pk", flat=True)))
    return len(due)


def outbox_messages_bulk_create(*, subject_ids: list[int]) -> list[int]:
    """One pending digest message for each of ``subject_ids``, queued once the caller commits.

    ``notifications.services.outbox_messages_create`` for many subjects at once: the same
    rows and the same ``outbox_messages_added`` signal, once for the whole batch, so that
    thousands of digests are one insert and one broker connection rather than thousands.
    """
    kind = kind_get(KIND_DIGEST).name
    subject_type = ContentType.objects.get_for_model(WatchDigest)
    now = timezone.now()
    messages = OutboxMessage.objects.bulk_create(
        OutboxMessage(kind=kind, subject_type=subject_type, subject_id=pk, available_at=now)
        for pk in subject_ids
    )
    message_ids = [m.pk for m in messages]
    transaction.on_commit(
        lambda: outbox_messages_added.send(sender=OutboxMessage, message_ids=message_ids)
    )
    return message_ids
