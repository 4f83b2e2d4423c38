"""Partner API: refer a patient to a trial site, and read back the referral's status.

Both endpoints need a partner API key. A partner sees only the referrals made with its
own keys: any other reference is a 404, exactly like one that does not exist.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import PROBLEM, ApiInputError, JsonBooleanField
from eligibility.schema import answers_schema
from finder.models import Trial
from partners.authentication import HasPartnerKey
from sites.models import Site

from .audit import actor_from_request, audit_record
from .models import AuditAction, Channel, Status
from .selectors import referral_for_partner
from .services import ReferralRejected, referral_create


class ContactSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40)


class ReferralOutputSerializer(serializers.Serializer):
    reference = serializers.CharField()
    trial = serializers.CharField(source="trial.nct_id")
    site = serializers.IntegerField(source="site_id")
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    verdict = serializers.CharField()
    created_at = serializers.DateTimeField()
    status_changed_at = serializers.DateTimeField()


@method_decorator(sensitive_post_parameters(), name="dispatch")
class ReferralCreateApi(APIView):
    """Refer a patient: the answers are checked, and the site team is told (no 200 without it).

    400 names the field: ``consent`` (not ``true``), ``site`` (not a site of the trial),
    ``answers`` (not eligible) or ``answers.<key>`` (invalid), ``contact.email``
    (malformed), ``contact`` (neither email nor phone).
    """

    permission_classes = [HasPartnerKey]

    class InputSerializer(serializers.Serializer):
        trial = serializers.CharField(max_length=11)
        site = serializers.IntegerField()
        answers = serializers.JSONField()
        contact = ContactSerializer()
        consent = JsonBooleanField(required=False, default=False)

    @extend_schema(
        operation_id="referral_create",
        request={
            "application/json": {
                "type": "object",
                "properties": {
                    "trial": {"type": "string", "example": "NCT00548405"},
                    "site": {"type": "integer", "description": "A site id of that trial"},
                    "answers": answers_schema(),
                    "contact": {
                        "type": "object",
                        "properties": {
                            "name": {"type": "string"},
                            "email": {"type": "string", "format": "email"},
                            "phone": {"type": "string", "example": "+16505550100"},
                        },
                        "required": ["name"],
                    },
                    "consent": {
                        "type": "boolean",
                        "description": "The patient agreed to share these details with the "
                        "site's study team. Must be true.",
                    },
                },
                "required": ["trial", "site", "answers", "contact", "consent"],
            }
        },
        responses={201: ReferralOutputSerializer, 400: PROBLEM, 401: PROBLEM},
        tags=["referrals"],
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        trial = Trial.objects.filter(nct_id=data["trial"].upper()).first()
        if trial is None:
            raise ApiInputError({"trial": "no trial with this NCT id"})
        site = Site.objects.filter(pk=data["site"]).first()
        try:
            referral = referral_create(
                trial=trial,
                site=site,
                answers=data["answers"],
                contact=dict(data["contact"]),
                consent=data["consent"],
                actor=actor_from_request(request),
                channel=Channel.PARTNER,
                consent_given_text=_partner_consent(request, trial, site),
            )
        except ReferralRejected as exc:
            raise ApiInputError(exc.errors) from None
        return Response(ReferralOutputSerializer(referral).data, status=status.HTTP_201_CREATED)


def _partner_consent(request, trial, site) -> str:
    from .consent import partner_consent_text

    if site is None or site.trial_id != trial.pk:
        return ""
    return partner_consent_text(partner=request.auth.partner, trial=trial, site=site)


class ReferralDetailApi(APIView):
    """A referral's status, for the partner that made it (404 for any other caller's)."""

    permission_classes = [HasPartnerKey]

    @extend_schema(
        operation_id="referral_status",
        responses={200: ReferralOutputSerializer, 401: PROBLEM, 404: PROBLEM},
        tags=["referrals"],
    )
    def get(self, request, reference: str):
        referral = referral_for_partner(partner=request.auth.partner, reference=reference)
        if referral is None:
            raise Http404
        audit_record(actor=actor_from_request(request), action=AuditAction.VIEW, referral=referral)
        return Response(ReferralOutputSerializer(referral).data)
