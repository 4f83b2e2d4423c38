"""The consent a patient (or their clinician) agrees to, in plain words.

The exact text shown is stored on the referral, so what was agreed to can always be
read back even after the wording here changes.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from sites.countries import country_name_local

from .models import Channel


def consent_text(*, trial, site, channel: str = Channel.PATIENT) -> str:
    """What is shared, with whom, for what, and for how long, for this trial and site."""
    params = {
        "team": site_label(site, local=True),
        "trial": trial.acronym or trial.brief_title,
        "nct_id": trial.nct_id,
        "days": settings.REFERRAL_RETENTION_DAYS,
        "unclaimed": settings.REFERRAL_UNCLAIMED_RETENTION_DAYS,
    }
    if channel == Channel.CLINICIAN:
        return (
            _(
                "My patient has agreed that MS Trial Finder sends their name, the email "
                "address and/or phone number given here, their answers to the questionnaire "
                "and the result of the check, together with my name and contact details, to "
                "the study team at %(team)s for the study %(trial)s (%(nct_id)s), so that the "
                "team can contact them about taking part. Nobody else receives them. The "
                "contact details and answers are deleted %(days)s days after the study team "
                "closes the referral, or %(unclaimed)s days after it is sent if no study team "
                "has taken it up by then."
            )
            % params
        )
    return (
        _(
            "I agree that MS Trial Finder sends my name, the email address and/or phone "
            "number I give here, my answers to the questionnaire and the result of the check "
            "to the study team at %(team)s for the study %(trial)s (%(nct_id)s), so that the "
            "team can contact me about taking part. Nobody else receives them. My contact "
            "details and answers are deleted %(days)s days after the study team closes my "
            "referral, or %(unclaimed)s days after I send it if no study team has taken it up "
            "by then."
        )
        % params
    )


def partner_consent_text(*, partner, trial, site) -> str:
    """The record kept for a referral whose consent a partner collected on its own site."""
    return (
        f"Consent collected by the partner {partner.name} and confirmed through the API: "
        f"contact details, answers and result shared with the study team at "
        f"{site_label(site)} for {trial.nct_id}."
    )


def site_label(site, *, local: bool = False) -> str:
    """The site as a patient recognises it: facility, city and country (the country in
    the active language with ``local``, as in the consent the patient reads)."""
    country = country_name_local(site.country) if local and site.country else site.country
    return ", ".join(part for part in (site.facility, site.city, country) if part)
