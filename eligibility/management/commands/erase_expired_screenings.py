"""Erase anonymous screenings older than SCREENING_RETENTION_SECONDS (none a referral keeps)."""

from django.core.management.base import BaseCommand

from eligibility.services import screenings_erase_expired


class Command(BaseCommand):
    help = (
        "Erase the anonymous screenings (answers and results) that no referral points at, "
        "once SCREENING_RETENTION_SECONDS (by default SESSION_COOKIE_AGE) have passed; the "
        "periodic task does this hourly."
    )

    def handle(self, *args, **options):
        count = screenings_erase_expired()
        self.stdout.write(f"Erased {count} anonymous screenings.")
