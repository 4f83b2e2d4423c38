"""Invite someone to a site's study team: ``invite_site_team SITE_ID EMAIL [--role] [--approve]``.

The invitation email (a single-use link, valid for a week) goes through the outbox once
this commits. An invitation to the contact address the registry lists for the site waits
for an operator's approval: ``--approve`` gives it (running the command again with
``--approve`` approves one already waiting). Registry addresses of the demo catalog are
refused. The address is never printed.
"""

from django.core.management.base import BaseCommand, CommandError

from referrals.models import InvitationStatus, SiteRole
from referrals.selectors import site_invitation_pending
from referrals.services import (
    COMMAND_ACTOR,
    InvitationRejected,
    is_registry_contact,
    site_invitation_approve,
    site_invitation_create,
)
from sites.models import Site


class Command(BaseCommand):
    help = (
        "Invite someone to a site's study team by email (a single-use link, valid for a "
        "week). An invitation to the site's registry contact address needs --approve."
    )

    def add_arguments(self, parser):
        parser.add_argument("site_id", type=int, help="the site's id (admin: Sites)")
        parser.add_argument(
            "email",
            nargs="?",
            default="",
            help="who to invite; leave out with --registry-contact",
        )
        parser.add_argument(
            "--role",
            choices=SiteRole.values,
            default=SiteRole.COORDINATOR,
            help="default: %(default)s",
        )
        parser.add_argument(
            "--registry-contact",
            action="store_true",
            help="invite the contact address the registry lists for the site",
        )
        parser.add_argument(
            "--approve",
            action="store_true",
            help="approve an invitation to the registry contact address (send it)",
        )

    def handle(self, *args, site_id, email, role, registry_contact, approve, **options):
        site = Site.objects.select_related("trial").filter(pk=site_id).first()
        if site is None:
            raise CommandError(f"There is no site {site_id}.")
        if registry_contact:
            if not site.contact_email:
                raise CommandError(f"The registry lists no contact address for site {site_id}.")
            email = site.contact_email
        if not email:
            raise CommandError("Give an email address, or --registry-contact.")
        waiting = site_invitation_pending(site=site, email=email)
        try:
            if (
                waiting is not None
                and waiting.status == InvitationStatus.AWAITING_APPROVAL
                and approve
            ):
                invitation = site_invitation_approve(invitation=waiting, actor=COMMAND_ACTOR)
            else:
                invitation = site_invitation_create(
                    site=site, email=email, role=role, actor=COMMAND_ACTOR, approve=approve
                )
        except InvitationRejected as exc:
            raise CommandError(
                "; ".join(f"{key}: {message}" for key, message in exc.errors.items())
            ) from None
        where = f"site {site.pk} ({site}, {site.trial.nct_id})"
        if invitation.status == InvitationStatus.AWAITING_APPROVAL:
            self.stdout.write(
                f"Invitation {invitation.pk} to {where} is addressed to the site's registry "
                "contact, which may be a sponsor's call centre: it waits for an approval. "
                "Check the address, then run the command again with --approve (or use the "
                "admin's 'Approve and send')."
            )
            return
        registry = (
            " (the registry contact address)" if is_registry_contact(site=site, email=email) else ""
        )
        self.stdout.write(
            f"Invitation {invitation.pk} to {where} as {invitation.get_role_display()}{registry}: "
            "the email with its link is on its way (python manage.py deliver_outbox sends it "
            "now if no worker runs)."
        )
