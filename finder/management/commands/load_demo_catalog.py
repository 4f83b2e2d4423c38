"""``manage.py load_demo_catalog``: the real recruiting MS trials and the CARE-MS demo."""

from django.core.management.base import BaseCommand

from finder.demo import demo_catalog_load
from finder.management.commands.import_ctgov import report_finish


class Command(BaseCommand):
    help = (
        "Load the demo catalog: four recruiting MS trials as the registry serves them, with "
        "their real sites and a curator's reviewed rules, and the CARE-MS II and CARE-MS I "
        "demonstration (curated criteria, illustrative sites). Idempotent: running it again "
        "changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--care-ms-only",
            action="store_true",
            help="Load only the CARE-MS demonstration, not the real registry trials.",
        )

    def handle(self, *args, **options):
        report = demo_catalog_load(registry=not options["care_ms_only"])
        report_finish(self, report, strict=False)
