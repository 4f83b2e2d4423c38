"""Eligibility API: a trial's questionnaire, and checking answers against its criteria."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import ApiInputError
from finder.models import Trial

from .engine.facts import InvalidAnswers, normalize_language
from .schema import ANSWER_KEYS, answers_schema
from .selectors import trial_questions
from .services import screening_evaluate

PROBLEM = OpenApiResponse(description="Problem details (RFC 9457) naming the offending fields.")


def request_language(request) -> str:
    """``?lang=es`` wins, then the negotiated language (Accept-Language, cookie)."""
    return normalize_language(
        request.query_params.get("lang") or getattr(request, "LANGUAGE_CODE", None)
    )


def invalid_answers_error(exc: InvalidAnswers) -> ApiInputError:
    """Answer-level problems, each named by its path under ``answers``."""
    return ApiInputError(
        {(k if k == "answers" else f"answers.{k}"): v for k, v in exc.errors.items()},
        detail="Some answers are not valid: "
        + "; ".join(f"{k}: {v}" for k, v in exc.errors.items()),
    )


class QuestionSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=ANSWER_KEYS)
    type = serializers.ChoiceField(choices=["integer", "number", "date", "choice", "multi_choice"])
    text = serializers.CharField()
    help = serializers.CharField()
    choices = inline_serializer(
        "QuestionChoice",
        {"value": serializers.CharField(), "label": serializers.CharField()},
        many=True,
    )
    min = serializers.FloatField(allow_null=True)
    max = serializers.FloatField(allow_null=True)
    step = serializers.FloatField(allow_null=True)
    allows_unsure = serializers.BooleanField()


class QuestionnaireSerializer(serializers.Serializer):
    nct_id = serializers.CharField()
    criteria_version = serializers.IntegerField()
    language = serializers.CharField()
    questions = QuestionSerializer(many=True)


LANG_PARAM = OpenApiParameter(
    "lang",
    str,
    required=False,
    description="Language of the texts: 'en' or 'es'; anything else falls back to English.",
)


class TrialQuestionnaireApi(APIView):
    """The questions a trial's criteria can need, with their keys, types, choices and ranges."""

    @extend_schema(
        operation_id="trial_questionnaire",
        parameters=[LANG_PARAM],
        responses={200: QuestionnaireSerializer, 404: PROBLEM},
        tags=["eligibility"],
    )
    def get(self, request, nct_id: str):
        trial = get_object_or_404(Trial, nct_id=nct_id.upper())
        lang = request_language(request)
        questions = trial_questions(trial=trial, lang=lang)
        return Response(
            {
                "nct_id": trial.nct_id,
                "criteria_version": trial.criteria_version,
                "language": lang,
                "questions": [q.as_dict() for q in questions],
            }
        )


class CriterionResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["inclusion", "exclusion"])
    text = serializers.CharField()
    status = serializers.ChoiceField(choices=["pass", "fail", "unknown"])
    explanation = serializers.CharField()
    facts_used = serializers.DictField()


class EligibilityOutputSerializer(serializers.Serializer):
    nct_id = serializers.CharField()
    verdict = serializers.ChoiceField(choices=["eligible", "possibly_eligible", "ineligible"])
    criteria = CriterionResultSerializer(many=True)
    missing = serializers.ListField(child=serializers.ChoiceField(choices=ANSWER_KEYS))
    criteria_version = serializers.IntegerField()
    screening_id = serializers.UUIDField()


def eligibility_output(outcome) -> dict:
    """The eligibility response body for a screening outcome (shared with the match API)."""
    return {
        "nct_id": outcome.trial.nct_id,
        "verdict": outcome.verdict,
        "criteria": outcome.criteria,
        "missing": outcome.missing,
        "criteria_version": outcome.criteria_version,
    }


#: What a screening reads of its trial: the compiled-criteria cache key and the NCT id
#: (the registry text, often tens of kilobytes, is not loaded for every screening).
SCREENING_TRIAL_FIELDS = ("id", "nct_id", "created_at", "criteria_version")


class TrialEligibilityApi(APIView):
    """Check answers against one trial's criteria; every criterion gets a status and reason.

    The screening is kept anonymously (answers, results, verdict, criteria version);
    nothing is stored for a rejected request.
    """

    @extend_schema(
        operation_id="trial_eligibility",
        parameters=[LANG_PARAM],
        request={
            "application/json": {
                "type": "object",
                "properties": {"answers": answers_schema()},
                "required": ["answers"],
                "additionalProperties": False,
            }
        },
        responses={200: EligibilityOutputSerializer, 400: PROBLEM, 404: PROBLEM},
        tags=["eligibility"],
    )
    def post(self, request, nct_id: str):
        trial = get_object_or_404(
            Trial.objects.only(*SCREENING_TRIAL_FIELDS), nct_id=nct_id.upper()
        )
        body = request.data
        if not isinstance(body, dict):
            raise ApiInputError({"body": "must be a JSON object with an 'answers' object"})
        unknown = sorted(set(body) - {"answers"})
        if unknown:
            raise ApiInputError(dict.fromkeys(unknown, "unknown field"))
        if "answers" not in body:
            raise ApiInputError({"answers": "is required"})
        try:
            outcome = screening_evaluate(
                trial=trial, answers=body["answers"], lang=request_language(request)
            )
        except InvalidAnswers as exc:
            raise invalid_answers_error(exc) from None
        return Response({**eligibility_output(outcome), "screening_id": outcome.screening.pk})
