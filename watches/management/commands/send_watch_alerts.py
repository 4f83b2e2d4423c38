"""``manage.py send_watch_alerts``: compute the day's alerts and queue their digests now."""

from django.core.management.base import BaseCommand

from watches.matching import watch_alerts_run


class Command(BaseCommand):
    help = (
        "Detect what changed in the catalog since the last run, match it to the watches and "
        "queue one digest per watch (one a day at most); the outbox sends them. The periodic "
        "task runs the same (watches-send-alerts). Safe to run at any time, and twice."
    )

    def handle(self, *args, **options):
        run = watch_alerts_run()
        seconds = ", ".join(f"{step} {value:.2f} s" for step, value in run.seconds.items())
        self.stdout.write(
            f"changes {run.changes}, alerts {run.alerts}, digests {run.digests} ({seconds})"
        )
