"""``manage.py criteria_proposals NCT... [--list] [--accept-all --reviewer USERNAME]``: the
reader's proposals."""

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from eligibility.models import CriterionSource, ReviewStatus
from eligibility.review import Reviewer, trial_proposals_accept_all
from finder.models import Trial

#: What a curator needs to decide in the review queue, and so to accept here.
DECIDE_PERMISSION = "eligibility.change_linereview"


class Command(BaseCommand):
    help = (
        "List the criteria reader's proposals for the registered lines of the given trials "
        "(--list, the default), or make every pending proposal live (--accept-all: one new "
        "criteria version per trial; saved screenings are re-evaluated; each decision is "
        "audited under the curator named by --reviewer)."
    )

    def add_arguments(self, parser):
        parser.add_argument("nct_ids", nargs="+", metavar="NCT_ID")
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--list", action="store_true", help="Show the proposals (default).")
        action.add_argument(
            "--accept-all",
            action="store_true",
            help="Accept every pending proposal (needs --reviewer).",
        )
        parser.add_argument(
            "--reviewer",
            metavar="USERNAME",
            help=(
                "With --accept-all: the user name of the curator who accepts (an active "
                f"account with the {DECIDE_PERMISSION} permission); the audit names them."
            ),
        )

    def handle(self, *args, nct_ids, accept_all, reviewer=None, **options):
        if accept_all:
            curator = self._reviewer(reviewer)
        elif reviewer:
            raise CommandError(
                "--reviewer names who accepts with --accept-all; --list decides nothing"
            )
        wanted = [nct.strip().upper() for nct in nct_ids]
        trials = {t.nct_id: t for t in Trial.objects.filter(nct_id__in=wanted)}
        missing = [nct for nct in wanted if nct not in trials]
        if missing:
            raise CommandError(f"No such trial: {', '.join(missing)}")
        for nct in wanted:
            trial = trials[nct]
            if accept_all:
                count = trial_proposals_accept_all(trial=trial, reviewer=curator)
                trial.refresh_from_db(fields=["criteria_version"])
                self.stdout.write(
                    f"{nct}: accepted {count} proposal(s); criteria version "
                    f"{trial.criteria_version}"
                )
            else:
                self._list(trial)

    def _reviewer(self, username: str | None) -> Reviewer:
        """The named curator who accepts: every decision's audit row names a person."""
        if not username or not username.strip():
            raise CommandError(
                "--accept-all needs --reviewer USERNAME: the curator who accepts, whom the "
                "audit names"
            )
        users = get_user_model()
        try:
            user = users.objects.get(**{users.USERNAME_FIELD: username.strip()})
        except users.DoesNotExist:
            raise CommandError(f"--reviewer {username}: no such user") from None
        if not user.is_active:
            raise CommandError(f"--reviewer {username}: the account is not active")
        if not user.has_perm(DECIDE_PERMISSION):
            raise CommandError(
                f"--reviewer {username}: the account may not decide on registered lines "
                f"(it needs the {DECIDE_PERMISSION} permission)"
            )
        return Reviewer(user=user)

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
