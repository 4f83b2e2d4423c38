"""One set of answers against every recruiting trial: the one match service.

The match API (``POST /api/v1/match/``), FHIR ``$match`` and the "Find trials for me"
pages all call :func:`trials_match_page` (or :func:`trials_match`, its first page). The
sites app feeds it the candidate trials with their nearest recruiting site; the
eligibility app the compiled criteria and the outcome of each trial. Nothing is stored.

Every candidate's verdict comes from one :class:`~eligibility.engine.catalog.Catalog`
pass (each distinct rule evaluated once, the rest in numpy) instead of one generated
function per trial; explanations are built only for the trials returned.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from eligibility.engine.catalog import VERDICT_NAMES, Catalog
from eligibility.engine.evaluate import CompiledTrial
from eligibility.selectors import trials_compiled
from eligibility.services import (
    VERDICT_RANK,
    Answers,
    ScreeningOutcome,
    screening_outcome,
)
from finder.models import OverallStatus, Trial
from finder.selectors import DEFAULT_CONDITION, trials_search
from sites.geocoding import Place
from sites.selectors import RankedSite, trials_nearest_for_condition

#: Catalogs kept per process, one per distinct set of candidate trials (a condition, a
#: radius around a place...): building one costs about 0.1 ms a trial, evaluating it a
#: few milliseconds for the whole registry, so it is built once and kept.
_CATALOGS_MAX = 16
_catalogs: OrderedDict[tuple[CompiledTrial, ...], Catalog] = OrderedDict()
_catalogs_lock = threading.Lock()


def catalog_for(compiled: list[CompiledTrial]) -> Catalog:
    """The catalog of these compiled trials, in this order, built once and kept.

    It is keyed on the compiled trials themselves: a change to a trial's criteria gives
    it a new compiled trial (:func:`eligibility.selectors.trials_compiled` keys on the
    criteria version), hence a new key, so a stale catalog is never used. The key holds
    the trials, so their identities cannot be reused while it is kept.
    """
    key = tuple(compiled)
    with _catalogs_lock:
        catalog = _catalogs.get(key)
        if catalog is not None:
            _catalogs.move_to_end(key)
            return catalog
    catalog = Catalog(compiled)
    with _catalogs_lock:
        _catalogs[key] = catalog
        while len(_catalogs) > _CATALOGS_MAX:
            _catalogs.popitem(last=False)
    return catalog


@dataclass(frozen=True)
class TrialMatch:
    """One trial of a catalog-wide match: its outcome and nearest recruiting site."""

    trial: Trial
    outcome: ScreeningOutcome
    nearest_site: RankedSite | None = None
    other_locations: int = 0


@dataclass(frozen=True)
class MatchPage:
    """One page of a catalog-wide match: its matches and how many there are in all."""

    matches: list[TrialMatch]
    total: int


def trials_match(
    *,
    facts: Answers,
    origin: Place | None = None,
    condition: str = DEFAULT_CONDITION,
    radius_km: float | None = None,
    lang: str = "en",
    limit: int = 50,
) -> list[TrialMatch]:
    """The first ``limit`` matches of :func:`trials_match_page`."""
    return trials_match_page(
        facts=facts,
        origin=origin,
        condition=condition,
        radius_km=radius_km,
        lang=lang,
        limit=limit,
    ).matches


def trials_match_page(
    *,
    facts: Answers,
    origin: Place | None = None,
    condition: str = DEFAULT_CONDITION,
    radius_km: float | None = None,
    lang: str = "en",
    limit: int | None = 50,
    offset: int = 0,
    keep: Callable[[Trial], bool] | None = None,
) -> MatchPage:
    """Every recruiting trial for ``condition`` checked against the patient's answers.

    ``facts`` are the answers as :func:`eligibility.services.answers_prepare` validated
    them (once, by the caller). Ranked by verdict (eligible, possibly eligible, not
    eligible), then by how much of the trial we could check (the share of its criteria
    with a rule), then by the distance of the nearest recruiting site to ``origin`` (when
    given), then NCT id. With a radius, trials with no recruiting site inside it are left
    out; with ``keep``, the trials it refuses (a caller's phase filter, say). ``total``
    counts every match kept; only the ``limit`` trials from ``offset`` (every one from
    ``offset`` when ``limit`` is None) get their full explanations.
    """
    nearest: dict[int, tuple[RankedSite | None, int]] = {}
    if origin is not None:
        rows, _total = trials_nearest_for_condition(
            condition=condition, origin=origin, radius_km=radius_km, limit=None
        )
        trials = [row.trial for row in rows]
        nearest = {row.trial.pk: (row.nearest_site, row.other_locations) for row in rows}
    else:
        trials = list(trials_search(condition=condition, statuses=[OverallStatus.RECRUITING]))
    compiled = trials_compiled(trials=trials)
    catalog = catalog_for(compiled)
    verdicts = catalog.evaluate_facts(facts.facts).verdicts.tolist()
    shares = catalog.checked_share.tolist()

    def rank(index: int) -> tuple:
        trial = trials[index]
        site = nearest.get(trial.pk, (None, 0))[0]
        distance = site.distance_km if site is not None else None
        return (
            VERDICT_RANK[VERDICT_NAMES[verdicts[index]]],
            -shares[index],
            distance is None,
            distance or 0.0,
            trial.nct_id,
        )

    ranked = sorted(range(len(trials)), key=rank)
    if keep is not None:
        ranked = [index for index in ranked if keep(trials[index])]
    end = None if limit is None else offset + limit
    matches = []
    for index in ranked[offset:end]:
        trial = trials[index]
        result = compiled[index].evaluate_facts(facts.facts, lang=lang)
        site, others = nearest.get(trial.pk, (None, 0))
        matches.append(
            TrialMatch(
                trial=trial,
                outcome=screening_outcome(trial=trial, result=result, answers=facts),
                nearest_site=site,
                other_locations=others,
            )
        )
    return MatchPage(matches=matches, total=len(ranked))
