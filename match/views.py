""" "Find trials for me": the questionnaire across every recruiting MS trial, then the
matches ranked by verdict and distance (``match.services.trials_match``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from eligibility.questionnaire import Flow, answers_summary, first_reason, question_page
from eligibility.services import answers_prepare
from eligibility.session import AnswerStore
from finder.models import OverallStatus
from finder.selectors import DEFAULT_CONDITION, trials_search
from sites.location import bound_location_form, location_context, location_origin

from .services import trials_match

#: The answer store's scope for this questionnaire (a trial's is its NCT id).
MATCH_SCOPE = "*"


def match_flow() -> Flow:
    trials = list(trials_search(condition=DEFAULT_CONDITION, statuses=[OverallStatus.RECRUITING]))
    return Flow(
        scope=MATCH_SCOPE,
        trials=trials,
        question_url=reverse("match:questions"),
        result_url=reverse("match:results"),
        restart_url=reverse("match:restart"),
        cancel_url=reverse("match:start"),
        title=_("Find trials for me"),
    )


@require_http_methods(["GET", "POST"])
def match_start(request: HttpRequest) -> HttpResponse:
    """Intro and an optional location, so the results can be ranked by distance."""
    if request.method == "POST":
        form = bound_location_form(request, request.POST)
        if form.is_valid():
            location_origin(request, form)
            if not form.errors:
                return redirect("match:questions")
        status = 400
    else:
        form = bound_location_form(request)
        status = 200
    store = AnswerStore(request, MATCH_SCOPE)
    return render(
        request,
        "match/start.html",
        {"location_form": form, "has_answers": bool(store.answers)},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def match_questions(request: HttpRequest) -> HttpResponse:
    return question_page(request, match_flow())


@require_http_methods(["GET"])
def match_results(request: HttpRequest) -> HttpResponse:
    flow = match_flow()
    store = AnswerStore(request, MATCH_SCOPE)
    answers = store.answers
    if not answers:
        return redirect(flow.question_url)
    lang = request.LANGUAGE_CODE
    form = bound_location_form(request, request.GET or None)
    origin = location_origin(request, form) if form.is_valid() else None
    matches = trials_match(facts=answers_prepare(answers=answers), origin=origin, lang=lang)
    return render(
        request,
        "match/results.html",
        {
            "flow": flow,
            "matches": [(match, first_reason(match.outcome)) for match in matches],
            "answers_summary": answers_summary(answers, flow, lang),
            "more_questions": flow.next_key(answers) is not None,
            **location_context(request, form, origin),
        },
    )


@require_POST
def match_restart(request: HttpRequest) -> HttpResponse:
    AnswerStore(request, MATCH_SCOPE).clear()
    return redirect("match:start")
