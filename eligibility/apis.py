"""Eligibility API: a trial's questionnaire, and checking answers against its criteria."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import (
    LANG_PARAM,
    PROBLEM,
    ApiInputError,
    LanguageParams,
    query_params,
    render,
    request_language,
)
from finder.models import Trial

from .schema import ANSWER_KEYS, FACT_TYPES, answers_schema
from .selectors import trial_questions
from .services import answers_prepare, screening_evaluate


@extend_schema_field(answers_schema())
class AnswersField(serializers.JSONField):
    """An ``answers`` object; its keys and values are checked by the eligibility service."""

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError("must be an object mapping answer keys to values")
        return data


class QuestionSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=ANSWER_KEYS)
    type = serializers.ChoiceField(choices=FACT_TYPES)
    text = serializers.CharField()
    help = serializers.CharField()
    choices = inline_serializer(
        "QuestionChoice",
        {"value": serializers.CharField(), "label": serializers.CharField()},
        many=True,
        source="choice_items",
    )
    min = serializers.FloatField(allow_null=True)
    max = serializers.FloatField(allow_null=True)
    step = serializers.FloatField(allow_null=True)
    allows_unsure = serializers.BooleanField()
    allows_never = serializers.BooleanField(
        help_text="Whether 'never' is an answer (dated facts, years_since_cancer)."
    )


class QuestionnaireSerializer(serializers.Serializer):
    nct_id = serializers.CharField()
    criteria_version = serializers.IntegerField()
    language = serializers.CharField()
    questions = QuestionSerializer(many=True)


class TrialQuestionnaireApi(APIView):
    """The questions a trial's criteria can need, with their keys, types, choices and ranges."""

    @extend_schema(
        operation_id="trial_questionnaire",
        parameters=[LANG_PARAM],
        responses={200: QuestionnaireSerializer, 404: PROBLEM},
        tags=["eligibility"],
    )
    def get(self, request, nct_id: str):
        query_params(request, LanguageParams)
        trial = get_object_or_404(Trial, nct_id=nct_id.upper())
        lang = request_language(request)
        questions = trial_questions(trial=trial, lang=lang)
        return Response(
            QuestionnaireSerializer(
                {
                    "nct_id": trial.nct_id,
                    "criteria_version": trial.criteria_version,
                    "language": lang,
                    "questions": questions,
                }
            ).data
        )


class CriterionResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["inclusion", "exclusion"])
    text = serializers.CharField(
        help_text="The criterion in plain words for patients (the registered wording when "
        "no plain version has been reviewed yet)."
    )
    clinical_text = serializers.CharField(
        help_text="The criterion as the registry wrote it (wrapped lines joined); empty for "
        "a criterion derived from the record's structured fields only."
    )
    status = serializers.ChoiceField(
        choices=["pass", "fail", "unknown", "not_checked"],
        help_text="pass, fail or unknown from the patient's answers; not_checked (added in "
        "v1.1): the service has no rule for this criterion and the study team checks it. A "
        "client that does not know not_checked should treat it as unknown.",
    )
    explanation = serializers.CharField()
    facts_used = serializers.DictField()


class CheckedCountsMixin(serializers.Serializer):
    checked = serializers.IntegerField(
        help_text="How many of the trial's criteria were checked against the answers."
    )
    total = serializers.IntegerField(
        help_text="How many criteria the trial has: its registered lines, plus rules derived "
        "from the record's structured fields that match no line. total - checked are left "
        "to the study team (not_checked)."
    )


class EligibilityOutputSerializer(CheckedCountsMixin):
    # Renders an eligibility.services.ScreeningOutcome with its stored screening.

    nct_id = serializers.CharField(source="trial.nct_id")
    verdict = serializers.ChoiceField(choices=["eligible", "possibly_eligible", "ineligible"])
    criteria = CriterionResultSerializer(many=True)
    missing = serializers.ListField(child=serializers.ChoiceField(choices=ANSWER_KEYS))
    criteria_version = serializers.IntegerField()
    screening_id = serializers.UUIDField(source="screening.pk")


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
        query_params(request, LanguageParams)
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
        outcome = screening_evaluate(
            trial=trial,
            answers=answers_prepare(answers=body["answers"]),
            lang=request_language(request),
        )
        return Response(eligibility_output(outcome))


def eligibility_output(outcome) -> dict:
    """The body of a check: ``EligibilityOutputSerializer``'s rendering of the
    ``ScreeningOutcome``, the same serializer the schema documents."""
    return render(EligibilityOutputSerializer, outcome)
