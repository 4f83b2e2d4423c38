"""The questionnaire pages: "check if you may qualify" for one trial, and "find trials for me".

One question per page, POST only, answers kept in the server-side session (never in a
URL, never logged). Both flows share one answer set, because the answers are facts about
the patient, not about a trial: someone who checked one study and then opens another is
asked only what the second one still needs.

What to ask next is ``eligibility.services.questionnaire_next``: it skips questions that
cannot change a verdict and returns None once every verdict is settled, which ends the
questionnaire early. A question key may appear in a URL (``?q=edss`` to go back to it);
an answer never does.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from finder.forms import DEFAULT_CONDITION
from finder.models import OverallStatus, Trial
from finder.selectors import trials_search
from finder.views import (
    bound_location_form,
    location_context,
    location_origin,
    nearest_recruiting,
)
from sites.models import Site
from sites.selectors import trial_sites_ranked

from .engine.facts import FACTS, UNSURE, InvalidAnswers, validate_answers
from .forms import QuestionForm
from .models import Screening
from .selectors import Question, question_for, trial_questions
from .services import questionnaire_next, screening_evaluate, trials_match

SESSION_ANSWERS = "answers"
SESSION_PATHS = "question_paths"
SESSION_SCREENINGS = "screenings"
MATCH_SCOPE = "*"
#: We ask for age, not date of birth: it is all the rules need and identifies nobody.
ASKED_FOR = {"birth_date": "age"}
SITES_SHOWN = 3


# --- the answer store -------------------------------------------------------------------


class AnswerStore:
    """The patient's answers and the order questions were answered in, per questionnaire."""

    def __init__(self, request: HttpRequest, scope: str):
        self.session = request.session
        self.scope = scope

    @property
    def answers(self) -> dict[str, Any]:
        return dict(self.session.get(SESSION_ANSWERS, {}))

    @property
    def path(self) -> list[str]:
        return list(self.session.get(SESSION_PATHS, {}).get(self.scope, []))

    def save(self, key: str, value: Any) -> None:
        answers = self.answers
        answers[key] = value
        self.session[SESSION_ANSWERS] = answers
        paths = dict(self.session.get(SESSION_PATHS, {}))
        path = list(paths.get(self.scope, []))
        if key not in path:
            path.append(key)
        paths[self.scope] = path
        self.session[SESSION_PATHS] = paths

    def clear(self) -> None:
        for name in (SESSION_ANSWERS, SESSION_PATHS, SESSION_SCREENINGS):
            self.session.pop(name, None)


def _asked_key(key: str | None) -> str | None:
    return ASKED_FOR.get(key, key) if key else key


# --- one flow, two scopes ------------------------------------------------------------------


@dataclass(frozen=True)
class Flow:
    """Where a questionnaire's pages live and which trials it asks about."""

    scope: str
    trials: list[Trial]
    question_url: str
    result_url: str
    restart_url: str
    cancel_url: str
    title: str

    def question_keys(self) -> list[str]:
        """Every question this questionnaire could ask, in the registry's order."""
        keys: dict[str, None] = {}
        for trial in self.trials:
            for question in trial_questions(trial=trial):
                keys[_asked_key(question.key)] = None
        return sorted(keys, key=lambda key: FACTS[key].order)


def _trial_flow(trial: Trial) -> Flow:
    return Flow(
        scope=trial.nct_id,
        trials=[trial],
        question_url=reverse("eligibility:trial_check", args=[trial.nct_id]),
        result_url=reverse("eligibility:trial_check_result", args=[trial.nct_id]),
        restart_url=reverse("eligibility:trial_check_restart", args=[trial.nct_id]),
        cancel_url=reverse("finder:trial_detail", args=[trial.nct_id]),
        title=_("Check if you may qualify"),
    )


def _match_flow() -> Flow:
    trials = list(trials_search(condition=DEFAULT_CONDITION, statuses=[OverallStatus.RECRUITING]))
    return Flow(
        scope=MATCH_SCOPE,
        trials=trials,
        question_url=reverse("eligibility:match_questions"),
        result_url=reverse("eligibility:match_results"),
        restart_url=reverse("eligibility:match_restart"),
        cancel_url=reverse("eligibility:match_start"),
        title=_("Find trials for me"),
    )


