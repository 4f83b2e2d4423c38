"""Re-encrypt every encrypted value under the newest key in FIELD_ENCRYPTION_KEYS."""

from django.core.management.base import BaseCommand

from referrals.audit import Actor
from referrals.services import encryption_keys_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt referral contact details and notes with the first (newest) key of "
        "FIELD_ENCRYPTION_KEYS. Put the new key first, run this, then drop the old keys."
    )

    def handle(self, *args, **options):
        rows = encryption_keys_rotate(actor=Actor.system("rotate_encryption_keys"))
        self.stdout.write(f"Re-encrypted {rows} rows with the newest key.")
