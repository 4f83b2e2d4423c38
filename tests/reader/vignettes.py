"""Screening the reader's vignettes through the product: imported, accepted unread, screened.

Each vignette text is wrapped as a ClinicalTrials.gov v2 record (:func:`as_v2_record`),
imported with ``manage.py import_ctgov`` (which runs the reader), every pending proposal
accepted at once as ``criteria_proposals --accept-all`` does
(``eligibility.review.trial_proposals_accept_all``), then each patient screened with
``eligibility.services.screening_evaluate``, the service the eligibility API calls.

Used by ``test_vignettes.py`` and by ``measure.py`` (the figures in docs/reader.md and
docs/benchmarks.md). Needs Django and a database: :func:`screen_all` writes, so run it
inside a transaction that is rolled back (:func:`screened_in_rollback`).
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from datetime import date
from io import StringIO
from pathlib import Path

from eligibility.engine.evaluate import ELIGIBLE, FAIL, NOT_CHECKED

VIGNETTES = Path(__file__).resolve().parents[1] / "data" / "reader_vignettes" / "vignettes.json"
#: A third batch of written texts (``held_out_3``), written without reading the reader and
#: run once, held out, after the reader's partial rules (reader version 4).
HELD_OUT_3 = VIGNETTES.with_name("held_out_3.json")
#: Later batches (``held_out_4``, ``held_out_5``, ``held_out_6``, ...), written the same way,
#: each run once after the fixes the one before led to: :func:`load_batch`.
#: The held-out batch of real registered lines (``held_out_registry``), each trial's lines
#: copied from one record of the registry data (its ``source_nct``).
REGISTRY_VIGNETTES = Path(__file__).resolve().parent / "registry_vignettes.json"

#: The vignettes are not registry records and have no NCT ids; the importer needs one.
#: NCT9999xxxx is far above any id the registry has given (NCT07... in 2025).
FAKE_NCT = "NCT9999{:04d}"


def load() -> dict:
    return json.loads(VIGNETTES.read_text(encoding="utf-8"))


def load_held_out_3() -> dict:
    """The third batch of written texts (same shape as :func:`load`)."""
    return json.loads(HELD_OUT_3.read_text(encoding="utf-8"))


def load_batch(name: str) -> dict:
    """A batch of written texts by name ("held_out_4"), same shape as :func:`load`."""
    return json.loads(VIGNETTES.with_name(f"{name}.json").read_text(encoding="utf-8"))


def load_registry() -> dict:
    """The held-out batch of real registered lines (same shape: ``today``, ``trials``)."""
    return json.loads(REGISTRY_VIGNETTES.read_text(encoding="utf-8"))


def patient_keys(data: dict) -> tuple[list[tuple[str, int]], dict, list[str]]:
    """Every patient of ``data`` as (trial id, index), their ``who`` by key, and test ids."""
    keys = [(t["id"], index) for t in data["trials"] for index in range(len(t["patients"]))]
    who = {(t["id"], i): p["who"] for t in data["trials"] for i, p in enumerate(t["patients"])}
    return keys, who, [f"{vig}: {who[(vig, index)][:60]}" for vig, index in keys]


def nct_id(trial: dict) -> str:
    """``VIG-07`` -> ``NCT99990007``."""
    return FAKE_NCT.format(int(trial["id"].removeprefix("VIG-")))


def as_v2_record(trial: dict) -> dict:
    """A vignette as a ClinicalTrials.gov API v2 study: its text and conditions only.

    No ages, sex or healthy-volunteers flag are given (the vignettes state them in the
    text, where the reader reads them), so the importer derives nothing from structured
    fields except what the conditions say (a relapsing-only trial excludes PPMS).
    """
    return {
        "protocolSection": {
            "identificationModule": {
                "nctId": nct_id(trial),
                "briefTitle": f"{trial['id']}: written for the reader's tests",
            },
            "statusModule": {"overallStatus": "RECRUITING"},
            "conditionsModule": {"conditions": list(trial["conditions"])},
            "eligibilityModule": {"eligibilityCriteria": trial["text"]},
        }
    }


@dataclass(frozen=True)
class Screened:
    trial: str
    who: str
    verdict: str
    #: ``(kind, order)`` for a registered line; ``("registry", kind, order)`` for a rule
    #: the importer derived from the record's structured fields.
    statuses: dict[tuple, str]
    ruled_out_by: list[dict]

    @property
    def failing(self) -> set[tuple]:
        return {line for line, status in self.statuses.items() if status == FAIL}

    @property
    def false_exclusions(self) -> set[tuple]:
        """Criteria that rule the patient out although the careful reading says they do not.

        A registered line fails only where the careful reading names it. A rule derived
        from the record's conditions (a relapsing-only trial excludes PPMS; no registered
        line of its own) is a false exclusion where the careful reading rules the patient
        out by no line at all; a PPMS patient whom the lines rule out anyway may fail it too.
        """
        expected = {(line["kind"], line["order"]) for line in self.ruled_out_by}
        wrong = self.failing - expected
        if self.ruled_out_by:
            wrong = {key for key in wrong if key[0] != "registry"}
        return wrong

    @property
    def expressible(self) -> list[tuple[str, int]]:
        return [(line["kind"], line["order"]) for line in self.ruled_out_by if line["expressible"]]

    @property
    def caught(self) -> list[tuple[str, int]]:
        return [line for line in self.expressible if self.statuses[line] == FAIL]


def import_trials(trials: list[dict]) -> dict[str, object]:
    """Import the vignettes with ``import_ctgov`` and accept every proposal unread.

    Returns each vignette's :class:`finder.models.Trial`, by vignette id.
    """
    from django.core.management import call_command

    from eligibility.review import Reviewer, trial_proposals_accept_all
    from finder.models import Trial

    page = {"studies": [as_v2_record(trial) for trial in trials]}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "vignettes-page.json"
        path.write_text(json.dumps(page), encoding="utf-8")
        call_command("import_ctgov", str(path), "--no-progress", "--strict", stdout=StringIO())
    imported = {}
    reviewer = Reviewer(label="vignettes")
    for trial in trials:
        record = Trial.objects.get(nct_id=nct_id(trial))
        trial_proposals_accept_all(trial=record, reviewer=reviewer)
        record.refresh_from_db()
        imported[trial["id"]] = record
    return imported


def _keys(record) -> dict[int, tuple]:
    """Each criterion's id (as the API names it) -> the key the vignettes use."""
    from eligibility.models import CriterionSource

    return {
        c.pk: (c.kind, c.order)
        if c.source == CriterionSource.LINE
        else ("registry", c.kind, c.order)
        for c in record.criteria.all()
    }


