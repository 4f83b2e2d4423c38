"""``manage.py sync_ctgov --condition "multiple sclerosis"``: import from the live registry."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from finder.management.commands.import_ctgov import progress_bar, report_finish
from finder.models import OverallStatus
from finder.registry import REGISTRY_MAX_PAGE_SIZE, RegistryError, registry_sync_changed


def _page_size(text: str) -> int:
    value = int(text)
    if not 1 <= value <= REGISTRY_MAX_PAGE_SIZE:
        raise ValueError(f"page size must be 1..{REGISTRY_MAX_PAGE_SIZE}")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError("must be 1 or more")
    return value


class Command(BaseCommand):
    help = (
        "Import the studies ClinicalTrials.gov lists for a condition, page by page from its "
        "API v2 (settings.CTGOV_API_URL). Same import as import_ctgov; idempotent. "
        "--changed fetches only the studies updated since the last sync (what the periodic "
        "task does); every trial the registry confirmed records when."
    )

    def add_arguments(self, parser):
        parser.add_argument("--condition", required=True, help='e.g. "multiple sclerosis"')
        parser.add_argument(
            "--status",
            action="append",
            default=[],
            metavar="STATUS",
            help="Overall status to keep, e.g. RECRUITING (repeat or comma-separate for more).",
        )
        changed = parser.add_mutually_exclusive_group()
        changed.add_argument(
            "--changed",
            action="store_true",
            help="Only the studies updated since the last sync (the day before it, to be safe).",
        )
        changed.add_argument(
            "--since",
            type=date.fromisoformat,
            metavar="YYYY-MM-DD",
            help="Only the studies whose last update was posted on this day or later.",
        )
        parser.add_argument("--page-size", type=_page_size, default=100)
        parser.add_argument("--max-pages", type=_positive, default=None)
        parser.add_argument("--strict", action="store_true", help="Fail if any study was skipped.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(
        self,
        *args,
        condition,
        status,
        changed,
        since,
        page_size,
        max_pages,
        strict,
        no_progress,
        **_,
    ):
        statuses = [s.strip().upper() for value in status for s in value.split(",") if s.strip()]
        unknown = [s for s in statuses if s not in OverallStatus.values]
        if unknown:
            raise CommandError(
                f"unknown status {', '.join(unknown)} (known: {', '.join(OverallStatus.values)})"
            )
        try:
            sync = registry_sync_changed(
                condition=condition,
                statuses=statuses,
                since=since,
                changed_only=bool(changed or since),
                page_size=page_size,
                max_pages=max_pages,
                progress=lambda raw: progress_bar(raw, stream=self.stderr, disabled=no_progress),
            )
        except RegistryError as exc:
            if exc.report and (exc.report.created or exc.report.updated or exc.report.unchanged):
                self.stderr.write(f"before the failure: {exc.report.summary}")
            raise CommandError(str(exc)) from None
        if sync.since is not None:
            self.stderr.write(f"studies updated since {sync.since.isoformat()}")
        self.stderr.write(f"{sync.checked} trials confirmed against the registry")
        report_finish(self, sync.report, strict=strict)
