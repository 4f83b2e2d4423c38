"""Re-encrypt every encrypted value under the newest key in FIELD_ENCRYPTION_KEYS."""

from django.core.management.base import BaseCommand

from privacy.services import encryption_keys_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field of every model (referral contact details, notes, "
        "...) with the first (newest) key of FIELD_ENCRYPTION_KEYS. Put the new key first, "
        "run this, then drop the old keys."
    )

    def handle(self, *args, **options):
        rows = encryption_keys_rotate(initiator="rotate_encryption_keys")
        self.stdout.write(f"Re-encrypted {sum(rows.values())} rows with the newest key.")
        if options["verbosity"] > 1:
            for label, count in rows.items():
                self.stdout.write(f"  {label}: {count}")
