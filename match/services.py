"""One set of answers against every recruiting trial: the one match service.

The match API (``POST /api/v1/match/``), FHIR ``$match`` and the "Find trials for me"
pages all call :func:`trials_match`. The sites app feeds it the candidate trials with
their nearest recruiting site; the eligibility app the compiled criteria and the
outcome of each trial. Nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def checked_share(compiled: CompiledTrial) -> float:
    """The share of a trial's criteria that have a rule (1.0 for a trial with none)."""
    total = len(compiled.criteria)
    if not total:
        return 1.0
    return sum(c.spec.rule is not None for c in compiled.criteria) / total


@dataclass(frozen=True)
class TrialMatch:
    """One trial of a catalog-wide match: its outcome and nearest recruiting site."""

    trial: Trial
    outcome: ScreeningOutcome
    nearest_site: RankedSite | None = None
    other_locations: int = 0


def trials_match(
    *,
    facts: Answers,
    origin: Place | None = None,
    condition: str = DEFAULT_CONDITION,
    radius_km: float | None = None,
    lang: str = "en",
    limit: int = 50,
) -> list[TrialMatch]:
    """Every recruiting trial for ``condition`` checked against the patient's answers.

    ``facts`` are the answers as :func:`eligibility.services.answers_prepare` validated
    them (once, by the caller). Ranked by verdict (eligible, possibly eligible, not
    eligible), then by how much of the trial we could check (the share of its criteria
    with a rule), then by the distance of the nearest recruiting site to ``origin`` (when
    given), then NCT id. With a radius, trials with no recruiting site inside it are left
    out. Only the ``limit`` trials returned get their full explanations.
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
    compiled_by_trial = dict(zip(trials, trials_compiled(trials=trials), strict=True))

    def rank(trial: Trial) -> tuple:
        site = nearest.get(trial.pk, (None, 0))[0]
        distance = site.distance_km if site is not None else None
        compiled = compiled_by_trial[trial]
        verdict = compiled.verdict(facts.facts)
        return (
            VERDICT_RANK[verdict],
            -checked_share(compiled),
            distance is None,
            distance or 0.0,
            trial.nct_id,
        )

    matches = []
    for trial in sorted(trials, key=rank)[:limit]:
        result = compiled_by_trial[trial].evaluate_facts(facts.facts, lang=lang)
        site, others = nearest.get(trial.pk, (None, 0))
        matches.append(
            TrialMatch(
                trial=trial,
                outcome=screening_outcome(trial=trial, result=result, answers=facts),
                nearest_site=site,
                other_locations=others,
            )
        )
    return matches
