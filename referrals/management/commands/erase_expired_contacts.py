"""Erase contact details of referrals closed more than REFERRAL_RETENTION_DAYS ago."""

from django.core.management.base import BaseCommand

from referrals.audit import Actor
from referrals.services import referral_contacts_erase_expired


class Command(BaseCommand):
    help = (
        "Erase the name, email, phone and notes of referrals closed more than "
        "REFERRAL_RETENTION_DAYS ago (the periodic task does this hourly)."
    )

    def handle(self, *args, **options):
        count = referral_contacts_erase_expired(actor=Actor.system("erase_expired_contacts"))
        self.stdout.write(f"Erased the contact details of {count} referrals.")
