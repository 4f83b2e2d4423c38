"""Partner API: refer a patient to a trial site, and read back the referral's status.

Both endpoints need a partner API key. A partner sees only the referrals made with its
own keys: any other reference is a 404, exactly like one that does not exist.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.http import Http404
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import (
    PROBLEM,
    ApiInputError,
    JsonBooleanField,
    NoParams,
    StrictSerializer,
    problem,
    query_params,
)
from eligibility.schema import answers_schema
from finder.models import Trial
from partners.authentication import HasPartnerKey
from sites.models import Site

from .audit import actor_from_request, audit_record
from .models import AuditAction, Channel, Referral, Status
from .selectors import referral_for_partner
from .services import (
    IDEMPOTENCY_WINDOW,
    IdempotencyKeyReused,
    ReferralRejected,
    referral_create,
    referral_create_idempotent,
)

IDEMPOTENCY_HEADER = "Idempotency-Key"
#: 1 to 255 visible ASCII characters: a UUID, or any token the partner draws.
IDEMPOTENCY_KEY_PATTERN = r"^[!-~]{1,255}$"
#: The languages a referral may be made in: ``language`` is one of these codes.
LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


class ContactSerializer(StrictSerializer):
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


_LOCATION = OpenApiParameter(
    "Location",
    str,
    OpenApiParameter.HEADER,
    response=[200, 201],
    description="The referral's status URL (GET /api/v1/referrals/<reference>/).",
)
_REPLAYED = OpenApiParameter(
    "Idempotent-Replayed",
    str,
    OpenApiParameter.HEADER,
    response=[200],
    description="`true`: this answer repeats the referral an earlier request with the same "
    "Idempotency-Key made.",
)
_IDEMPOTENCY_KEY = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": IDEMPOTENCY_KEY_PATTERN},
    OpenApiParameter.HEADER,
    required=False,
    description="Optional; a key of your own (a UUID, say) that makes retrying safe. For "
    "24 hours per partner, the same key with the same body gives back the referral it "
    "made (200, nothing new is created); with another body it is a 409.",
)


@method_decorator(sensitive_post_parameters(), name="dispatch")
class ReferralCreateApi(APIView):
    """Refer a patient: the answers are checked, and the site team is told (no 201 without it).

    400 names the field: any unknown field (``notes``, ``contact.ssn``) or query parameter
    (it takes none), ``consent`` (not ``true``), ``site`` (not a site of the trial),
    ``answers`` (no answers, or not eligible) or ``answers.<key>`` (invalid),
    ``contact.email`` (malformed), ``contact`` (neither email nor phone), ``language``
    (not one of :data:`LANGUAGE_CODES`), ``Idempotency-Key`` (malformed). No error repeats
    a value sent. With an ``Idempotency-Key`` the request is made at most once (see
    :func:`referrals.services.referral_create_idempotent`).
    """

    permission_classes = [HasPartnerKey]

    class InputSerializer(StrictSerializer):
        trial = serializers.CharField(max_length=11)
        site = serializers.IntegerField()
        answers = serializers.JSONField()
        contact = ContactSerializer()
        consent = JsonBooleanField(required=False, default=False)
        language = serializers.ChoiceField(
            choices=LANGUAGE_CODES,
            required=False,
            default="en",
            # DRF's own message quotes the value sent ('"xx" is not a valid choice.').
            error_messages={"invalid_choice": f"must be one of: {', '.join(LANGUAGE_CODES)}"},
        )

    @extend_schema(
        operation_id="referral_create",
        parameters=[_IDEMPOTENCY_KEY, _LOCATION, _REPLAYED],
        request={
            "application/json": {
                "type": "object",
                "properties": {
                    "trial": {"type": "string", "example": "NCT00548405"},
                    "site": {"type": "integer", "description": "A site id of that trial"},
                    "answers": {**answers_schema(), "minProperties": 1},
                    "contact": {
                        "type": "object",
                        "properties": {
                            "name": {"type": "string"},
                            "email": {"type": "string", "format": "email"},
                            "phone": {"type": "string", "example": "+16505550100"},
                        },
                        "required": ["name"],
                        "additionalProperties": False,
                    },
                    "consent": {
                        "type": "boolean",
                        "description": "The patient agreed to share these details with the "
                        "site's study team. Must be true.",
                    },
                    "language": {
                        "type": "string",
                        "enum": LANGUAGE_CODES,
                        "default": "en",
                        "description": "The patient's language: the confirmation e-mail "
                        "they receive is written in it.",
                    },
                },
                "required": ["trial", "site", "answers", "contact", "consent"],
                "additionalProperties": False,
            }
        },
        responses={
            201: ReferralOutputSerializer,
            200: OpenApiResponse(
                ReferralOutputSerializer,
                description="The referral an earlier request with the same Idempotency-Key "
                "and the same body made; nothing new was created.",
            ),
            400: PROBLEM,
            401: PROBLEM,
            409: OpenApiResponse(
                description="The Idempotency-Key was used with another body in the past 24 hours."
            ),
        },
        tags=["referrals"],
    )
    def post(self, request):
        query_params(request, NoParams)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key = _idempotency_key(request)
        data = serializer.validated_data
        trial = Trial.objects.filter(nct_id=data["trial"].upper()).first()
        if trial is None:
            raise ApiInputError({"trial": "no trial with this NCT id"})
        site = Site.objects.filter(pk=data["site"]).first()
        fields = {
            "trial": trial,
            "site": site,
            "answers": data["answers"],
            "contact": dict(data["contact"]),
            "consent": data["consent"],
            "actor": actor_from_request(request),
            "channel": Channel.PARTNER,
            "consent_given_text": _partner_consent(request, trial, site),
            "language": data["language"],
        }
        try:
            if key is None:
                referral, created = referral_create(**fields), True
            else:
                referral, created = referral_create_idempotent(
                    partner=request.auth.partner, key=key, body=request.data, **fields
                )
        except ReferralRejected as exc:
            raise ApiInputError(exc.errors) from None
        except IdempotencyKeyReused:
            return problem(
                409,
                "Idempotency-Key already used",
                f"This {IDEMPOTENCY_HEADER} was used with another request body in the past "
                f"{_hours(IDEMPOTENCY_WINDOW)} hours: send a new key for a new referral.",
                [{"field": IDEMPOTENCY_HEADER, "message": "already used with another body"}],
            )
        headers = {"Location": request.build_absolute_uri(_status_path(referral))}
        if not created:
            headers["Idempotent-Replayed"] = "true"
        return Response(
            ReferralOutputSerializer(referral).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            headers=headers,
        )


def _idempotency_key(request) -> str | None:
    """The request's Idempotency-Key, or None; a malformed one is a 400 (never repeated)."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    if not re.fullmatch(IDEMPOTENCY_KEY_PATTERN, key):
        raise ApiInputError(
            {IDEMPOTENCY_HEADER: "must be 1 to 255 visible ASCII characters (no spaces)"}
        )
    return key


def _hours(window) -> int:
    return int(window.total_seconds() // 3600)


def _status_path(referral: Referral) -> str:
    return reverse("api-referral-detail", kwargs={"reference": referral.reference})


def _partner_consent(request, trial, site) -> str:
    from .consent import partner_consent_text

    if site is None or site.trial_id != trial.pk:
        return ""
    return partner_consent_text(partner=request.auth.partner, trial=trial, site=site)


class ReferralDetailApi(APIView):
    """A referral's status, for the partner that made it (404 for any other caller's).

    It takes no query parameters: any is a 400 naming it, before the referral is looked
    up (so nothing is audited)."""

    permission_classes = [HasPartnerKey]

    @extend_schema(
        operation_id="referral_status",
        responses={200: ReferralOutputSerializer, 401: PROBLEM, 404: PROBLEM},
        tags=["referrals"],
    )
    def get(self, request, reference: str):
        query_params(request, NoParams)
        referral = referral_for_partner(partner=request.auth.partner, reference=reference)
        if referral is None:
            raise Http404
        audit_record(actor=actor_from_request(request), action=AuditAction.VIEW, referral=referral)
        return Response(ReferralOutputSerializer(referral).data)
