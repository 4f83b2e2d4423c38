"""Create a partner API key: ``manage.py create_api_key "<partner name>"``.

Creates the partner if it does not exist. The key is printed once, as the last line of
the output, and never again (only a hash is stored); revoke it in the admin.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from partners.models import Partner, PartnerAPIKey


class Command(BaseCommand):
    help = "Create an API key for a partner (created if needed); prints the key last."

    def add_arguments(self, parser):
        parser.add_argument("partner", help='The partner\'s name, e.g. "Example MS Society".')
        parser.add_argument(
            "--name", default="", help="A label for this key (default: the partner's name)."
        )
        parser.add_argument("--email", default="", help="Contact e-mail for a new partner.")
        parser.add_argument(
            "--expires-in-days", type=int, default=None, help="Expire the key after N days."
        )

    @transaction.atomic
    def handle(self, *args, partner, name, email, expires_in_days, **options):
        partner_name = partner.strip()
        if not partner_name:
            raise CommandError("The partner name cannot be empty.")
        if expires_in_days is not None and expires_in_days < 1:
            raise CommandError("--expires-in-days must be 1 or more.")
        record, created = Partner.objects.get_or_create(
            name=partner_name, defaults={"contact_email": email}
        )
        if not record.is_active:
            raise CommandError(f'Partner "{record.name}" is deactivated; activate it first.')
        expiry = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
        api_key, key = PartnerAPIKey.objects.create_key(
            name=name or record.name, partner=record, expiry_date=expiry
        )
        self.stdout.write(f"{'Created' if created else 'Using'} partner: {record.name}")
        self.stdout.write(f"Key prefix (shown in the admin): {api_key.prefix}")
        if expiry:
            self.stdout.write(f"Expires: {expiry:%Y-%m-%d %H:%M} UTC")
        self.stdout.write(
            "Send it as 'Authorization: Api-Key <key>'. It is shown once; store it now:"
        )
        self.stdout.write(key)
