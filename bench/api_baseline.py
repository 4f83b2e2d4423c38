"""The benchmark's baseline: plain Django JSON views doing the API's work without DRF.

Same geocoding, selector and service calls as ``/api/v1/trials/<nct_id>/sites/`` and
``/api/v1/trials/<nct_id>/eligibility/``, rendered with ``JsonResponse``: no
serializers, no content negotiation, no key authentication, no throttle. The gap
between the two is what the API layer costs. Used only by ``bench/bench_api.py``
(through ``bench/api_settings.py``), never by the product.
"""

import dataclasses
import json

from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from eligibility.services import screening_evaluate
from finder.models import Trial
from sites.location import origin_from_params
from sites.selectors import trial_sites_page


@require_GET
def trial_sites(request, nct_id):
    trial = get_object_or_404(Trial, nct_id=nct_id)
    origin = origin_from_params(request.GET)
    limit = int(request.GET["limit"]) if "limit" in request.GET else None
    page = trial_sites_page(trial=trial, origin=origin, limit=limit)
    return JsonResponse(
        {
            "count": page.count,
            "origin": dataclasses.asdict(origin) if origin else None,
            "results": [dataclasses.asdict(site) for site in page.sites],
        }
    )


@csrf_exempt
@require_POST
def trial_eligibility(request, nct_id):
    trial = get_object_or_404(Trial, nct_id=nct_id)
    answers = json.loads(request.body)["answers"]
    outcome = screening_evaluate(trial=trial, answers=answers)
    return JsonResponse(
        {
            "nct_id": trial.nct_id,
            "verdict": outcome.verdict,
            "criteria": outcome.criteria,
            "missing": outcome.missing,
            "criteria_version": outcome.criteria_version,
            "screening_id": str(outcome.screening.pk),
        }
    )


urlpatterns = [
    path("bench/trials/<str:nct_id>/sites/", trial_sites),
    path("bench/trials/<str:nct_id>/eligibility/", trial_eligibility),
    path("", include("config.urls")),
]
