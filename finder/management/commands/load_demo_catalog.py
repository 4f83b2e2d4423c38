"""``manage.py load_demo_catalog``: CARE-MS II and CARE-MS I with illustrative sites."""

from django.core.management.base import BaseCommand

from finder.demo import demo_catalog_load
from finder.management.commands.import_ctgov import report_finish


class Command(BaseCommand):
    help = (
        "Load the demo catalog (CARE-MS II and CARE-MS I, their curated criteria and "
        "illustrative site lists). Idempotent: running it again changes nothing."
    )

    def handle(self, *args, **options):
        report_finish(self, demo_catalog_load(), strict=False)
