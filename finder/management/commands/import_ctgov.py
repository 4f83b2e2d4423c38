"""``manage.py import_ctgov PATH [PATH ...]``: import ClinicalTrials.gov API v2 study JSON.

Also home of the two presentation helpers the other import commands share
(:func:`progress_bar`, :func:`report_finish`).
"""

from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from tqdm import tqdm

from finder.ctgov import iter_raw_studies
from finder.importing import ImportReport, studies_import

T = TypeVar("T")


class Command(BaseCommand):
    help = (
        "Import ClinicalTrials.gov API v2 study JSON: a study, a list of studies, a search "
        "page or a .zip of such files (the bulk download). Re-importing changes nothing. "
        "Malformed studies are reported on stderr and skipped (exit 0; --strict exits 1)."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
        parser.add_argument(
            "--strict", action="store_true", help="Exit with an error if any study was skipped."
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, paths, strict, no_progress, **options):
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise CommandError(f"no such file: {', '.join(missing)}")
        raw = progress_bar(iter_raw_studies(paths), stream=self.stderr, disabled=no_progress)
        report_finish(self, studies_import(raw_studies=raw), strict=strict)


def progress_bar(items: Iterable[T], *, stream: OutputWrapper, disabled: bool) -> Iterable[T]:
    """``items`` with a tqdm bar on ``stream`` (stderr), shown only on a terminal."""
    raw_stream = getattr(stream, "_out", stream)
    is_tty = getattr(raw_stream, "isatty", lambda: False)()
    return tqdm(items, file=raw_stream, unit=" studies", disable=disabled or not is_tty)


def report_finish(command: BaseCommand, report: ImportReport, *, strict: bool) -> None:
    """Each skipped study and warning to stderr, then the summary line to stdout.

    Skips do not fail the command (a registry dump always has a few odd records, and the
    rest did land) unless ``strict`` is set.
    """
    for skipped in report.skipped:
        command.stderr.write(f"skipped {skipped}")
    for warning in report.warnings:
        command.stderr.write(f"warning: {warning}")
    command.stdout.write(report.summary)
    if strict and report.skipped:
        raise CommandError(f"{len(report.skipped)} studies skipped (--strict)")