def _question_page(request: HttpRequest, flow: Flow) -> HttpResponse:
    """GET: the next (or the requested) question. POST: save an answer, then move on."""
    store = AnswerStore(request, flow.scope)
    lang = request.LANGUAGE_CODE
    keys = flow.question_keys()
    requested = request.POST.get("question") or request.GET.get("q")
    if requested in keys:
        key = requested
    else:
        key = _asked_key(questionnaire_next(trials=flow.trials, answers=store.answers))
        if key is None:
            return redirect(flow.result_url)
    question = question_for(key, lang=lang)

    if request.method == "POST":
        form = QuestionForm(request.POST, question=question, lang=lang)
        if form.is_valid() and _answer_fits(form, store):
            store.save(key, form.cleaned_answer)
            following = questionnaire_next(trials=flow.trials, answers=store.answers)
            return redirect(flow.question_url if following else flow.result_url)
        status = 400
    else:
        form = QuestionForm(
            question=question,
            lang=lang,
            initial=QuestionForm.initial_for(question, store.answers.get(key)),
        )
        status = 200
    return render(
        request,
        "eligibility/question.html",
        {
            "flow": flow,
            "form": form,
            "question": question,
            "progress": _progress(store, keys, key),
            "back_url": _back_url(flow, store, key),
            "answered_before": bool(store.answers) and not store.path,
        },
        status=status,
    )


def _answer_fits(form: QuestionForm, store: AnswerStore) -> bool:
    """Check the answer together with the others (the cross-field rules of the contract)."""
    key = form.question.key
    answers = {**store.answers, key: form.cleaned_answer}
    try:
        validate_answers(answers, today=timezone.localdate())
    except InvalidAnswers as invalid:
        form.add_answer_error(_cross_field_message(key, invalid.errors, answers))
        return False
    return True


def _cross_field_message(key: str, errors: dict[str, str], answers: dict[str, Any]) -> str:
    pair = {"relapses_last_12_months", "relapses_last_24_months"}
    if key in pair and pair & set(errors):
        return _(
            "The past 24 months include the past 12 months, so the number for 24 months "
            "(%(r24)s) cannot be smaller than the number for 12 months (%(r12)s). "
            "Check both numbers."
        ) % {
            "r24": answers.get("relapses_last_24_months"),
            "r12": answers.get("relapses_last_12_months"),
        }
    return _("This answer does not fit with your other answers. Check it and try again.")


@dataclass(frozen=True)
class Progress:
    number: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * (self.number - 1) / self.total) if self.total else 0


def _progress(store: AnswerStore, keys: list[str], key: str) -> Progress:
    path = [k for k in store.path if k in keys]
    if key in path:
        number = path.index(key) + 1
    else:
        number = len([k for k in keys if k in store.answers]) + 1
    return Progress(number=min(number, len(keys)), total=len(keys))


def _back_url(flow: Flow, store: AnswerStore, key: str) -> str:
    path = store.path
    if key in path:
        index = path.index(key)
        previous = path[index - 1] if index > 0 else None
    else:
        previous = path[-1] if path else None
    return f"{flow.question_url}?q={previous}" if previous else flow.cancel_url


# --- one trial -------------------------------------------------------------------------


def _trial_or_404(nct_id: str) -> Trial:
    return get_object_or_404(Trial, nct_id=nct_id.upper())


@require_http_methods(["GET", "POST"])
def trial_check(request: HttpRequest, nct_id: str) -> HttpResponse:
    return _question_page(request, _trial_flow(_trial_or_404(nct_id)))


@require_http_methods(["GET"])
def trial_check_result(request: HttpRequest, nct_id: str) -> HttpResponse:
    trial = _trial_or_404(nct_id)
    flow = _trial_flow(trial)
    store = AnswerStore(request, flow.scope)
    if not store.answers:
        return redirect(flow.question_url)
    lang = request.LANGUAGE_CODE
    outcome = _remembered_screening(request, trial, store.answers, lang)
    form = bound_location_form(request, request.GET or None)
    origin = location_origin(request, form) if form.is_valid() else None
    ranked = trial_sites_ranked(trial=trial, origin=origin)
    nearest = nearest_recruiting(ranked)
    remaining = questionnaire_next(trials=[trial], answers=store.answers)
    return render(
        request,
        "eligibility/trial_result.html",
        {
            "trial": trial,
            "flow": flow,
            "outcome": outcome,
            "screening": outcome.screening,
            "groups": _criteria_groups(outcome.criteria),
            "unknown_count": sum(c["status"] == "unknown" for c in outcome.criteria),
            "neurologist_questions": _neurologist_questions(outcome, lang),
            "answers_summary": _answers_summary(store.answers, flow, lang),
            "ranked_sites": ranked[:SITES_SHOWN],
            "nearest_site": nearest,
            "nearest_contact": Site.objects.filter(pk=nearest.id).first() if nearest else None,
            "more_questions": remaining is not None,
            **location_context(request, form, origin),
        },
    )


