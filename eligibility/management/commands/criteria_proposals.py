"""``manage.py criteria_proposals NCT... [--list] [--accept-all]``: the reader's proposals."""

import json

from django.core.management.base import BaseCommand, CommandError

from eligibility.models import CriterionSource, ReviewStatus
from eligibility.review import Reviewer, trial_proposals_accept_all
from finder.models import Trial


class Command(BaseCommand):
    help = (
        "List the criteria reader's proposals for the registered lines of the given trials "
        "(--list, the default), or make every pending proposal live (--accept-all: one new "
        "criteria version per trial; saved screenings are re-evaluated; each decision is "
        "audited under this command's name)."
    )

    def add_arguments(self, parser):
        parser.add_argument("nct_ids", nargs="+", metavar="NCT_ID")
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--list", action="store_true", help="Show the proposals (default).")
        action.add_argument(
            "--accept-all", action="store_true", help="Accept every pending proposal."
        )

    def handle(self, *args, nct_ids, accept_all, **options):
        wanted = [nct.strip().upper() for nct in nct_ids]
        trials = {t.nct_id: t for t in Trial.objects.filter(nct_id__in=wanted)}
        missing = [nct for nct in wanted if nct not in trials]
        if missing:
            raise CommandError(f"No such trial: {', '.join(missing)}")
        for nct in wanted:
            trial = trials[nct]
            if accept_all:
                count = trial_proposals_accept_all(
                    trial=trial, reviewer=Reviewer(label="criteria_proposals --accept-all")
                )
                trial.refresh_from_db(fields=["criteria_version"])
                self.stdout.write(
                    f"{nct}: accepted {count} proposal(s); criteria version "
                    f"{trial.criteria_version}"
                )
            else:
                self._list(trial)

    def _list(self, trial):
        lines = trial.criteria.filter(source=CriterionSource.LINE).order_by("kind", "order")
        waiting = sum(
            c.review_status == ReviewStatus.PENDING and c.proposal_rule is not None for c in lines
        )
        self.stdout.write(f"{trial.nct_id}: {len(lines)} registered lines, {waiting} waiting")
        for c in lines:
            if c.review_status == ReviewStatus.PENDING and c.proposal_rule is None:
                status = "no proposal"  # nothing waits: the line stays not_checked
            else:
                status = c.get_review_status_display() or "-"
            first = (c.clinical_text.splitlines() or [""])[0]
            self.stdout.write(f"  {c.kind} {c.order} [{status}] {first}")
            if c.proposal_rule is not None:
                self.stdout.write(
                    f"    proposal ({c.proposal_pattern}, reader {c.reader_version}):"
                )
                self.stdout.write(f"      {json.dumps(c.proposal_rule)}")
                self.stdout.write(f"      en: {c.proposal_patient_text}")
                self.stdout.write(f"      es: {c.proposal_patient_text_es}")
            if c.proposal_reason:
                self.stdout.write(f"    reason: {c.proposal_reason}")
