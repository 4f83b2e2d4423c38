"""``manage.py erase_expired_watches``: what the hourly retention task erases, now."""

from django.core.management.base import BaseCommand

from watches.services import watches_erase_expired


class Command(BaseCommand):
    help = (
        "Erase watches not confirmed within WATCH_CONFIRM_DAYS, confirmed ones unused for "
        "WATCH_RETENTION_DAYS, expired links, and alerts older than WATCH_ALERT_KEEP_DAYS."
    )

    def handle(self, *args, **options):
        erased = watches_erase_expired()
        self.stdout.write(", ".join(f"{name} {count}" for name, count in erased.items()))