def screen_all(data: dict | None = None) -> list[Screened]:
    """Import, accept and screen every vignette patient (writes to the database)."""
    from eligibility.services import answers_prepare, screening_evaluate

    data = data or load()
    today = date.fromisoformat(data["today"])
    imported = import_trials(data["trials"])
    screened = []
    for trial in data["trials"]:
        record = imported[trial["id"]]
        keys = _keys(record)
        for patient in trial["patients"]:
            outcome = screening_evaluate(
                trial=record,
                answers=answers_prepare(answers=patient["answers"], today=today),
                today=today,
            )
            statuses = {keys[c["id"]]: c["status"] for c in outcome.criteria}
            assert len(statuses) == len(outcome.criteria) == outcome.total
            assert outcome.verdict != ELIGIBLE or NOT_CHECKED not in statuses.values()
            screened.append(
                Screened(
                    trial["id"], patient["who"], outcome.verdict, statuses, patient["ruled_out_by"]
                )
            )
    return screened


def screened_in_rollback(data: dict | None = None) -> list[Screened]:
    """:func:`screen_all` inside a transaction rolled back: the database is left as it was."""
    from django.db import transaction

    with transaction.atomic():
        screened = screen_all(data)
        transaction.set_rollback(True)
    return screened


def screened_by_patient(data: dict, django_db_blocker) -> dict[tuple[str, int], Screened]:
    """Every patient of ``data`` screened once on the test database, rolled back after,
    keyed by (trial id, index of the patient in its trial). For a module-scoped fixture,
    which asks pytest-django's ``django_db_blocker`` for the database."""
    from django.db import connection

    with django_db_blocker.unblock():
        # Never the development database (as when no test asks pytest-django for one):
        # pytest-django's are an in-memory SQLite database, or test_<name> on PostgreSQL.
        name = str(connection.settings_dict["NAME"])
        assert name.startswith("test_") or "memory" in name, name
        result = screened_in_rollback(data)
    by_patient: dict[tuple[str, int], Screened] = {}
    counts: dict[str, int] = {}
    for screening in result:
        index = counts.get(screening.trial, 0)
        counts[screening.trial] = index + 1
        by_patient[(screening.trial, index)] = screening
    return by_patient


def catch_rate(screened: list[Screened]) -> tuple[int, int]:
    """(caught, expressible) over every patient's expressible exclusions."""
    expressible = sum(len(s.expressible) for s in screened)
    caught = sum(len(s.caught) for s in screened)
    return caught, expressible


def figures(screened: list[Screened], data: dict | None = None) -> list[str]:
    """One line per batch: trials, patients, exclusions caught, false exclusions."""
    data = data or load()
    lines = []
    for batch in dict.fromkeys(trial["batch"] for trial in data["trials"]):
        trials = {t["id"] for t in data["trials"] if t["batch"] == batch}
        mine = [s for s in screened if s.trial in trials]
        caught, expressible = catch_rate(mine)
        false = sum(len(s.false_exclusions) for s in mine)
        lines.append(
            f"vignettes ({batch}): {len(trials)} trials, {len(mine)} patients, "
            f"caught {caught} of {expressible} expressible exclusions "
            f"({caught / expressible:.0%}), false exclusions {false}"
        )
    return lines
