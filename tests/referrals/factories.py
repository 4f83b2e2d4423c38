"""factory_boy factories for the people around referrals, and a referral maker."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from partners.models import Partner, PartnerAPIKey
from referrals.models import ClinicianProfile, SiteMembership, SiteRole

PASSWORD = "correct horse battery staple 42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@hospital.example.org")
    first_name = "Sam"
    last_name = factory.Sequence(lambda n: f"Tester{n}")

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])


class SiteMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SiteMembership

    user = factory.SubFactory(UserFactory, username=factory.Sequence(lambda n: f"coordinator{n}"))
    site = None
    role = SiteRole.COORDINATOR


class ClinicianProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClinicianProfile

    user = factory.SubFactory(UserFactory, username=factory.Sequence(lambda n: f"clinician{n}"))
    organisation = "Bay Area Neurology Group"
    phone = "+1 650 555 0199"


def partner_with_key(name: str) -> tuple[Partner, str]:
    partner = Partner.objects.create(name=name)
    _key, raw = PartnerAPIKey.objects.create_key(name=f"{name} production", partner=partner)
    return partner, raw


def referral_for(*, site, answers=None, contact=None, channel="patient", actor=None):
    """A referral made through the real services (screening evaluated and saved)."""
    from eligibility.services import screening_evaluate
    from referrals.audit import Actor
    from referrals.services import referral_create_from_screening
    from tests.referrals.conftest import CONTACT, ELIGIBLE_ANSWERS

    outcome = screening_evaluate(trial=site.trial, answers=answers or ELIGIBLE_ANSWERS)
    return referral_create_from_screening(
        screening=outcome.screening,
        site=site,
        contact=contact or CONTACT,
        consent=True,
        actor=actor or Actor(label="patient", ip_address="203.0.113.9"),
    )
