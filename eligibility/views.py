"""The trial check: "check if you may qualify" for one trial, then the result.

The questionnaire itself is ``eligibility.questionnaire``'s (one question per page, POST
only, answers kept in the server-side session, never in a URL, never logged); this
module gives it the trial's flow and shows the result with the nearest clinics.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from finder.models import Trial
from sites.location import bound_location_form, location_context, location_origin
from sites.models import Site
from sites.selectors import RECRUITING_SITE_STATUSES, nearest_recruiting, trial_sites_ranked

from .questionnaire import (
    Flow,
    answers_summary,
    criteria_groups,
    neurologist_questions,
    question_page,
)
from .session import AnswerStore, screening_remember

SITES_SHOWN = 3


def trial_flow(trial: Trial) -> Flow:
    return Flow(
        scope=trial.nct_id,
        trials=[trial],
        question_url=reverse("eligibility:trial_check", args=[trial.nct_id]),
        result_url=reverse("eligibility:trial_check_result", args=[trial.nct_id]),
        restart_url=reverse("eligibility:trial_check_restart", args=[trial.nct_id]),
        cancel_url=reverse("finder:trial_detail", args=[trial.nct_id]),
        title=_("Check if you may qualify"),
    )


def _trial_or_404(nct_id: str) -> Trial:
    return get_object_or_404(Trial, nct_id=nct_id.upper())


@require_http_methods(["GET", "POST"])
def trial_check(request: HttpRequest, nct_id: str) -> HttpResponse:
    return question_page(request, trial_flow(_trial_or_404(nct_id)))


@require_http_methods(["GET"])
def trial_check_result(request: HttpRequest, nct_id: str) -> HttpResponse:
    trial = _trial_or_404(nct_id)
    flow = trial_flow(trial)
    store = AnswerStore(request, flow.scope)
    answers = store.answers
    if not answers:
        return redirect(flow.question_url)
    lang = request.LANGUAGE_CODE
    outcome = screening_remember(request, trial=trial, answers=answers, lang=lang)
    form = bound_location_form(request, request.GET or None)
    origin = location_origin(request, form) if form.is_valid() else None
    # Site status decides: only recruiting clinics are offered as the nearest ones.
    ranked = trial_sites_ranked(
        trial=trial, origin=origin, statuses=RECRUITING_SITE_STATUSES, limit=SITES_SHOWN
    )
    nearest = nearest_recruiting(ranked)
    return render(
        request,
        "eligibility/trial_result.html",
        {
            "trial": trial,
            "flow": flow,
            "outcome": outcome,
            "screening": outcome.screening,
            "groups": criteria_groups(outcome.criteria),
            "unknown_count": sum(c["status"] == "unknown" for c in outcome.criteria),
            "neurologist_questions": neurologist_questions(outcome, lang),
            "answers_summary": answers_summary(answers, flow, lang),
            "ranked_sites": [site for site in ranked if site.distance_km is not None],
            "nearest_site": nearest,
            "nearest_contact": Site.objects.filter(pk=nearest.id).first() if nearest else None,
            "more_questions": flow.next_key(answers) is not None,
            **location_context(request, form, origin),
        },
    )


@require_POST
def trial_check_restart(request: HttpRequest, nct_id: str) -> HttpResponse:
    trial = _trial_or_404(nct_id)
    AnswerStore(request, trial.nct_id).clear()
    return redirect("eligibility:trial_check", nct_id=trial.nct_id)