def _remembered_screening(request: HttpRequest, trial: Trial, answers: dict, lang: str):
    """Evaluate the answers; store one anonymous screening per trial and answer set.

    Reloading the page, or coming back to it, does not store the same screening twice.
    """
    fingerprint = hashlib.sha256(
        json.dumps([trial.criteria_version, answers], sort_keys=True).encode()
    ).hexdigest()[:32]
    remembered = dict(request.session.get(SESSION_SCREENINGS, {}))
    known = remembered.get(trial.nct_id)
    outcome = screening_evaluate(trial=trial, answers=answers, lang=lang, save=False)
    if known and known[0] == fingerprint:
        screening = Screening.objects.filter(pk=known[1], trial=trial).first()
        if screening is not None:
            return _with_screening(outcome, screening)
    outcome = screening_evaluate(trial=trial, answers=answers, lang=lang, save=True)
    remembered[trial.nct_id] = [fingerprint, str(outcome.screening.pk)]
    request.session[SESSION_SCREENINGS] = remembered
    return outcome


def _with_screening(outcome, screening):
    from dataclasses import replace

    return replace(outcome, screening=screening)


@require_POST
def trial_check_restart(request: HttpRequest, nct_id: str) -> HttpResponse:
    trial = _trial_or_404(nct_id)
    AnswerStore(request, trial.nct_id).clear()
    return redirect("eligibility:trial_check", nct_id=trial.nct_id)


# --- every MS trial ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def match_start(request: HttpRequest) -> HttpResponse:
    """Intro and an optional location, so the results can be ranked by distance."""
    if request.method == "POST":
        form = bound_location_form(request, request.POST)
        if form.is_valid():
            location_origin(request, form)
            if not form.errors:
                return redirect("eligibility:match_questions")
        status = 400
    else:
        form = bound_location_form(request)
        status = 200
    store = AnswerStore(request, MATCH_SCOPE)
    return render(
        request,
        "eligibility/match_start.html",
        {"location_form": form, "has_answers": bool(store.answers)},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def match_questions(request: HttpRequest) -> HttpResponse:
    return _question_page(request, _match_flow())


@require_http_methods(["GET"])
def match_results(request: HttpRequest) -> HttpResponse:
    flow = _match_flow()
    store = AnswerStore(request, MATCH_SCOPE)
    if not store.answers:
        return redirect(flow.question_url)
    lang = request.LANGUAGE_CODE
    form = bound_location_form(request, request.GET or None)
    origin = location_origin(request, form) if form.is_valid() else None
    matches = trials_match(answers=store.answers, origin=origin, lang=lang)
    return render(
        request,
        "eligibility/match_results.html",
        {
            "flow": flow,
            "matches": [(match, _first_reason(match.outcome)) for match in matches],
            "answers_summary": _answers_summary(store.answers, flow, lang),
            "more_questions": questionnaire_next(trials=flow.trials, answers=store.answers)
            is not None,
            **location_context(request, form, origin),
        },
    )


@require_POST
def match_restart(request: HttpRequest) -> HttpResponse:
    AnswerStore(request, MATCH_SCOPE).clear()
    return redirect("eligibility:match_start")


# --- presenting an outcome -----------------------------------------------------------------


def _first_reason(outcome) -> str:
    """The one criterion a match card names: the first that rules out, else the first open."""
    for status in ("fail", "unknown"):
        for criterion in outcome.criteria:
            if criterion["status"] == status:
                return criterion["text"]
    return ""


def _criteria_groups(criteria: list[dict]) -> list[dict]:
    """Criteria grouped for reading: what rules you out, what we could not check, what fits."""
    titles = {
        "fail": _("What rules you out"),
        "unknown": _("What we could not check yet"),
        "pass": _("What fits"),
    }
    return [
        {"status": status, "title": titles[status], "criteria": items}
        for status in ("fail", "unknown", "pass")
        if (items := [c for c in criteria if c["status"] == status])
    ]


def _neurologist_questions(outcome, lang: str) -> list[Question]:
    """The unknowns as questions to take to a neurologist: missing answers and 'not sure'."""
    keys: dict[str, None] = {}
    for criterion in outcome.criteria:
        if criterion["status"] != "unknown":
            continue
        for key, value in criterion["facts_used"].items():
            if value == UNSURE:
                keys[key] = None
    for key in outcome.missing:
        keys[_asked_key("birth_date" if key == "age" else key)] = None
    ordered = sorted(keys, key=lambda key: FACTS[key].order)
    return [question_for(key, lang=lang) for key in ordered]


def _answers_summary(answers: dict[str, Any], flow: Flow, lang: str) -> list[dict]:
    """Each answer as the patient reads it, with the link that changes it."""
    rows = []
    asked = set(flow.question_keys())
    for key in sorted(answers.keys() & asked, key=lambda key: FACTS[key].order):
        fact = FACTS[key]
        value = answers[key]
        if value == UNSURE:
            shown = _("Not sure")
        elif fact.type == "multi_choice" and not value:
            shown = _("None")
        else:
            shown = fact.format_value(value, lang)
        rows.append(
            {
                "key": key,
                "question": fact.question(lang),
                "answer": shown,
                "change_url": f"{flow.question_url}?q={key}",
            }
        )
    return rows
