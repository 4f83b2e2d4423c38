"""Send every pending notification now (what the periodic task does)."""

from django.core.management.base import BaseCommand

from notifications.services import outbox_deliver_pending


class Command(BaseCommand):
    help = "Send the notifications still waiting in the outbox."

    def handle(self, *args, **options):
        sent = outbox_deliver_pending()
        self.stdout.write(f"Sent {sent} messages.")
